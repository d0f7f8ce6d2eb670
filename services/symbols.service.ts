/**
 * Symbol actors: keyed single-owner actors (mixins/keyed-actor.mixin.ts) keyed by `symbol`. Every
 * action keyed by a symbol runs on its owner, chosen by rendezvous hashing over the nodes running
 * `symbols`, so whichever node calls, one node owns a symbol's state. This service supplies the
 * actor (lib/symbols/symbol-actor.ts: lease, snapshot + log replay, mailbox) and its handlers.
 */
import type { Context, ServiceSchema } from "moleculer";
import { SymbolActor } from "../lib/symbols/symbol-actor.ts";
import { actorOptionsFor, type ActorOptions } from "../lib/symbols/actor-options.ts";
import type { TickMessage, Topic } from "../lib/protocol/wire.ts";
import { TIMEFRAMES, type Timeframe } from "../lib/bars/timeframes.ts";
import { keyedActorMixin, routedBy, type KeyedActorMethods, type KeyedActorVars } from "../mixins/keyed-actor.mixin.ts";
import { NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { symbolRule, type Tick } from "../lib/protocol/tick.ts";
import { PAGE_PARAMS, pageOf, type PageRequest } from "../lib/protocol/page.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { strategyPerformance } from "../lib/strategies/performance.ts";
import { registerSignalMetrics, registerSymbolMetrics } from "../runtime/symbols-metrics.ts";
import type { Hops } from "../lib/metrics/stages.ts";
import { symbolIngestMixin } from "../mixins/symbol-ingest.mixin.ts";

const notKept = (actor: SymbolActor, tf: string) => new NotFoundError(`${actor.symbol} keeps no ${tf} bars (its timeframes: ${actor.analysis.timeframes.join(", ")})`, { symbol: actor.symbol, tf });

// Routed to the symbol's owner by rendezvous hashing over the nodes running `symbols`.
const sharded = routedBy("symbol");
const symbolParam = symbolRule();

/** One active actor, as `symbols.actors` lists it (with `symbol`, `node`, `epoch`, `lastActivity`, `pending` from the mixin). */
const describe = (a: SymbolActor) => ({ seq: a.seq, price: a.latest?.price ?? null, ts: a.latest?.ts ?? null });

interface Methods extends KeyedActorMethods<SymbolActor> {
	existingActor(symbol: string): Promise<SymbolActor | null>;
	knownActor(symbol: string): Promise<SymbolActor>;
}

export default function symbolsService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, KeyedActorVars<SymbolActor>> {
	const { store, bus, config } = deps;
	let leasing: ActorOptions["leasing"];
	let signalObserver: ReturnType<typeof registerSignalMetrics>;
	return {
		name: "symbols",
		mixins: [
			symbolIngestMixin(deps) as unknown as Partial<ServiceSchema>,
			keyedActorMixin<SymbolActor>({
				key: "symbol",
				keyRule: symbolParam,
				noun: "symbol",
				limits: config.symbolActor,
				now: deps.now,
				describe,
				activate(symbol) {
					const observe = signalObserver();
					const publish = (subject: string, msg: object, hops?: Hops) => {
						observe(msg);
						bus.publish(subject, msg, hops);
						// Alert rules on this symbol are checked here, on its owner (lib/alerts/engine.ts).
						deps.alerts.observe(msg);
					};
					const replayed = deps.alerts.watchesSymbol(symbol) ? (msg: object) => deps.alerts.observe(msg, true) : undefined;
					const opts = actorOptionsFor(config, symbol, { store, owner: this.broker.nodeID, now: deps.now, publish, replayed, leasing, stages: deps.stages });
					leasing = opts.leasing; // one lease-settings object for every actor of the node
					// The cooldowns of its alert rules survive the rebuild (taken from the alert store).
					return this.storeCall(async () => {
						await deps.alerts.restoreCooldowns(symbol);
						return SymbolActor.activate(symbol, opts);
					});
				},
			}),
		],

		actions: {
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
					return actor ? actor.topicSnapshot(ctx.params.kind, ctx.params.tf) : null;
				},
			},

			/** Symbols with data, by name, a page at a time (lib/protocol/page.ts), with their owner where an actor is active. */
			list: {
				params: { ...PAGE_PARAMS },
				async handler(ctx: Context<PageRequest>) {
					const names = (await this.storeCall(() => store.listSymbols())).sort();
					const page = pageOf(names, ctx.params);
					if (page.items.length === 0) return page;
					const per = await Promise.all(this.ownerNodes().map(nodeID => ctx.call<Array<{ symbol: string }>, Record<string, never>>("symbols.actors", {}, { nodeID }).catch(() => [])));
					const active = new Map(per.flat().map(a => [a.symbol, a]));
					return { ...page, items: page.items.map(symbol => active.get(symbol) ?? { symbol, node: null, seq: null, price: null, ts: null }) };
				},
			},
		},

		methods: {
			/** existingActor(), or 404 for a symbol that has never been written. */
			async knownActor(symbol: string): Promise<SymbolActor> {
				const actor = await this.existingActor(symbol);
				if (!actor) throw new NotFoundError(`unknown symbol ${symbol}`, { symbol });
				return actor;
			},

			/** Like actor(), but does not create state for a symbol that has never been written. */
			async existingActor(symbol: string): Promise<SymbolActor | null> {
				let actor: SymbolActor | null = null;
				if (this.keyed.actors.has(symbol)) actor = await this.actor(symbol);
				else if ((await this.storeCall(() => store.lastSeq(symbol))) > 0) actor = await this.actor(symbol);
				// Being read counts as activity: an actor clients watch is not passivated.
				if (actor) actor.lastActivity = deps.now();
				return actor;
			},
		},

		created() {
			this.broker.metrics.register({ type: "counter", name: "rookery.symbols.ticks", description: "Ticks appended by this node's symbol actors" });
			signalObserver = registerSignalMetrics(this.broker);
			registerSymbolMetrics(this.broker, () => this.keyed.actors.values(), deps.now);
		},
	};
}
