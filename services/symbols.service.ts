/**
 * Symbol actors. Every action keyed by a symbol runs on its owner, chosen by rendezvous hashing on
 * `symbol` (the OwnerForward middleware, or the Rendezvous strategy on nodes without `symbols`),
 * so whichever node calls, one node owns a symbol's state.
 */
import type { Context, ServiceSchema } from "moleculer";
import { SymbolActor, type IngestResult } from "../lib/symbols/symbol-actor.ts";
import { ActivationGate } from "../lib/symbols/activation-gate.ts";
import { WIRE_VERSION, type TickMessage, type Topic } from "../lib/protocol/wire.ts";
import { TIMEFRAMES, type Timeframe } from "../lib/bars/timeframes.ts";
import { analysisFor } from "../lib/config/config.ts";
import { rendezvousOwner } from "../lib/routing/rendezvous.ts";
import { RENDEZVOUS } from "../middlewares/rendezvous.strategy.ts";
import { parseLeaseToken } from "../lib/store/store.ts";
import { FencedError, NotFoundError, StoreUnavailableError, UnavailableError, ValidationError } from "../lib/protocol/errors.ts";
import { symbolRule, type Tick } from "../lib/protocol/tick.ts";
import { PAGE_PARAMS, pageOf, type PageRequest } from "../lib/protocol/page.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { strategyPerformance } from "../lib/strategies/performance.ts";
import { registerSymbolMetrics } from "../runtime/symbols-metrics.ts";

const notKept = (actor: SymbolActor, tf: string) =>
	new NotFoundError(`${actor.symbol} keeps no ${tf} bars (its timeframes: ${actor.analysis.timeframes.join(", ")})`, { symbol: actor.symbol, tf });

// Routed to the symbol's owner by rendezvous hashing over the nodes running `symbols`.
const sharded = { strategy: RENDEZVOUS, strategyOptions: { key: "symbol" } };
const symbolParam = symbolRule();

export interface ActorSummary {
	symbol: string;
	node: string;
	/** The lease epoch this node holds the symbol under (null: lease lost, being dropped). */
	epoch: number | null;
	seq: number;
	price: number | null;
	ts: number | null;
	lastActivity: number;
	pending: number;
}

interface Vars {
	actors: Map<string, Promise<SymbolActor>>;
	gate: ActivationGate;
	sweep: NodeJS.Timeout | null;
	renewal: NodeJS.Timeout | null;
	/** The nodes running `symbols` when ownership was last settled, sorted and joined. */
	members: string;
}
interface Methods {
	actor(symbol: string, deadline?: number): Promise<SymbolActor>;
	callDeadline(ctx: Context): number;
	existingActor(symbol: string): Promise<SymbolActor | null>;
	knownActor(symbol: string): Promise<SymbolActor>;
	storeCall<T>(fn: () => Promise<T>): Promise<T>;
	symbolNodes(): string[];
	passivate(reason: string, which: (symbol: string) => boolean): Promise<number>;
	handOffMoved(nodes: string[]): Promise<number>;
	dropActor(symbol: string, actor: SymbolActor): void;
	renewLeases(): Promise<void>;
}

export default function symbolsService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { store, bus, config } = deps;
	return {
		name: "symbols",

		actions: {
			/** Accept a batch of already-validated ticks for one symbol (called by ingest). */
			ingest: {
				...sharded,
				visibility: "public",
				params: { symbol: symbolParam, ticks: { type: "array", min: 1, items: "object" } },
				async handler(ctx: Context<{ symbol: string; ticks: Tick[] }>): Promise<IngestResult> {
					// Past the deadline, a waiting activation or a queued batch is not started: the caller gave up.
					const deadline = this.callDeadline(ctx);
					const actor = await this.actor(ctx.params.symbol, deadline);
					return this.storeCall(() => actor.ingest(ctx.params.ticks, deadline)).then(r => {
						// Per node, the load a symbols pod autoscales on (k8s/base/hpa.yaml).
						this.broker.metrics.increment("rookery.symbols.ticks", {}, r.accepted);
						return r;
					}, err => {
						// The lease is gone (another node owns the symbol now): stop serving it here.
						if (err instanceof UnavailableError && (err as { data?: { fenced?: boolean } }).data?.fenced) this.dropActor(ctx.params.symbol, actor);
						throw err;
					});
				},
			},

			latest: {
				...sharded,
				params: { symbol: symbolParam },
				async handler(ctx: Context<{ symbol: string }>): Promise<TickMessage> {
					// The store's copy carries the TTL, so embedded and cluster mode expire it alike.
					const latest = await this.storeCall(() => store.getLatest<TickMessage>(ctx.params.symbol));
					if (!latest) throw new NotFoundError(`no live quote for ${ctx.params.symbol}`, { symbol: ctx.params.symbol });
					return latest;
				},
			},

			history: {
				params: {
					symbol: symbolParam,
					from_seq: { type: "number", integer: true, min: 0, convert: true, optional: true },
					limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true },
				},
				async handler(ctx: Context<{ symbol: string; from_seq?: number; limit?: number }>) {
					const { symbol, from_seq = 1, limit = 100 } = ctx.params;
					const entries = await this.storeCall(() => store.range(symbol, from_seq, limit + 1));
					const items = entries.slice(0, limit).map(e => ({ seq: e.seq, ...(e.data as Tick) }));
					if (items.length === 0 && (await this.storeCall(() => store.lastSeq(symbol))) === 0) {
						throw new NotFoundError(`unknown symbol ${symbol}`, { symbol });
					}
					return { symbol, items, next_from_seq: entries.length > limit ? entries[limit].seq : null };
				},
			},

			bars: {
				...sharded,
				params: {
					symbol: symbolParam,
					tf: { type: "enum", values: [...TIMEFRAMES], optional: true },
					limit: { type: "number", integer: true, min: 1, max: 5000, convert: true, optional: true },
				},
				async handler(ctx: Context<{ symbol: string; tf?: Timeframe; limit?: number }>) {
					const actor = await this.knownActor(ctx.params.symbol);
					const tf = ctx.params.tf ?? "1m";
					const bars = actor.analysis.bars(tf, ctx.params.limit ?? 100);
					if (!bars) throw notKept(actor, tf);
					return { symbol: actor.symbol, tf, seq: actor.seq, bars };
				},
			},

			/** Final values (after the last closed bar) and provisional ones (if the forming bar closed now). */
			indicators: {
				...sharded,
				params: { symbol: symbolParam, tf: { type: "enum", values: [...TIMEFRAMES], optional: true } },
				async handler(ctx: Context<{ symbol: string; tf?: Timeframe }>) {
					const actor = await this.knownActor(ctx.params.symbol);
					const tf = ctx.params.tf ?? "1m";
					const ind = actor.analysis.indicators(tf);
					if (!ind) throw notKept(actor, tf);
					return { symbol: actor.symbol, seq: actor.seq, ...ind };
				},
			},

			signals: {
				...sharded,
				params: {
					symbol: symbolParam,
					tf: { type: "enum", values: [...TIMEFRAMES], optional: true },
					limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true },
				},
				async handler(ctx: Context<{ symbol: string; tf?: Timeframe; limit?: number }>) {
					const actor = await this.knownActor(ctx.params.symbol);
					return { symbol: actor.symbol, seq: actor.seq, signals: actor.analysis.signals(ctx.params.limit ?? 50, ctx.params.tf) };
				},
			},

			/**
			 * Walk-forward performance of a strategy on the symbol's closed bars (lib/strategies/performance.ts),
			 * through the answer cache: the symbol's current seq, read here on the owner, is part of the key
			 * of performanceAt, so a new tick makes a new key and no answer older than the data is served.
			 */
			strategyPerformance: {
				...sharded,
				params: {
					name: { type: "string", trim: true, lowercase: true, pattern: /^[a-z][a-z0-9-]{0,31}(:[0-9.]+){0,8}$/ },
					symbol: symbolParam,
					tf: { type: "enum", values: [...TIMEFRAMES], optional: true },
					horizons: { type: "string", optional: true, pattern: /^[1-9][0-9]{0,3}(,[1-9][0-9]{0,3}){0,9}$/ },
				},
				async handler(ctx: Context<{ name: string; symbol: string; tf?: Timeframe; horizons?: string }>) {
					const actor = await this.knownActor(ctx.params.symbol);
					return this.actions.performanceAt({ ...ctx.params, symbol: actor.symbol, tf: ctx.params.tf ?? "1m", seq: actor.seq }, { parentCtx: ctx });
				},
			},

			/** strategyPerformance's computation, cached per (symbol, seq, strategy, tf, horizons) for the `aggregations` TTL. */
			performanceAt: {
				visibility: "protected",
				cache: { keys: ["symbol", "seq", "name", "tf", "horizons"], ttl: config.cache.ttlSeconds.aggregations },
				async handler(ctx: Context<{ name: string; symbol: string; tf: Timeframe; horizons?: string; seq: number }>) {
					const actor = await this.knownActor(ctx.params.symbol);
					const { tf } = ctx.params;
					const bars = actor.analysis.closedBars(tf, 100_000);
					if (!bars) throw notKept(actor, tf);
					const horizons = ctx.params.horizons?.split(",").map(Number);
					try {
						return { symbol: actor.symbol, tf, seq: actor.seq, ...strategyPerformance(bars, ctx.params.name, { horizons }) };
					} catch (err) {
						if (!(err instanceof RangeError)) throw err;
						throw new ValidationError(err.message, [{ field: "name", message: err.message, actual: ctx.params.name }]);
					}
				},
			},

			/**
			 * What a new WebSocket subscriber gets first, and the seq from which live updates follow it.
			 * Read on the owner between two actor turns, so every update after `seq` is published later.
			 */
			topicSnapshot: {
				...sharded,
				visibility: "public",
				params: { symbol: symbolParam, kind: { type: "enum", values: ["ticks", "bars", "indicators", "signals"] }, tf: { type: "enum", values: [...TIMEFRAMES], optional: true } },
				async handler(ctx: Context<{ symbol: string; kind: Topic["kind"]; tf?: Timeframe }>): Promise<{ seq: number; data: unknown } | null> {
					const actor = await this.existingActor(ctx.params.symbol);
					if (!actor) return null;
					const { kind, tf } = ctx.params;
					const a = actor.analysis;
					if (kind === "ticks") return actor.latest ? { seq: actor.seq, data: actor.latest } : null;
					if (kind === "bars") {
						const bar = tf ? a.bars(tf, 1)?.[0] : undefined;
						return bar ? { seq: actor.seq, data: { v: WIRE_VERSION, seq: actor.seq, symbol: actor.symbol, tf, final: false, bar } } : null;
					}
					if (kind === "indicators") return { seq: actor.seq, data: { symbol: actor.symbol, timeframes: a.timeframes.map(t => a.indicators(t)) } };
					return { seq: actor.seq, data: { symbol: actor.symbol, signals: a.signals(50) } };
				},
			},

			/** Symbols with data, by name, a page at a time (lib/protocol/page.ts), with their owner where an actor is active. */
			list: {
				params: { ...PAGE_PARAMS },
				async handler(ctx: Context<PageRequest>) {
					const names = (await this.storeCall(() => store.listSymbols())).sort();
					const page = pageOf(names, ctx.params);
					if (page.items.length === 0) return page;
					const per = await Promise.all(
						this.symbolNodes().map(nodeID => ctx.call<ActorSummary[], Record<string, never>>("symbols.actors", {}, { nodeID }).catch(() => [] as ActorSummary[])),
					);
					const active = new Map(per.flat().map(a => [a.symbol, a]));
					return { ...page, items: page.items.map(symbol => active.get(symbol) ?? { symbol, node: null, seq: null, price: null, ts: null }) };
				},
			},

			/** Snapshot, drop and release one symbol's actor on its owner (REPL `passivate <SYM>`). */
			passivate: {
				...sharded,
				params: { symbol: symbolParam },
				async handler(ctx: Context<{ symbol: string }>) {
					const n = await this.passivate("operator", s => s === ctx.params.symbol);
					return { symbol: ctx.params.symbol, node: this.broker.nodeID, passivated: n > 0 };
				},
			},

			/**
			 * Hand off every local actor this node no longer owns by the current `symbols` nodes
			 * (REPL `rebalance`; it also happens by itself when the nodes change).
			 */
			rebalance: {
				visibility: "public",
				async handler() {
					const moved = await this.handOffMoved(this.symbolNodes());
					return { node: this.broker.nodeID, moved, active: this.actors.size };
				},
			},

			/** The actors active on this node (the REPL `symbols` command and `list` gather these). */
			actors: {
				visibility: "public",
				async handler(): Promise<ActorSummary[]> {
					const out: ActorSummary[] = [];
					for (const p of this.actors.values()) {
						const a = await p.catch(() => null);
						if (!a) continue;
						out.push({ symbol: a.symbol, node: this.broker.nodeID, epoch: a.lease ? parseLeaseToken(a.lease).epoch : null, seq: a.seq, price: a.latest?.price ?? null, ts: a.latest?.ts ?? null, lastActivity: a.lastActivity, pending: a.mailbox.pending });
					}
					return out.sort((x, y) => x.symbol.localeCompare(y.symbol));
				},
			},
		},

		events: {
			// Ownership follows the nodes running `symbols`; when they change, the symbols that now
			// belong to another node are snapshotted and dropped here (handoff), and only those: the
			// new owner rebuilds each from the store on its next call.
			"$services.changed"() {
				const nodes = this.symbolNodes();
				const members = nodes.join(",");
				if (members === this.members) return;
				this.members = members;
				void this.handOffMoved(nodes);
			},
		},

		methods: {
			/** Leave the caller time to hear the answer (epoch ms). */
			callDeadline(ctx: Context): number {
				return deps.now() + (ctx.options.timeout || this.broker.options.requestTimeout || 10_000) - 1000;
			},

			/**
			 * The local actor for a symbol, activated from the store on first use, through the node's
			 * activation gate (bounded, one per event-loop turn; refused with 503 past `deadline`).
			 */
			actor(symbol: string, deadline?: number): Promise<SymbolActor> {
				let p = this.actors.get(symbol);
				if (!p) {
					const activate = () =>
						SymbolActor.activate(symbol, {
							store,
							owner: this.broker.nodeID,
							leaseMs: config.symbolActor.leaseMs,
							leaseWaitMs: config.symbolActor.leaseWaitMs,
							now: deps.now,
							snapshotEvery: config.store.snapshotEvery,
							dedupWindow: config.symbolActor.dedupWindow,
							mailboxLimit: config.symbolActor.mailboxLimit,
							analysis: analysisFor(config, symbol),
							publish: (subject, msg) => {
								const sig = msg as { strategy?: string; direction?: string; tf?: string };
								if (sig.strategy !== undefined) this.broker.metrics.increment("rookery.strategy.signals", { strategy: sig.strategy, tf: sig.tf, direction: sig.direction });
								bus.publish(subject, msg);
								// Alert rules on this symbol are checked here, on its owner (lib/alerts/engine.ts).
								deps.alerts.observe(msg);
							},
							replayed: deps.alerts.watchesSymbol(symbol) ? msg => deps.alerts.observe(msg, true) : undefined,
						});
					p = this.gate.run(symbol, deadline ?? deps.now() + (this.broker.options.requestTimeout || 10_000), () => this.storeCall(activate));
					this.actors.set(symbol, p);
					// A failed activation (store down) must not stay cached.
					p.catch(() => this.actors.get(symbol) === p && this.actors.delete(symbol));
				}
				return p;
			},

			/** existingActor(), or 404 for a symbol that has never been written. */
			async knownActor(symbol: string): Promise<SymbolActor> {
				const actor = await this.existingActor(symbol);
				if (!actor) throw new NotFoundError(`unknown symbol ${symbol}`, { symbol });
				return actor;
			},

			/** Like actor(), but does not create state for a symbol that has never been written. */
			async existingActor(symbol: string): Promise<SymbolActor | null> {
				let actor: SymbolActor | null = null;
				if (this.actors.has(symbol)) actor = await this.actor(symbol);
				else if ((await this.storeCall(() => store.lastSeq(symbol))) > 0) actor = await this.actor(symbol);
				// Being read counts as activity: an actor clients watch is not passivated.
				if (actor) actor.lastActivity = deps.now();
				return actor;
			},

			symbolNodes(): string[] {
				return this.broker.registry
					.getServiceList({ onlyAvailable: true, skipInternal: true })
					.filter(s => s.name === "symbols")
					.map(s => s.nodeID as string)
					.sort();
			},

			async passivate(reason: string, which: (symbol: string) => boolean): Promise<number> {
				let n = 0;
				for (const [symbol, p] of [...this.actors]) {
					if (!which(symbol)) continue;
					const a = await p.catch(() => null);
					if (a) {
						await a.mailbox.idle().catch(() => {});
						await a.snapshot().catch(err => this.logger.warn({ symbol, err: (err as Error).message }, "snapshot on passivation failed"));
						// Handoff: the next owner can take the lease at once instead of waiting for it to lapse.
						await a.release().catch(() => {});
					}
					// A call that arrived meanwhile may have re-created the actor: keep that one.
					if (this.actors.get(symbol) === p) {
						this.actors.delete(symbol);
						n++;
					}
				}
				if (n > 0) {
					this.broker.metrics.increment("rookery.symbols.passivated", { reason }, n);
					this.logger.info({ actors: n, reason }, "passivated symbol actors");
				}
				return n;
			},

			/** Passivate the local actors whose symbols `nodes` give to another node. */
			handOffMoved(nodes: string[]): Promise<number> {
				const self = this.broker.nodeID;
				return this.passivate("moved", symbol => rendezvousOwner(symbol, nodes) !== self);
			},

			dropActor(symbol: string, actor: SymbolActor) {
				// Only the entry holding this actor: a call may already have activated a new one.
				const p = this.actors.get(symbol);
				void p?.then(a => {
					if (a === actor && this.actors.get(symbol) === p) this.actors.delete(symbol);
				});
				this.broker.metrics.increment("rookery.symbols.lease_lost", {});
				this.logger.warn({ symbol }, "lease lost: the symbol has another owner; dropped here");
			},

			/**
			 * Renew every local actor's lease; an actor whose lease is gone is dropped without writing.
			 * Started in slices of at most 5 ms per event-loop turn: 10,000 actors take ~50-200 ms to go
			 * through, which the node's other work should not wait behind.
			 */
			async renewLeases() {
				const renew = async (symbol: string, p: Promise<SymbolActor>) => {
					const a = await p.catch(() => null);
					if (!a) return;
					const ok = await a.renew().catch(() => true); // store down: keep trying; writes stay fenced
					if (!ok) this.dropActor(symbol, a);
				};
				const renewals: Array<Promise<void>> = [];
				let turn = performance.now();
				let n = 0;
				for (const [symbol, p] of [...this.actors]) {
					if ((++n & 63) === 0 && performance.now() - turn > 5) {
						await new Promise(resolve => setImmediate(resolve));
						turn = performance.now();
					}
					renewals.push(renew(symbol, p));
				}
				await Promise.all(renewals);
			},

			async storeCall<T>(fn: () => Promise<T>): Promise<T> {
				try {
					return await fn();
				} catch (err) {
					if (err instanceof StoreUnavailableError) throw new UnavailableError("the store is unavailable; retry shortly", { reason: err.message });
					if (err instanceof FencedError) throw new UnavailableError(`${err.symbol} changed owner; retry`, { fenced: true, holder: err.holder });
					throw err;
				}
			},
		},

		created() {
			this.actors = new Map();
			this.gate = new ActivationGate({
				limit: config.symbolActor.maxActivations,
				queueLimit: config.symbolActor.activationQueue,
				now: deps.now,
				onRefused: reason => this.broker.metrics.increment("rookery.symbols.activations_refused", { reason }),
				onChange: (running, queued) => {
					this.broker.metrics.set("rookery.symbols.activations", running, { state: "running" });
					this.broker.metrics.set("rookery.symbols.activations", queued, { state: "queued" });
				},
			});
			this.sweep = null;
			this.renewal = null;
			this.members = "";
			this.broker.metrics.register({ type: "counter", name: "rookery.symbols.lease_lost", description: "Actors dropped because their lease was gone (another node owns the symbol)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.symbols.ticks", description: "Ticks appended by this node's symbol actors" });
			this.broker.metrics.register({ type: "gauge", name: "rookery.symbols.activations", labelNames: ["state"], description: "Symbol actor activations running and waiting for a slot on this node" });
			this.broker.metrics.register({ type: "counter", name: "rookery.symbols.activations_refused", labelNames: ["reason"], description: "Activations refused with 503 BUSY: queue full, or deadline passed while waiting" });
			this.broker.metrics.register({ type: "counter", name: "rookery.symbols.passivated", labelNames: ["reason"], description: "Symbol actors snapshotted and dropped from memory" });
			this.broker.metrics.register({ type: "counter", name: "rookery.strategy.signals", labelNames: ["strategy", "tf", "direction"], description: "Signals the strategies generated on live bars" });
			registerSymbolMetrics(this.broker, () => this.actors.values(), deps.now);
		},

		started() {
			this.members = this.symbolNodes().join(",");
			// Idle actors leave memory (snapshot first); the next call rebuilds them from the store.
			const idleMs = config.symbolActor.passivateAfterMs;
			this.sweep = setInterval(
				() => {
					const cutoff = deps.now() - idleMs;
					const idle = new Set<string>();
					for (const [symbol, p] of this.actors) void p.then(a => a.lastActivity < cutoff && a.mailbox.pending === 0 && idle.add(symbol), () => {});
					// The checks above settle in a microtask; passivate those found idle right after.
					setImmediate(() => void this.passivate("idle", symbol => idle.has(symbol)));
				},
				Math.min(idleMs, 30_000),
			);
			this.sweep.unref();
			// Every tick starts a round of its own: a round waiting on actors still activating must not
			// hold back the renewal of the active ones. Every quarter lease: a renewal may come 3/4 of
			// a lease late (a stalled loop, a slow Redis: up to 1.45 s on a loaded 2-core machine)
			// before the lease is lost.
			this.renewal = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(config.symbolActor.leaseMs / 4)));
			this.renewal.unref();
		},

		async stopped() {
			if (this.sweep) clearInterval(this.sweep);
			if (this.renewal) clearInterval(this.renewal);
			// Drain: let every queued update finish and leave a snapshot, so a restart replays little.
			await this.passivate("stopping", () => true);
		},
	};
}
