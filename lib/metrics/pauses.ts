/**
 * What stalls this process's event loop, sampled alongside the stage histograms (lib/metrics/stages.ts):
 * garbage-collection pauses (perf_hooks `gc` entries, by kind) and event-loop delay
 * (`monitorEventLoopDelay`). `reset` starts a new window (the bench does so after its warm-up).
 */
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks";
import { latencyHistogram, percentiles, type Percentiles } from "./stages.ts";

const KINDS: Array<[number, GcKind]> = [
	[constants.NODE_PERFORMANCE_GC_MINOR, "minor"],
	[constants.NODE_PERFORMANCE_GC_MAJOR, "major"],
	[constants.NODE_PERFORMANCE_GC_INCREMENTAL, "incremental"],
	[constants.NODE_PERFORMANCE_GC_WEAKCB, "weakcb"],
];
type GcKind = "minor" | "major" | "incremental" | "weakcb";

export interface PausesSnapshot {
	/** Seconds since the window began. */
	seconds: number;
	/** GC pauses: how many, their total, and the distribution of one pause (ms); count and total per kind. */
	gc: { count: number; totalMs: number; pause: Percentiles; byKind: Record<GcKind, { count: number; totalMs: number }> };
	/** How late the loop ran a timer due every `resolutionMs` (ms beyond it), over `samples` timer runs. */
	loopDelay: Percentiles & { resolutionMs: number; samples: number };
}

export class PauseSampler {
	readonly #gc = latencyHistogram();
	#byKind = PauseSampler.#noKinds();
	#gcTotalMs = 0;
	#since: number;
	readonly #loop: IntervalHistogram;
	readonly #observer: PerformanceObserver;

	constructor(
		readonly resolutionMs = 10,
		readonly now: () => number = () => performance.now(),
	) {
		this.#since = now();
		this.#loop = monitorEventLoopDelay({ resolution: resolutionMs });
		this.#loop.enable();
		this.#observer = new PerformanceObserver(list => {
			for (const e of list.getEntries()) this.#gcPause(e.duration, (e as { detail?: { kind?: number } }).detail?.kind ?? 0);
		});
		this.#observer.observe({ entryTypes: ["gc"] });
	}

	static #noKinds(): Record<GcKind, { count: number; totalMs: number }> {
		return { minor: { count: 0, totalMs: 0 }, major: { count: 0, totalMs: 0 }, incremental: { count: 0, totalMs: 0 }, weakcb: { count: 0, totalMs: 0 } };
	}

	#gcPause(durationMs: number, kind: number): void {
		this.#gc.recordValue(Math.min(Math.round(durationMs * 1000), 600_000_000 - 1));
		this.#gcTotalMs += durationMs;
		const k = KINDS.find(([flag]) => flag === kind)?.[1];
		if (k) {
			this.#byKind[k].count++;
			this.#byKind[k].totalMs += durationMs;
		}
	}

	snapshot(): PausesSnapshot {
		const round = (x: number) => Math.round(x * 1000) / 1000;
		const l = this.#loop;
		// The histogram holds each timer interval whole: the delay is what exceeds the resolution.
		const ns = (x: number) => round(Math.max(0, x / 1e6 - this.resolutionMs));
		const byKind = Object.fromEntries(Object.entries(this.#byKind).map(([k, v]) => [k, { count: v.count, totalMs: round(v.totalMs) }])) as PausesSnapshot["gc"]["byKind"];
		return {
			seconds: round((this.now() - this.#since) / 1000),
			gc: { count: this.#gc.totalCount, totalMs: round(this.#gcTotalMs), pause: percentiles(this.#gc), byKind },
			loopDelay: {
				...(l.count === 0 ? { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 } : { p50: ns(l.percentile(50)), p90: ns(l.percentile(90)), p99: ns(l.percentile(99)), max: ns(l.max), mean: ns(l.mean) }),
				resolutionMs: this.resolutionMs,
				samples: l.count,
			},
		};
	}

	reset(): void {
		this.#gc.reset();
		this.#byKind = PauseSampler.#noKinds();
		this.#gcTotalMs = 0;
		this.#loop.reset();
		this.#since = this.now();
	}

	stop(): void {
		this.#observer.disconnect();
		this.#loop.disable();
	}
}
