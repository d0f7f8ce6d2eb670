/**
 * Moleculer cacher with two levels (seed 000): L1 an in-process LRU (entries and bytes bounded),
 * L2 Redis shared by every node. A read tries L1, then L2 (an L2 hit is copied into L1), else the
 * action runs and its answer is written to both. Entries are JSON, gzip-compressed in Redis above
 * `compressAbove` bytes (lib/cache/codec.ts). Redis being away makes L2 a miss, never an error: the
 * cache is a speed-up only. Actions opt in with Moleculer's `cache: { keys, ttl }`, so the REPL's
 * `cache keys` / `cache clear` work on it; per-level counts feed `/api/v1/cache/status` and `/metrics`.
 */
import { Cachers, type ServiceBroker } from "moleculer";
import { LRUCache } from "lru-cache";
import type { Redis, RedisOptions } from "ioredis";
import { createRedisClient } from "../lib/redis/redis-connection.ts";
import { decodeEntry, encodeEntry } from "../lib/cache/codec.ts";
import { registerCacheMetrics } from "./cache-metrics.ts";

export interface TwoLevelCacherOptions {
	/** Redis for L2; null: L1 only (embedded mode without Redis). */
	redisUrl: string | null;
	/** TLS and credentials for that Redis, as the store and KV use (lib/config/tls.ts). */
	redisOptions?: RedisOptions;
	l1MaxEntries: number;
	l1MaxBytes: number;
	/** Compress an entry in L2 when its JSON is longer than this (bytes). */
	compressAbove: number;
	/** Default TTL, seconds, when an action gives none. */
	ttl: number;
	prefix?: string;
}

export interface LevelStats {
	hits: number;
	misses: number;
	sets: number;
	evictions: number;
	errors: number;
}

const level = (): LevelStats => ({ hits: 0, misses: 0, sets: 0, evictions: 0, errors: 0 });

/** A Moleculer glob (`intelligence.**`, `*`) as a RegExp over keys. */
const escapeRe = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
const globRegExp = (glob: string) =>
	new RegExp(
		`^${glob
			.split("**")
			.map(part => part.split("*").map(escapeRe).join("[^.:]*"))
			.join(".*")}$`,
	);

/** The part of Moleculer's Base cacher this class relies on (its typings declare more, abstractly). */
const Base = Cachers.Base as unknown as new (opts: object) => { prefix: string; opts: { ttl: number | null }; broker: ServiceBroker; init(broker: ServiceBroker): void };

export class TwoLevelCacher extends Base {
	readonly l1: LRUCache<string, { data: unknown; bytes: number }>;
	redis: Redis | null = null;
	readonly stats = { l1: level(), l2: level(), compressed: 0, bytesWritten: 0 };

	constructor(readonly options: TwoLevelCacherOptions) {
		super({ ttl: options.ttl, prefix: options.prefix });
		this.l1 = new LRUCache({
			max: Math.max(1, options.l1MaxEntries),
			maxSize: Math.max(1, options.l1MaxBytes),
			sizeCalculation: e => Math.max(1, e.bytes),
			ttlAutopurge: false,
			dispose: (_v, _k, reason) => {
				if (reason === "evict") this.stats.l1.evictions++;
			},
		});
	}

	override init(broker: ServiceBroker): void {
		super.init(broker);
		registerCacheMetrics(broker, this);
		if (this.options.redisUrl) {
			this.redis = createRedisClient(this.options.redisUrl, { ...this.options.redisOptions, lazyConnect: false, enableOfflineQueue: false });
		}
	}

	async close(): Promise<void> {
		await this.redis?.quit().catch(() => this.redis?.disconnect());
	}

	async get(key: string): Promise<unknown> {
		const hit = this.l1.get(key);
		if (hit) {
			this.stats.l1.hits++;
			return hit.data;
		}
		this.stats.l1.misses++;
		if (!this.redis) return undefined;
		try {
			const buf = await this.redis.getBuffer(this.prefix + key);
			if (!buf) {
				this.stats.l2.misses++;
				return undefined;
			}
			this.stats.l2.hits++;
			const { value: data, jsonBytes } = decodeEntry(buf);
			// What is left of the L2 entry's life goes to the L1 copy.
			const ttlMs = await this.redis.pttl(this.prefix + key).catch(() => -1);
			this.l1.set(key, { data, bytes: jsonBytes }, ttlMs > 0 ? { ttl: ttlMs } : {});
			return data;
		} catch {
			this.stats.l2.errors++;
			return undefined;
		}
	}

	async getWithTTL(key: string): Promise<{ data: unknown; ttl: number | null }> {
		const data = await this.get(key);
		const ms = this.l1.getRemainingTTL(key);
		return { data: data ?? null, ttl: Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : null };
	}

	async set(key: string, data: unknown, ttl?: number | null): Promise<void> {
		const seconds = ttl ?? this.opts.ttl ?? this.options.ttl;
		const e = encodeEntry(data, this.options.compressAbove);
		this.l1.set(key, { data, bytes: e.jsonBytes }, seconds ? { ttl: seconds * 1000 } : {});
		this.stats.l1.sets++;
		if (!this.redis) return;
		if (e.compressed) this.stats.compressed++;
		this.stats.bytesWritten += e.buffer.length;
		try {
			if (seconds) await this.redis.set(this.prefix + key, e.buffer, "EX", seconds);
			else await this.redis.set(this.prefix + key, e.buffer);
			this.stats.l2.sets++;
		} catch {
			this.stats.l2.errors++;
		}
	}

	async del(key: string | string[]): Promise<void> {
		const keys = Array.isArray(key) ? key : [key];
		for (const k of keys) this.l1.delete(k);
		if (this.redis && keys.length) await this.redis.del(...keys.map(k => this.prefix + k)).catch(() => this.stats.l2.errors++);
	}

	/** Drop the entries matching the glob(s) from both levels (L2 by SCAN, not KEYS). */
	async clean(match: string | string[] = "**"): Promise<void> {
		const globs = Array.isArray(match) ? match : [match];
		const res = globs.map(globRegExp);
		for (const k of [...this.l1.keys()]) if (res.some(r => r.test(k))) this.l1.delete(k);
		await this.cleanL2(globs);
	}

	/** Drop L1 only (another node cleared the shared L2 and told this one). */
	cleanL1(match: string | string[] = "**"): void {
		const res = (Array.isArray(match) ? match : [match]).map(globRegExp);
		for (const k of [...this.l1.keys()]) if (res.some(r => r.test(k))) this.l1.delete(k);
	}

	async cleanL2(globs: string[]): Promise<void> {
		const redis = this.redis;
		if (!redis) return;
		for (const g of globs) {
			const pattern = this.prefix + g.replace(/\*\*/g, "*");
			let cursor = "0";
			do {
				const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
				cursor = next;
				if (keys.length) await redis.del(...keys);
			} while (cursor !== "0");
		}
	}

	/** Keys of both levels, for the REPL's `cache keys` (L2 by SCAN, at most 10,000). */
	async getCacheKeys(): Promise<Array<{ key: string; level: "l1" | "l2" | "l1+l2"; expiresAt: number | null }>> {
		const out = new Map<string, { key: string; level: "l1" | "l2" | "l1+l2"; expiresAt: number | null }>();
		for (const k of this.l1.keys()) {
			const ms = this.l1.getRemainingTTL(k);
			out.set(k, { key: k, level: "l1", expiresAt: Number.isFinite(ms) && ms > 0 ? Date.now() + ms : null });
		}
		if (this.redis) {
			let cursor = "0";
			do {
				const [next, keys] = await this.redis.scan(cursor, "MATCH", `${this.prefix}*`, "COUNT", 500).catch(() => ["0", [] as string[]] as [string, string[]]);
				cursor = next;
				for (const full of keys) {
					const k = full.slice(this.prefix.length);
					const e = out.get(k);
					if (e) e.level = "l1+l2";
					else out.set(k, { key: k, level: "l2", expiresAt: null });
				}
			} while (cursor !== "0" && out.size < 10_000);
		}
		return [...out.values()];
	}

	/** `/api/v1/cache/status`: hit ratio per level and overall, sizes, evictions. */
	status() {
		const { l1, l2 } = this.stats;
		const ratio = (h: number, m: number) => (h + m > 0 ? Math.round((h / (h + m)) * 10_000) / 10_000 : 0);
		const lookups = l1.hits + l1.misses;
		return {
			hit_ratio: ratio(l1.hits + l2.hits, lookups - l1.hits - l2.hits),
			lookups,
			l1: { ...l1, hit_ratio: ratio(l1.hits, l1.misses), entries: this.l1.size, bytes: this.l1.calculatedSize, max_entries: this.options.l1MaxEntries, max_bytes: this.options.l1MaxBytes },
			l2: this.redis
				? { ...l2, hit_ratio: ratio(l2.hits, l2.misses), connected: this.redis.status === "ready", compressed_writes: this.stats.compressed, bytes_written: this.stats.bytesWritten, compress_above_bytes: this.options.compressAbove }
				: null,
		};
	}
}
