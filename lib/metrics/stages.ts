/**
 * Where one tick's time goes, hop by hop (docs/architecture.md, "Where a tick's time goes"). A batch
 * of ticks is stamped once when it reaches a node (`t0`, a wall-clock time in ms with sub-ms
 * precision: `performance.timeOrigin + performance.now()`, comparable across the processes of one
 * machine), and the stamp travels with it: through the owner call (Moleculer `ctx.meta.hops`), inside
 * the symbol actor, and on the batch's last tick message over the bus (a NATS header, not the JSON
 * payload). At each stage the node that reaches it records two times in its own histograms: the
 * time since `t0` (cumulative) and the time since the previous stage (incremental: `at`, the
 * previous stage's time, travels with `t0`). Counts differ per stage: the node where a POST lands
 * records `http.parsed` and `ingest.checked` once per request and `owner.sent` once per owner call
 * (one per owner node); the owner records `owner.received` once per call and the later stages once
 * per symbol; a gateway records once per stamped message (one per symbol and call),
 * `ws.send` once per WebSocket it is written to.
 *
 * Stamps taken on different machines differ by their clocks' offset: cross-node increments
 * (`owner.received`, `gateway.received`) are exact only between processes of one machine.
 */
import * as hdr from "hdr-histogram-js";

/** The stages of one tick's path, in order (docs/architecture.md). */
export const STAGES = [
	/** The gateway took the request, read and parsed the body, checked the caller: the ingest action starts. */
	"http.parsed",
	/** Every tick validated (and the tier's new-symbol limit checked): grouping by symbol starts. */
	"ingest.checked",
	/** Grouped: the call for one owner node's symbols (`symbols.ingestMany`) is handed to Moleculer (over NATS when remote). */
	"owner.sent",
	/** The owner's `symbols.ingestMany` (or `symbols.ingest`) handler started. */
	"owner.received",
	/** The batch's turn in the symbol actor's mailbox began (activation and queueing are behind it). */
	"actor.turn",
	/** The durable append (the store's Lua script) answered. */
	"append.done",
	/** Every tick of the batch applied (bars, indicators, signals, alerts) and the last one handed to the bus. */
	"published",
	/** A gateway's bus subscription got that message. */
	"gateway.received",
	/** Its update frame serialised, about to be handed to each subscribed connection. */
	"fanout",
	/** `ws.send` of the frame returned, for one WebSocket client. */
	"ws.send",
] as const;
export type Stage = (typeof STAGES)[number];

/** A batch's stamps: `t0` when it reached the first node, `at` when it passed its last stage (wall-clock ms). */
export interface Hops {
	readonly t0: number;
	readonly at: number;
}

/** Wall-clock ms with sub-ms precision, comparable across the processes of one machine. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** Stamps older than this (or this far in the future) are not believed: dropped, not recorded. */
const PLAUSIBLE_MS = 10 * 60_000;
/** Histogram range in µs: 1 µs to 10 min, 2 significant digits (~11 KB each). */
export const latencyHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: PLAUSIBLE_MS * 1000, numberOfSignificantValueDigits: 2, autoResize: false });
export type Histogram = ReturnType<typeof latencyHistogram>;
const MAX_US = PLAUSIBLE_MS * 1000 - 1;

export interface Percentiles {
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
}

export interface StageSummary {
	stage: Stage;
	count: number;
	/** Since the batch reached the first node, ms. */
	cumulative: Percentiles;
	/** Since the previous stage, ms. */
	incremental: Percentiles;
}

export interface StagesSnapshot {
	enabled: boolean;
	stages: StageSummary[];
	/** Times that came out negative (clocks of two machines apart, or a stamp from later): recorded as 0. */
	negative: number;
}

const INDEX = Object.fromEntries(STAGES.map((s, i) => [s, i])) as Record<Stage, number>;
const ms = (us: number) => Math.round(us) / 1000;

/** p50, p90, p99, max and mean of a histogram of µs, in ms (zeros when empty). */
export function percentiles(h: Histogram): Percentiles {
	if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
	// A percentile is its bucket's highest value: never above the largest value recorded.
	const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
	return { p50: at(50), p90: at(90), p99: at(99), max: ms(h.maxValue), mean: ms(h.mean) };
}

/** Stamps written as text (a NATS header value): `"<t0> <at>"`. */
export function encodeHops(h: Hops): string {
	return `${h.t0} ${h.at}`;
}

/** The stamps of a header or a `[t0, at]` pair from another node, or undefined when they are not two finite numbers. */
export function decodeHops(v: unknown): Hops | undefined {
	let t0: unknown;
	let at: unknown;
	if (typeof v === "string") {
		const sp = v.indexOf(" ");
		if (sp < 0) return undefined;
		t0 = Number(v.slice(0, sp));
		at = Number(v.slice(sp + 1));
	} else if (Array.isArray(v) && v.length === 2) [t0, at] = v;
	else return undefined;
	return typeof t0 === "number" && typeof at === "number" && Number.isFinite(t0) && Number.isFinite(at) ? { t0, at } : undefined;
}

/** `[t0, at]`: the stamps as a Moleculer call carries them (`ctx.meta.hops`). */
export const hopsPair = (h: Hops): [number, number] => [h.t0, h.at];

/**
 * One process's stage histograms. Off (`enabled: false`): `start` returns undefined, so no stamp
 * is taken or carried and nothing is recorded anywhere downstream.
 */
export class StageRecorder {
	readonly #cum: Histogram[] = STAGES.map(latencyHistogram);
	readonly #inc: Histogram[] = STAGES.map(latencyHistogram);
	#negative = 0;

	constructor(
		readonly enabled = true,
		readonly clock: () => number = wallClock,
	) {}

	/** Stamps for a batch entering here: undefined when off. */
	start(): Hops | undefined {
		if (!this.enabled) return undefined;
		const t = this.clock();
		return { t0: t, at: t };
	}

	/**
	 * Stamps that came from another node (`ctx.meta.hops`, a bus header): `stage` recorded as reached
	 * now, and the stamps to carry on; undefined when off or when `raw` is not a pair of stamps.
	 */
	receive(stage: Stage, raw: unknown): Hops | undefined {
		if (!this.enabled || raw === undefined) return undefined;
		const hops = decodeHops(raw);
		return hops && this.mark(stage, hops);
	}

	/** Records `stage` of the batch stamped `hops` as reached now; returns its stamps for the next stage. */
	mark(stage: Stage, hops: Hops): Hops {
		const now = this.clock();
		const cum = now - hops.t0;
		if (this.enabled && cum < PLAUSIBLE_MS && cum > -PLAUSIBLE_MS) {
			const i = INDEX[stage];
			this.#cum[i].recordValue(this.#us(cum));
			this.#inc[i].recordValue(this.#us(now - hops.at));
		}
		return { t0: hops.t0, at: now };
	}

	#us(msValue: number): number {
		if (msValue >= 0) return Math.min(Math.round(msValue * 1000), MAX_US);
		this.#negative++;
		return 0;
	}

	snapshot(): StagesSnapshot {
		return {
			enabled: this.enabled,
			stages: STAGES.map((stage, i) => ({ stage, count: this.#cum[i].totalCount, cumulative: percentiles(this.#cum[i]), incremental: percentiles(this.#inc[i]) })),
			negative: this.#negative,
		};
	}

	reset(): void {
		for (const h of this.#cum) h.reset();
		for (const h of this.#inc) h.reset();
		this.#negative = 0;
	}
}
