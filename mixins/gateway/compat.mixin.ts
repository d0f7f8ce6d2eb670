/**
 * The predecessors' streaming REST reads (docs/compat.md), answered by the gateway: channels and a
 * channel's current value (seed 000, through the streaming mixin's snapshots), and seed 001's
 * pairs with their latest tick, volatility fields and history.
 */
import type { Context, ServiceSchema } from "moleculer";
import { NotFoundError, ValidationError } from "../../lib/protocol/errors.ts";
import { parseTopic, toTickMessage, type TickMessage, type Topic } from "../../lib/protocol/wire.ts";
import { symbolRule, type Tick } from "../../lib/protocol/tick.ts";
import type { Snapshot } from "../../lib/streaming/client-session.ts";
import { channelToTopic, topicToChannel } from "../../lib/streaming/compat.ts";
import { volatilityOfPrices } from "../../lib/workers/quote-volatility.ts";
import { messageKeys, type StreamMessage } from "../../lib/workers/stream-message.ts";
import type { RookeryConfig } from "../../lib/config/config.ts";
import type { Store } from "../../lib/store/index.ts";
import type { KvStore } from "../../lib/kv/index.ts";

interface Methods {
	/** The streaming mixin's. */
	snapshotOf(topic: Topic): Promise<Snapshot | null>;
}

export function gatewayCompatMixin(deps: { config: RookeryConfig; store: Store; kv: KvStore }): Partial<ServiceSchema<Record<string, unknown>, Methods>> {
	const { config, store } = deps;
	return {
		actions: {
			/** Predecessor `GET /streaming/channels`: a channel per symbol with data. */
			channels: {
				params: {},
				async handler() {
					const symbols = await store.listSymbols();
					return { channels: symbols.sort().map(s => topicToChannel(`ticks:${s}`)) };
				},
			},

			/** Predecessor `GET /streaming/latest/{channel}`: the channel's current value. */
			channelLatest: {
				params: { channel: { type: "string", min: 1, max: 200 } },
				async handler(ctx: Context<{ channel: string }>) {
					const name = channelToTopic(ctx.params.channel);
					const topic = name ? parseTopic(name) : null;
					if (!topic) throw new ValidationError(`unknown channel '${ctx.params.channel}'`, [{ field: "channel", message: "expected stream:{market_data|news|fundamentals|analytics|insider_data}:{SYMBOL}", actual: ctx.params.channel }]);
					const snap = await this.snapshotOf(topic);
					if (!snap) throw new NotFoundError(`no data on ${ctx.params.channel}`, { channel: ctx.params.channel });
					return snap.data;
				},
			},

			/** Predecessor `GET /api/v1/streaming/pairs`. */
			pairs: {
				params: {},
				async handler() {
					return { pairs: (await store.listSymbols()).sort() };
				},
			},

			/**
			 * Predecessor `GET /api/v1/streaming/{pair}/latest`: the latest tick with seed 001's fields
			 * over the last `workers.volatilityWindow` ticks, and `implied_vol` when the symbol's latest
			 * vendor quote carries one (null otherwise). The GARCH fit is cached by symbol and seq (pairVolatility).
			 */
			pairLatest: {
				params: { symbol: symbolRule() },
				async handler(ctx: Context<{ symbol: string }>) {
					const { symbol } = ctx.params;
					const [latest, quote] = await Promise.all([ctx.call<TickMessage, object>("symbols.latest", { symbol }), deps.kv.get<StreamMessage>(messageKeys.latest("market_data", symbol)).catch(() => null)]);
					const vol = await this.actions.pairVolatility({ symbol, seq: latest.seq, bid: latest.bid ?? null, ask: latest.ask ?? null }, { parentCtx: ctx });
					const iv = quote?.data.implied_vol;
					return { ...latest, ...(vol as object), implied_vol: typeof iv === "number" ? iv : null };
				},
			},

			/**
			 * Seed 001's volatility fields over the `workers.volatilityWindow` ticks up to `seq`: a function of
			 * (symbol, seq) alone, so cached under that key for the `metrics` TTL and never stale after a tick.
			 */
			pairVolatility: {
				visibility: "protected",
				cache: { keys: ["symbol", "seq"], ttl: config.cache.ttlSeconds.metrics },
				async handler(ctx: Context<{ symbol: string; seq: number; bid: number | null; ask: number | null }>) {
					const { symbol, seq, bid, ask } = ctx.params;
					const window = config.workers.volatilityWindow;
					const entries = (await store.range(symbol, Math.max(1, seq - window), window + 1)).filter(e => e.seq <= seq);
					return volatilityOfPrices(
						entries.map(e => (e.data as Tick).price),
						bid,
						ask,
					);
				},
			},

			/** Predecessor `GET /api/v1/streaming/{pair}/history?count=`: the newest `count` ticks, oldest first. */
			pairHistory: {
				params: { symbol: symbolRule(), count: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				async handler(ctx: Context<{ symbol: string; count?: number }>) {
					const entries = await store.tail(ctx.params.symbol, ctx.params.count ?? 100);
					if (entries.length === 0) throw new NotFoundError(`unknown symbol ${ctx.params.symbol}`, { symbol: ctx.params.symbol });
					return { pair: ctx.params.symbol, items: entries.map(e => toTickMessage(e.data as Tick, e.seq)) };
				},
			},
		},
	};
}
