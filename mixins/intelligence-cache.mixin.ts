/**
 * The intelligence service's use of the two-level cache (middlewares/two-level-cacher.ts): the two
 * cached answer actions, the count of the most requested symbols (saved per node in the KV), and
 * warming the cache with them when the node starts.
 */
import type { Context, ServiceSchema } from "moleculer";
import { HotSymbols, hottest } from "../lib/cache/hot-symbols.ts";
import { UNIFIED_DEFAULTS, type UnifiedRequest } from "../lib/intelligence/unified-request.ts";
import type { UnifiedResult } from "../lib/intelligence/unified.ts";
import { errorReason } from "../lib/intelligence/symbol-analysis.ts";
import type { NodeDeps } from "../runtime/deps.ts";

/** Per node: the symbols it was asked for most (KV hash field = node id), read to warm the cache at start. */
const HOT_SYMBOLS_KEY = "rookery:cache:hot-symbols";

type AnswerParams = { key: string; req: UnifiedRequest; requestId: string; started: number };
type Caller = <T>(action: string, params: object, opts?: object) => Promise<T>;
interface Vars {
	hot: HotSymbols;
	hotSave: NodeJS.Timeout | null;
}
/** compute and unified are the intelligence service's own. */
interface Methods {
	compute(ctx: Context<AnswerParams>): Promise<UnifiedResult>;
	unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult>;
	warm(): Promise<void>;
}

export function intelligenceCacheMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, Methods, Vars>> {
	const { cache, intelligence } = deps.config;
	return {
		actions: {
			/**
			 * A unified answer through the cache, keyed by unifiedCacheKey: for real-time requests the
			 * symbols' last seqs are in the key, so a new tick makes a new key (invalidation by sequence
			 * number) and the entry may live the `insights` TTL; answers from stored data live
			 * `intelligence.cacheTtlMs`.
			 */
			answerLive: {
				visibility: "protected",
				cache: { keys: ["key"], ttl: cache.ttlSeconds.insights },
				handler(ctx: Context<AnswerParams>) {
					return this.compute(ctx);
				},
			},
			answerStored: {
				visibility: "protected",
				cache: { keys: ["key"], ttl: Math.max(1, Math.ceil(intelligence.cacheTtlMs / 1000)) },
				handler(ctx: Context<AnswerParams>) {
					return this.compute(ctx);
				},
			},
		},

		methods: {
			/** Fill the cache with default answers for the most requested symbols of every node. */
			async warm(): Promise<void> {
				if (cache.warmSymbols <= 0 || intelligence.cacheTtlMs <= 0) return;
				const lists = Object.values(await deps.kv.hgetall<Array<[string, number]>>(HOT_SYMBOLS_KEY));
				for (const symbol of hottest(lists, cache.warmSymbols)) {
					await this.unified((action, params, opts) => this.broker.call(action, params, opts), { ...UNIFIED_DEFAULTS, symbols: [symbol] }).catch(err => this.logger.debug(`cache warming ${symbol}: ${errorReason(err)}`));
				}
			},
		},

		created() {
			this.hot = new HotSymbols();
			this.hotSave = null;
		},

		started() {
			this.hotSave = setInterval(() => void deps.kv.hset(HOT_SYMBOLS_KEY, this.broker.nodeID, this.hot.top(100)).catch(() => {}), 30_000);
			this.hotSave.unref();
			// In the background: a node answers at once, warmed or not.
			void this.warm().catch(err => this.logger.warn(`cache warming: ${errorReason(err)}`));
		},

		stopped() {
			if (this.hotSave) clearInterval(this.hotSave);
		},
	};
}
