/**
 * Ingest: validates ticks (REST `POST /api/v1/ticks`, NATS `rookery.ingest.ticks`, the synthetic
 * feed and vendors alike), groups them by symbol and hands each group to the symbol's owner; answers
 * REST only after the owners have written the ticks to their logs. It also runs the data workers
 * (one per data type, lib/workers) and push vendors: every vendor item becomes a StreamMessage kept
 * as latest (TTL) and in a capped stream in the KV, published on `rookery.{data_type}.{SYM}`; trades
 * go to the symbol actors. With several ingest nodes a lease per (data type, symbol) in the KV makes
 * exactly one node poll each instrument. docs/ingestion.md.
 */
import type { Context, ServiceSchema } from "moleculer";
import { checkTickBatch, checkTickBatchInTurns, isFieldErrors, type Tick } from "../lib/protocol/tick.ts";
import { BusyError, ErrorCode, ValidationError, UnavailableError, NotFoundError } from "../lib/protocol/errors.ts";
import { SyntheticFeed, syntheticHistory } from "../lib/feed/synthetic.ts";
import type { FeedStatus } from "../lib/feed/feed-status.ts";
import type { IngestResult } from "../lib/symbols/symbol-actor.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { checkTick, symbolRule } from "../lib/protocol/tick.ts";
import type { TierName } from "../lib/auth/tiers.ts";
import { TICKS_DOC } from "../lib/openapi/ticks-schema.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { CircuitBreaker } from "../lib/resilience/circuit-breaker.ts";
import { createVendor, DATA_TYPES, PollVendor, PushVendor, type DataType, type PushState, type VendorAdapter, type VendorItem } from "../lib/vendors/index.ts";
import { DataWorker, realTimers, type RunRecord, type WorkerStatus, type Timers } from "../lib/workers/data-worker.ts";
import { workerId, type Cadence } from "../lib/workers/cadence.ts";
import { IngestConfigRepo } from "../lib/workers/ingest-config.ts";
import { InstrumentClaims } from "../lib/workers/instrument-claims.ts";
import { MessagePipeline, type Pending } from "../lib/workers/message-pipeline.ts";
import { QuoteVolatility } from "../lib/workers/quote-volatility.ts";
import { messageKeys, toStreamMessage, type StreamMessage } from "../lib/workers/stream-message.ts";
import { checkNewsBatch } from "../lib/workers/news-input.ts";

const CHUNK = 1000;
/** Time (ms) symbol calls may be started in within one event-loop turn: a 5,000-symbol batch is dispatched over many. */
const DISPATCH_BUDGET_MS = 5;
const nextTurn = () => new Promise<void>(resolve => setImmediate(resolve));

export interface SubmitResult {
	accepted: number;
	duplicates: number;
	/** Ticks refused as older than the late tolerance; `refused` says which (the first few). */
	late: number;
	refused?: Array<{ index: number; symbol: string; reason: string }>;
	/** One entry per symbol written: what was accepted for it. */
	symbols: IngestResult[];
}

/** A symbol of a batch that was not written (503 `details.failed`); resend its ticks. */
export interface FailedSymbol {
	symbol: string;
	/** How many of the request's ticks were for it (none of them is stored). */
	ticks: number;
	/** The error code (BUSY: activation queue or mailbox full; SERVICE_UNAVAILABLE: store or owner away). */
	code: string;
	reason: string;
}

/** A message on its way to the store, with the tick it carries (market data trades). */
interface Outgoing {
	msg: StreamMessage;
	tick?: Tick;
}

interface PushRun {
	vendor: PushVendor;
	state: PushState;
	leased: boolean;
	/** The wait for room in the buffer a waiting producer is in, shared. */
	room: Promise<void> | null;
}

interface Vars {
	feed: { timer: NodeJS.Timeout | null; status: FeedStatus; inFlight: Promise<unknown> | null } | null;
	inFlight: Set<Promise<unknown>>;
	vendors: Map<string, VendorAdapter>;
	breakers: Map<string, CircuitBreaker>;
	workers: Map<DataType, DataWorker>;
	repo: IngestConfigRepo;
	claims: InstrumentClaims;
	pipeline: MessagePipeline<Outgoing>;
	volatility: QuoteVolatility;
	pushes: Map<string, PushRun>;
	pushTimer: NodeJS.Timeout | null;
	unsubscribe: Array<() => void>;
}
interface Methods {
	submit(ticks: Tick[], ctx?: Context): Promise<SubmitResult>;
	checkNewSymbols(ticks: Tick[], tier: TierName): Promise<void>;
	startFeed(): Promise<void>;
	writeHistory(): Promise<void>;
	feedTick(gen: SyntheticFeed, stepsPerFire: number): void;
	emitItems(items: VendorItem[], meta: { vendor: string; worker_id: string | null; retry_count: number; fallback: boolean }): void;
	writeBatch(batch: Pending<Outgoing>[]): Promise<void>;
	reject(source: string, reason: string, payload: unknown): void;
	applyConfig(): Promise<void>;
	syncPushes(): Promise<void>;
	ingestNodes(): string[];
}


export default function ingestService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { config } = deps;
	const checkOpts = { maxFutureMs: config.ingest.maxFutureMs, now: deps.now };
	const w = config.workers;
	const timers: Timers = { ...realTimers, now: deps.now };
	const defaultCadence = (dt: DataType): Cadence => ({ data_type: dt, interval_seconds: w.intervals[dt], enabled: true, retry_attempts: w.retryAttempts, retry_backoff_multiplier: w.retryMultiplier, vendor_fallback: true, vendors: w.chains[dt] });
	return {
		name: "ingest",

		actions: {
			/** One tick, an array of ticks or `{ticks: [...]}` as the request body; all-or-nothing. */
			ticks: {
				// Optional, so a null body reaches checkTickBatch and is refused with its own message.
				params: { body: { type: "any", optional: true } },
				...TICKS_DOC,
				async handler(ctx: Context<{ body: unknown }, { auth?: { tier?: TierName } }>): Promise<SubmitResult> {
					const checked = await checkTickBatchInTurns(ctx.params.body, checkOpts);
					if (isFieldErrors(checked)) {
						for (const e of checked) this.broker.metrics.increment("rookery.ingest.rejected", { reason: e.type ?? "invalid" });
						throw new ValidationError(`${checked.length === 1 ? "a field is" : `${checked.length} fields are`} invalid: ${checked[0].field}: ${checked[0].message}`, checked);
					}
					// A caller with a tier (REST) may create only so many new symbols per request.
					const tier = ctx.meta.auth?.tier;
					if (tier) await this.checkNewSymbols(checked, tier);
					return this.submit(checked, ctx);
				},
			},

			/** News pushed in: one item, an array or `{news: [...]}`; stored like vendor news. */
			news: {
				// REST merges the JSON body into params (one item or `{news: [...]}`); callers may pass `body`.
				async handler(ctx: Context<Record<string, unknown>>): Promise<{ accepted: number; buffered: boolean }> {
					const checked = checkNewsBatch("body" in ctx.params ? ctx.params.body : ctx.params, deps.now());
					if (isFieldErrors(checked)) {
						this.broker.metrics.increment("rookery.ingest.rejected", { reason: "news" });
						throw new ValidationError(`${checked[0].field}: ${checked[0].message}`, checked);
					}
					this.emitItems(checked, { vendor: "push", worker_id: null, retry_count: 0, fallback: false });
					// Answer once stored; while the store is down the items wait in the bounded buffer.
					const stored = await Promise.race([this.pipeline.idle().then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), 2000).unref())]);
					return { accepted: checked.length, buffered: !stored };
				},
			},

			/** The newest StreamMessages of a data type and symbol, oldest first. */
			messages: {
				params: { dataType: { type: "enum", values: [...DATA_TYPES] }, symbol: symbolRule(), limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				async handler(ctx: Context<{ dataType: DataType; symbol: string; limit?: number }>): Promise<StreamMessage[]> {
					const { dataType, symbol } = ctx.params;
					const rows = await deps.kv.streamTail<StreamMessage>(messageKeys.stream(dataType, symbol), ctx.params.limit ?? 50);
					return rows.map(r => r.value);
				},
			},

			/** Recent news of a symbol (`GET /api/v1/news/{symbol}`). */
			newsOf: {
				params: { symbol: symbolRule(), limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				handler(ctx: Context<{ symbol: string; limit?: number }>): Promise<StreamMessage[]> {
					return ctx.call("ingest.messages", { dataType: "news", symbol: ctx.params.symbol, limit: ctx.params.limit });
				},
			},

			/** The latest StreamMessage of a data type and symbol (TTL), or 404. */
			latestMessage: {
				params: { dataType: { type: "enum", values: [...DATA_TYPES] }, symbol: symbolRule() },
				async handler(ctx: Context<{ dataType: DataType; symbol: string }>): Promise<StreamMessage> {
					const m = await deps.kv.get<StreamMessage>(messageKeys.latest(ctx.params.dataType, ctx.params.symbol));
					if (!m) throw new NotFoundError(`no recent ${ctx.params.dataType} for ${ctx.params.symbol}`);
					return m;
				},
			},

			/** This node's workers (config.service merges every node's). */
			workerStatus: {
				visibility: "public",
				handler(): Array<WorkerStatus & { node: string; pipeline: unknown; streams: unknown }> {
					const streams = [...this.pushes.values()].map(p => ({ vendor: p.vendor.name, leased: p.leased, ...p.state }));
					return [...this.workers.values()].map(wk => ({ ...wk.status(), node: this.broker.nodeID, pipeline: { ...this.pipeline.stats }, streams }));
				},
			},

			/** This node's newest run records, per data type or all. */
			workerTelemetry: {
				visibility: "public",
				params: { data_type: { type: "string", optional: true }, limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				handler(ctx: Context<{ data_type?: string; limit?: number }>): Array<RunRecord & { node: string }> {
					const limit = ctx.params.limit ?? 100;
					const workers = ctx.params.data_type ? [this.workers.get(ctx.params.data_type as DataType)].filter(x => x !== undefined) : [...this.workers.values()];
					return workers.flatMap(wk => wk.telemetry.newest(limit).map(r => ({ ...r, node: this.broker.nodeID })));
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

		events: {
			/** Broadcast by config.service on every change: instruments, cadences, worker start/stop. */
			"config.changed"() {
				void this.applyConfig().catch(err => this.logger.warn({ err: (err as Error).message }, "config reload failed; keeping the current settings"));
			},
		},

		methods: {
			/** 422 (nothing written) when the batch names more never-written symbols than the tier allows. */
			async checkNewSymbols(ticks: Tick[], tier: TierName) {
				const cap = config.auth.tiers[tier].maxNewSymbols;
				const distinct = [...new Set(ticks.map(t => t.symbol))];
				if (distinct.length <= cap) return;
				const known = await deps.store.knownSymbols(distinct);
				const fresh = distinct.filter(s => !known.has(s));
				if (fresh.length <= cap) return;
				this.broker.metrics.increment("rookery.ingest.rejected", { reason: "new_symbols" });
				const message = `a ${tier}-tier request may add at most ${cap} new symbols; this one adds ${fresh.length} (${fresh.slice(0, 3).join(", ")}, …): send them in smaller batches`;
				throw new ValidationError(message, [{ field: "ticks", message, type: "newSymbolsMax", actual: fresh.length }]);
			},

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
				const calls: Array<Promise<IngestResult>> = [];
				let turn = performance.now();
				for (let i = 0; i < groups.length; i++) {
					if ((i & 15) === 0 && performance.now() - turn > DISPATCH_BUDGET_MS) {
						await nextTurn();
						turn = performance.now();
					}
					const c = call(groups[i][0], groups[i][1].ticks);
					c.catch(() => {}); // settled below; one refused while later ones are dispatched is not unhandled
					calls.push(c);
				}
				const settled = await Promise.allSettled(calls);
				const done = settled.filter(s => s.status === "fulfilled").map(s => (s as PromiseFulfilledResult<IngestResult>).value);
				const failed = settled.flatMap((s, i): FailedSymbol[] => {
					if (s.status === "fulfilled") return [];
					const err = s.reason as Error & { type?: unknown };
					return [{ symbol: groups[i][0], ticks: groups[i][1].ticks.length, code: typeof err.type === "string" ? err.type : ErrorCode.UNAVAILABLE, reason: err.message }];
				});
				const accepted = done.reduce((n, r) => n + r.accepted, 0);
				this.broker.metrics.increment("rookery.ingest.accepted", {}, accepted);
				if (failed.length > 0) {
					this.broker.metrics.increment("rookery.ingest.failed_symbols", {}, failed.length);
					const first = (settled.find(s => s.status === "rejected") as PromiseRejectedResult).reason as Error;
					if (groups.length === 1 && first.name !== "ServiceNotFoundError") throw first;
					// Part (or all) of the batch is not durable: say exactly which symbols were written
					// and which were not, so a client resends those (vendor ids make resending all safe too).
					const busy = failed.every(f => f.code === ErrorCode.BUSY);
					const message = `${failed.length} of ${bySymbol.size} symbols could not be written (${accepted} ticks were): ${failed[0].reason}`;
					throw busy ? new BusyError(message, { accepted: done, failed }) : new UnavailableError(message, { accepted: done, failed });
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

			emitItems(items: VendorItem[], meta: { vendor: string; worker_id: string | null; retry_count: number; fallback: boolean }) {
				const out: Outgoing[] = [];
				const now = deps.now();
				for (const item of items) {
					let tick: Tick | undefined;
					if (item.tick) {
						const t = checkTick(item.tick, checkOpts);
						if (isFieldErrors(t)) {
							this.reject(meta.vendor, `${t[0].field}: ${t[0].message}`, item.tick);
							continue;
						}
						tick = t;
					}
					if (item.data_type === "market_data") {
						const d = item.data as { price?: number; close?: number; bid?: number; ask?: number };
						const price = d.price ?? d.close ?? (typeof d.bid === "number" && typeof d.ask === "number" ? (d.bid + d.ask) / 2 : null);
						item.data = { ...item.data, ...this.volatility.update(item.symbol, item.update_type === "quote" ? null : price, d.bid, d.ask) };
					}
					out.push({ msg: toStreamMessage(item, meta.vendor, { ...meta, node: this.broker.nodeID, now }), tick });
				}
				if (out.length > 0) this.pipeline.push(out);
			},

			async writeBatch(batch: Pending<Outgoing>[]) {
				// Each stage marks what it finished, so a retry after a failure repeats none of it.
				// 1. Trades into the symbol actors; symbols written before a partial failure are done.
				const ticks = batch.filter(p => p.msg.tick && !p.done.has("ingested"));
				if (ticks.length > 0) {
					try {
						await this.submit(ticks.map(p => p.msg.tick!));
						for (const p of ticks) p.done.add("ingested");
					} catch (err) {
						const failed = (err as { data?: { failed?: Array<{ symbol: string }> } }).data?.failed;
						if (failed) {
							const notWritten = new Set(failed.map(f => f.symbol));
							for (const p of ticks) if (!notWritten.has(p.msg.tick!.symbol)) p.done.add("ingested");
						}
						throw err;
					}
				}
				// 2. The capped stream per (type, symbol).
				const results = await Promise.allSettled(
					batch.map(async p => {
						if (p.done.has("stored")) return;
						const m = p.msg.msg;
						await deps.kv.streamAppend(messageKeys.stream(m.data_type, m.symbol), m, w.streamMaxLen);
						p.done.add("stored");
					}),
				);
				const stored = batch.filter(p => p.done.has("stored") && !p.done.has("published"));
				this.broker.metrics.increment("rookery.ingest.messages", {}, stored.filter(p => !p.done.has("latest")).length);
				// 3. Latest with TTL (the newest of the batch per key), 4. publish, each once.
				const latest = new Map<string, StreamMessage>();
				for (const p of stored) if (!p.done.has("latest")) latest.set(messageKeys.latest(p.msg.msg.data_type, p.msg.msg.symbol), p.msg.msg);
				await Promise.all([...latest].map(([k, m]) => deps.kv.set(k, m, w.latestTtlMs)));
				for (const p of stored) {
					p.done.add("latest");
					const m = p.msg.msg;
					// market_data quotes/bars (with volatility fields) go beside the actors' rookery.ticks.{SYM}.
					deps.bus.publish(subjects.dataType(m.data_type, m.symbol), m);
					p.done.add("published");
				}
				const failed = results.find(r => r.status === "rejected") as PromiseRejectedResult | undefined;
				if (failed) throw failed.reason;
			},

			ingestNodes() {
				return this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).filter(sv => sv.name === "ingest").map(sv => sv.nodeID);
			},

			reject(source: string, reason: string, payload: unknown) {
				this.broker.metrics.increment("rookery.ingest.rejected", { reason: "invalid" });
				deps.bus.publish(subjects.ingestRejected, { v: 1, ts: deps.now(), source, reason, payload: payload as object });
			},

			async applyConfig() {
				for (const wk of this.workers.values()) {
					wk.setCadence(await this.repo.cadence(wk.dataType));
					const enabled = await this.repo.workerEnabled(wk.id);
					if (enabled === true) wk.start();
					else if (enabled === false) await wk.stop();
				}
				await this.syncPushes();
			},

			/** Push vendors in market_data's chain stream on the node holding their lease. */
			async syncPushes() {
				const cadence = await this.repo.cadence("market_data");
				const symbols = await this.repo.symbolsFor("market_data");
				const running = this.workers.get("market_data")?.status().status === "running";
				for (const name of cadence.vendors) {
					const v = this.vendors.get(name);
					if (!(v instanceof PushVendor)) continue;
					let run = this.pushes.get(name);
					if (!run) this.pushes.set(name, (run = { vendor: v, state: { state: "idle" }, leased: false, room: null }));
					const ttl = 15_000;
					const key = `ingest:lease:push:${name}`;
					const want = running && cadence.enabled && symbols.length > 0;
					const leased = want && (await (run.leased ? deps.kv.renewLease(key, this.broker.nodeID, ttl) : deps.kv.acquireLease(key, this.broker.nodeID, ttl)).catch(() => run.leased));
					if (leased && !run.leased) {
						const r = run;
						v.start(symbols, {
							items: items => {
								this.emitItems(items, { vendor: name, worker_id: null, retry_count: 0, fallback: false });
								// A producer that can wait (replay) waits while the buffer is over half full, so a fast
								// replay is not cut by drop-oldest. One shared wait per stream (a live stream does not
								// wait, so no waits pile up); each step is bounded so stop() is not held.
								if (this.pipeline.stats.queued <= w.bufferLimit / 2) return;
								r.room ??= (async () => {
									while (r.leased && this.pipeline.stats.queued > w.bufferLimit / 2) {
										await Promise.race([this.pipeline.idle(), new Promise(res => setTimeout(res, w.bufferRetryMs))]);
									}
								})().finally(() => (r.room = null));
								return r.room;
							},
							state: st => (r.state = st),
						});
					} else if (!leased && run.leased) {
						await v.stop();
						if (!want) await deps.kv.releaseLease(key, this.broker.nodeID).catch(() => {});
					}
					run.leased = leased;
				}
			},

			async startFeed() {
				const { ticksPerSecond, seed } = config.feed;
				const gen = new SyntheticFeed(config.symbols, { seed, ticksPerSecond });
				// Timers below ~10 ms are not reliable; at higher rates each fire steps several times.
				const intervalMs = Math.max(10, 1000 / ticksPerSecond);
				const stepsPerFire = Math.max(1, Math.round((ticksPerSecond * intervalMs) / 1000));
				const now = deps.now();
				this.feed = {
					timer: null,
					inFlight: null,
					status: { name: "synthetic", type: "synthetic", symbols: config.symbols.length, ticksPerSecond, produced: 0, accepted: 0, errors: 0, skipped: 0, lastTickAt: null, history: null, status: { state: "running", since: now } },
				};
				// The history goes first: a live tick would move the symbols' watermark past it.
				const history = this.writeHistory();
				this.feed.inFlight = history;
				await history.finally(() => this.feed && (this.feed.inFlight = null));
				if (this.feed.status.status.state === "stopped") return;
				this.feed.timer = setInterval(() => this.feedTick(gen, stepsPerFire), intervalMs);
			},

			/**
			 * Warm start: `historyMinutes` of past synthetic ticks for every symbol whose log is empty,
			 * through the same ingest path as live ticks (durable, numbered, replayable), so bars,
			 * indicators and agents have data from the first second. A symbol with a log keeps it.
			 */
			async writeHistory() {
				const { historyMinutes, historyStepMs, seed } = config.feed;
				if (historyMinutes <= 0) return;
				const t0 = Date.now();
				try {
					await this.broker.waitForServices(["symbols"], 30_000, 50);
					const seqs = await Promise.all(config.symbols.map(s => deps.store.lastSeq(s)));
					const empty = config.symbols.filter((_, i) => seqs[i] === 0);
					const ticks = syntheticHistory(empty, { seed, endTs: deps.now(), spanMs: historyMinutes * 60_000, stepMs: historyStepMs });
					// In small slices with a macrotask between them: the memory store answers in microtasks,
					// so one big batch would hold the event loop (lease renewals, HTTP) for seconds.
					const slice = 250 * Math.max(1, empty.length);
					for (let i = 0; i < ticks.length && this.feed?.status.status.state !== "stopped"; i += slice) {
						await this.submit(ticks.slice(i, i + slice));
						await new Promise(r => setImmediate(r));
					}
					const ms = Date.now() - t0;
					if (this.feed) this.feed.status.history = { symbols: empty.length, ticks: ticks.length, ms };
					if (ticks.length > 0) this.logger.info({ symbols: empty.length, ticks: ticks.length, ms }, "warm start: past synthetic ticks written");
				} catch (err) {
					this.logger.warn({ err: (err as Error).message }, "warm start skipped: history not written; the feed goes live without it");
				}
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
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.accepted", description: "Ticks written to a symbol log" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.failed_symbols", description: "Symbols of a batch not written (listed in the 503 answer's details.failed)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.rejected", labelNames: ["reason"], description: "Invalid tick fields refused" });
			this.broker.metrics.register({ type: "counter", name: "rookery.feed.skipped", labelNames: ["feed"], description: "Feed batches skipped while the previous one was in flight" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.messages", description: "Vendor/pushed messages stored as StreamMessages" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.buffer_dropped", description: "Messages dropped from the full degradation buffer (policy drop-oldest)" });
			this.broker.metrics.register({ type: "gauge", name: "rookery.ingest.buffer_size", description: "Messages waiting in the degradation buffer" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.worker_runs", labelNames: ["data_type"], description: "Data worker runs" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ingest.worker_errors", labelNames: ["data_type"], description: "Symbols a worker run could not fetch from any vendor" });
			this.inFlight = new Set();
			this.vendors = new Map(Object.entries(config.vendors).map(([name, spec]) => [name, createVendor(name, spec, { seed: config.feed.seed, now: deps.now })]));
			this.breakers = new Map();
			this.pushes = new Map();
			this.pushTimer = null;
			this.unsubscribe = [];
			this.volatility = new QuoteVolatility({ window: w.volatilityWindow, refitEvery: w.garchRefitEvery });
			this.claims = new InstrumentClaims({ kv: deps.kv, nodeId: this.broker.nodeID, nodes: () => this.ingestNodes(), now: deps.now });
			this.repo = new IngestConfigRepo(deps.kv, { symbols: config.symbols, cadences: Object.fromEntries(DATA_TYPES.map(dt => [dt, defaultCadence(dt)])) as Record<DataType, Cadence> });
			this.pipeline = new MessagePipeline<Outgoing>({
				limit: w.bufferLimit,
				batch: 500,
				retryMs: w.bufferRetryMs,
				timers,
				write: batch => this.writeBatch(batch),
				onDrop: n => {
					this.broker.metrics.increment("rookery.ingest.buffer_dropped", {}, n);
					this.broker.metrics.set("rookery.ingest.buffer_size", this.pipeline.stats.queued);
				},
				onState: (degraded, err) => {
					this.broker.metrics.set("rookery.ingest.buffer_size", this.pipeline.stats.queued);
					if (degraded) this.logger.warn({ err: err?.message }, "store unavailable: buffering vendor messages");
					else this.logger.info("store back: buffered vendor messages written");
				},
			});
			const breaker = (name: string) => {
				let b = this.breakers.get(name);
				if (!b) this.breakers.set(name, (b = new CircuitBreaker(name, { ...w.breaker, now: deps.now })));
				return b;
			};
			this.workers = new Map(
				DATA_TYPES.map(dt => [
					dt,
					new DataWorker(dt, defaultCadence(dt), {
						timers,
						retry: { initialMs: w.retryInitialMs, maxMs: w.retryMaxMs, jitter: w.jitter, timeoutMs: w.timeoutMs, concurrency: w.concurrency },
						telemetryLimit: w.telemetryLimit,
						vendor: name => {
							const v = this.vendors.get(name);
							return v instanceof PollVendor ? v : undefined;
						},
						breaker,
						instruments: d => this.repo.symbolsFor(d),
						claim: (d, sym, times) => this.claims.claim(d, sym, times),
						emit: b => this.emitItems(b.items, { vendor: b.vendor, worker_id: workerId(dt), retry_count: b.retry_count, fallback: b.fallback }),
						onRun: r => {
							this.broker.metrics.increment("rookery.ingest.worker_runs", { data_type: r.data_type });
							if (r.errors.length > 0) this.broker.metrics.increment("rookery.ingest.worker_errors", { data_type: r.data_type }, r.errors.length);
							this.broker.metrics.set("rookery.ingest.buffer_size", this.pipeline.stats.queued);
						},
					}),
				]),
			);
		},

		async started() {
			// Awaited: the history must be in before the workers below write a trade at the current time,
			// which would make every past tick late.
			if (config.feed.type === "synthetic" && config.symbols.length > 0) await this.startFeed();
			this.unsubscribe.push(
				deps.bus.subscribe(
					subjects.ingestTicks,
					msg => {
						const checked = checkTickBatch(msg, checkOpts);
						if (isFieldErrors(checked)) return this.reject("nats", checked.slice(0, 5).map(e => `${e.field}: ${e.message}`).join("; "), msg);
						void this.submit(checked).catch(err => this.reject("nats", `not written: ${(err as Error).message}`, msg));
					},
					{ queue: "rookery-ingest" },
				),
			);
			// Settings from the KV (an operator's cadences and stops survive restarts); defaults while it is down.
			await this.applyConfig().catch(err => this.logger.warn({ err: (err as Error).message }, "ingest config not readable yet; using defaults"));
			for (const wk of this.workers.values()) {
				const enabled = await this.repo.workerEnabled(wk.id).catch(() => null);
				if (enabled ?? w.autoStart ?? config.feed.type === "synthetic") wk.start();
			}
			await this.syncPushes().catch(() => {});
			this.pushTimer = setInterval(() => void this.syncPushes().catch(() => {}), 5000);
		},

		async stopped() {
			for (const u of this.unsubscribe) u();
			if (this.pushTimer) clearInterval(this.pushTimer);
			await Promise.all([...this.workers.values()].map(wk => wk.stop()));
			for (const [name, run] of this.pushes) {
				await run.vendor.stop();
				if (run.leased) await deps.kv.releaseLease(`ingest:lease:push:${name}`, this.broker.nodeID).catch(() => {});
			}
			// Leases of polled instruments lapse by TTL; written messages are flushed if the store is up.
			await Promise.race([this.pipeline.idle(), new Promise(r => setTimeout(r, 2000))]);
			this.pipeline.close();
			if (this.feed?.timer) clearInterval(this.feed.timer);
			if (this.feed) this.feed.status.status = { state: "stopped", since: deps.now() };
			// Drain: an ingest already accepted by the gateway finishes before the node goes away.
			await Promise.allSettled([...this.inFlight, this.feed?.inFlight]);
		},
	};
}
