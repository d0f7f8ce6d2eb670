/**
 * Ingest: validates ticks (REST `POST /api/v1/ticks` and the synthetic feed alike), groups them by
 * symbol and hands each group to the symbol's owner. Answers only after the owners have written
 * the ticks to their logs.
 */
import type { Context, ServiceSchema } from "moleculer";
import { checkTickBatch, isFieldErrors, type Tick } from "../lib/protocol/tick.ts";
import { ValidationError, UnavailableError } from "../lib/protocol/errors.ts";
import { SyntheticFeed } from "../lib/feed/synthetic.ts";
import type { FeedStatus } from "../lib/feed/feed-status.ts";
import type { IngestResult } from "../lib/symbols/symbol-actor.ts";
import type { NodeDeps } from "./deps.ts";

const CHUNK = 1000;

export interface SubmitResult {
	accepted: number;
	duplicates: number;
	/** Ticks refused as older than the late tolerance; `refused` says which (the first few). */
	late: number;
	refused?: Array<{ index: number; symbol: string; reason: string }>;
	symbols: IngestResult[];
}

interface Vars {
	feed: { timer: NodeJS.Timeout | null; status: FeedStatus; inFlight: Promise<unknown> | null } | null;
	inFlight: Set<Promise<unknown>>;
}
interface Methods {
	submit(ticks: Tick[], ctx?: Context): Promise<SubmitResult>;
	startFeed(): void;
	feedTick(gen: SyntheticFeed, stepsPerFire: number): void;
}

export default function ingestService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { config } = deps;
	const checkOpts = { maxFutureMs: config.ingest.maxFutureMs, now: deps.now };
	return {
		name: "ingest",

		actions: {
			/** One tick, an array of ticks or `{ticks: [...]}` as the request body; all-or-nothing. */
			ticks: {
				// Optional, so a null body reaches checkTickBatch and is refused with its own message.
				params: { body: { type: "any", optional: true } },
				async handler(ctx: Context<{ body: unknown }>): Promise<SubmitResult> {
					const checked = checkTickBatch(ctx.params.body, checkOpts);
					if (isFieldErrors(checked)) {
						for (const e of checked) this.broker.metrics.increment("rookery.ingest.rejected", { reason: e.type ?? "invalid" });
						throw new ValidationError(`${checked.length === 1 ? "a field is" : `${checked.length} fields are`} invalid: ${checked[0].field}: ${checked[0].message}`, checked);
					}
					return this.submit(checked, ctx);
				},
			},

			/** Status of this node's feeds (the REPL `feeds` command gathers these). */
			feeds: {
				visibility: "public",
				handler(): Array<FeedStatus & { node: string }> {
					return this.feed ? [{ ...this.feed.status, node: this.broker.nodeID }] : [];
				},
			},
		},

		methods: {
			async submit(ticks: Tick[], ctx?: Context): Promise<SubmitResult> {
				// Per symbol: its ticks in request order, and each one's index in the request.
				const bySymbol = new Map<string, { ticks: Tick[]; index: number[] }>();
				for (let i = 0; i < ticks.length; i++) {
					const t = ticks[i];
					const g = bySymbol.get(t.symbol);
					if (g) {
						g.ticks.push(t);
						g.index.push(i);
					} else bySymbol.set(t.symbol, { ticks: [t], index: [i] });
				}
				const callOnce = (symbol: string, group: Tick[]) => {
					const p = ctx ? ctx.call<IngestResult, unknown>("symbols.ingest", { symbol, ticks: group }) : this.broker.call<IngestResult, unknown>("symbols.ingest", { symbol, ticks: group });
					this.inFlight.add(p);
					return p.finally(() => this.inFlight.delete(p));
				};
				// One call per CHUNK ticks, in order: a 5,000-tick batch with long ids would pass NATS's
				// default 1 MB message limit in one call.
				const call = async (symbol: string, group: Tick[]): Promise<IngestResult> => {
					const total: IngestResult = await callOnce(symbol, group.slice(0, CHUNK));
					for (let i = CHUNK; i < group.length; i += CHUNK) {
						const r = await callOnce(symbol, group.slice(i, i + CHUNK));
						total.accepted += r.accepted;
						total.duplicates += r.duplicates;
						total.late += r.late;
						total.firstSeq ??= r.firstSeq;
						total.lastSeq = r.lastSeq;
						const refused = (r.refused ?? []).map(x => ({ index: x.index + i, reason: x.reason }));
						if (refused.length > 0) total.refused = [...(total.refused ?? []), ...refused].slice(0, 20);
					}
					return total;
				};
				const groups = [...bySymbol];
				const settled = await Promise.allSettled(groups.map(([symbol, g]) => call(symbol, g.ticks)));
				const done = settled.filter(s => s.status === "fulfilled").map(s => (s as PromiseFulfilledResult<IngestResult>).value);
				const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [{ symbol: groups[i][0], reason: (s.reason as Error).message }] : []));
				const accepted = done.reduce((n, r) => n + r.accepted, 0);
				this.broker.metrics.increment("rookery.ingest.accepted", {}, accepted);
				if (failed.length > 0) {
					const first = (settled.find(s => s.status === "rejected") as PromiseRejectedResult).reason as Error & { retryable?: boolean };
					if (done.length === 0 && first.name !== "ServiceNotFoundError") throw first;
					// Part of the batch is durable and part is not: say exactly which, so a client can
					// resend the failed symbols (vendor ids make a resend of everything safe too).
					throw new UnavailableError(`${failed.length} of ${bySymbol.size} symbols could not be written: ${failed[0].reason}`, { accepted: done, failed });
				}
				const result: SubmitResult = { accepted, duplicates: done.reduce((n, r) => n + r.duplicates, 0), late: done.reduce((n, r) => n + r.late, 0), symbols: done };
				const refused = settled.flatMap((s, i) =>
					s.status === "fulfilled" && s.value.refused ? s.value.refused.map(r => ({ index: groups[i][1].index[r.index], symbol: groups[i][0], reason: r.reason })) : [],
				);
				if (refused.length > 0) {
					this.broker.metrics.increment("rookery.ingest.rejected", { reason: "late" }, result.late);
					result.refused = refused.sort((a, b) => a.index - b.index).slice(0, 20);
				}
				return result;
			},

			startFeed() {
				const { ticksPerSecond, seed } = config.feed;
				const gen = new SyntheticFeed(config.symbols, { seed, ticksPerSecond });
				// Timers below ~10 ms are not reliable; at higher rates each fire steps several times.
				const intervalMs = Math.max(10, 1000 / ticksPerSecond);
				const stepsPerFire = Math.max(1, Math.round((ticksPerSecond * intervalMs) / 1000));
				const now = deps.now();
				this.feed = {
					timer: null,
					inFlight: null,
					status: { name: "synthetic", type: "synthetic", symbols: config.symbols.length, ticksPerSecond, produced: 0, accepted: 0, errors: 0, skipped: 0, lastTickAt: null, status: { state: "running", since: now } },
				};
				this.feed.timer = setInterval(() => this.feedTick(gen, stepsPerFire), intervalMs);
			},

			feedTick(gen: SyntheticFeed, stepsPerFire: number) {
				const feed = this.feed!;
				const st = feed.status;
				if (feed.inFlight) {
					st.skipped++;
					this.broker.metrics.increment("rookery.feed.skipped", { feed: st.name });
					return;
				}
				const now = deps.now();
				const ticks: Tick[] = [];
				for (let i = 0; i < stepsPerFire; i++) ticks.push(...gen.step(now));
				st.produced += ticks.length;
				st.lastTickAt = now;
				feed.inFlight = this.submit(ticks)
					.then(r => {
						st.accepted += r.accepted;
						if (st.status.state !== "running") {
							this.logger.info({ feed: st.name }, "feed recovered");
							st.status = { state: "running", since: now };
						}
					})
					.catch((err: Error) => {
						st.errors++;
						if (st.status.state !== "failing") this.logger.warn({ feed: st.name, err: err.message }, "feed is failing");
						st.status = { state: "failing", since: st.status.state === "failing" ? st.status.since : now, lastError: err.message };
					})
					.finally(() => (feed.inFlight = null));
			},
		},

		created() {
			this.feed = null;
			this.inFlight = new Set();
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.accepted", description: "Ticks written to a symbol log" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.rejected", labelNames: ["reason"], description: "Invalid tick fields refused" });
			this.broker.metrics.register({ type: "counter", name: "rookery.feed.skipped", labelNames: ["feed"], description: "Feed batches skipped while the previous one was in flight" });
		},

		started() {
			if (config.feed.type === "synthetic" && config.symbols.length > 0) this.startFeed();
		},

		async stopped() {
			if (this.feed?.timer) clearInterval(this.feed.timer);
			if (this.feed) this.feed.status.status = { state: "stopped", since: deps.now() };
			// Drain: an ingest already accepted by the gateway finishes before the node goes away.
			await Promise.allSettled([...this.inFlight, this.feed?.inFlight]);
		},
	};
}
