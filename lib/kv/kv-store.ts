/**
 * A small general key-value store beside the symbol Store (lib/store is the symbol log; this is
 * for everything else: config, API keys, agent settings, latest messages, capped message streams
 * and leases). `MemoryKv` (embedded mode) and `RedisKv` (cluster mode) pass one contract suite
 * (test/integration/kv.contract.spec.ts). Values are JSON; keys get the prefix (`rk:` by default).
 */

import type { Leases } from "../keyed/lease.ts";
import type { AppendOptions } from "./json-copy.ts";

export interface KvOptions {
	/** Prepended to every key: `rk:` + `config:instruments` → `rk:config:instruments`. */
	prefix: string;
	now: () => number;
}

/** One entry of a capped stream; `id` is Redis's `<ms>-<n>` id. */
export interface KvStreamEntry<T = unknown> {
	id: string;
	value: T;
}

/** A sorted-set member (a plain string, compared byte-wise on equal scores) and its score. */
export interface KvScored {
	score: number;
	member: string;
}

export const DEFAULT_KV_OPTIONS: KvOptions = { prefix: "rk:", now: Date.now };

export abstract class KvStore {
	readonly opts: KvOptions;

	constructor(opts: Partial<KvOptions> = {}) {
		this.opts = { ...DEFAULT_KV_OPTIONS, ...opts };
	}

	key(key: string): string {
		return this.opts.prefix + key;
	}

	abstract readonly kind: "memory" | "redis";
	abstract connect(): Promise<void>;
	abstract close(): Promise<void>;
	/** Round-trip time in ms; throws UnavailableError when the backend is down (as every call does). */
	abstract ping(): Promise<number>;

	abstract get<T = unknown>(key: string): Promise<T | null>;
	/** Set a value; with `ttlMs` it expires that long after this write. */
	abstract set(key: string, value: unknown, ttlMs?: number): Promise<void>;
	/** True when the key existed. */
	abstract del(key: string): Promise<boolean>;

	abstract hget<T = unknown>(key: string, field: string): Promise<T | null>;
	/** Every field of the hash ({} when the key does not exist). */
	abstract hgetall<T = unknown>(key: string): Promise<Record<string, T>>;
	abstract hset(key: string, field: string, value: unknown): Promise<void>;
	/** Set the field to `value` (a finite number) unless it holds a number ≥ it: a high-water mark that never goes back, atomic. */
	abstract hsetMax(key: string, field: string, value: number): Promise<void>;
	/** True when the field existed. */
	abstract hdel(key: string, field: string): Promise<boolean>;

	/** Append to a capped stream (`XADD key MAXLEN ~ maxLen`): at least the newest maxLen are kept. */
	abstract streamAppend(key: string, value: unknown, maxLen: number): Promise<string>;
	/**
	 * Appends `values` in order in one call, all or none (MULTI in Redis); their ids in order.
	 * `opts.handOver`: the caller never changes the values afterwards (lib/kv/json-copy.ts).
	 */
	abstract streamAppendMany(key: string, values: readonly unknown[], maxLen: number, opts?: AppendOptions): Promise<string[]>;
	/** The newest `count` entries, oldest first. */
	abstract streamTail<T = unknown>(key: string, count: number): Promise<KvStreamEntry<T>[]>;

	/** Add `by` to an integer counter (0 when absent) and return the new value, atomically. */
	abstract incrBy(key: string, by: number): Promise<number>;
	/**
	 * Write the value only when the key does not exist (`SET NX GET`): null when written, else the
	 * value already there (which is kept). With `ttlMs` the written value expires.
	 */
	abstract setIfAbsent<T = unknown>(key: string, value: unknown, ttlMs?: number): Promise<T | null>;

	/** Add members to a sorted set (`ZADD`); a member already there gets the new score. */
	abstract zadd(key: string, entries: readonly KvScored[]): Promise<void>;
	/**
	 * Members with min ≤ score ≤ max in (score, member) order (`ZRANGE BYSCORE LIMIT`), at most
	 * `count`; with `after`, only those past that position (which need not be a member). Page by
	 * passing the last member read as `after`, never by an offset: members added or removed in front
	 * between two pages then neither repeat a member nor skip one.
	 */
	abstract zrangeByScore(key: string, min: number, max: number, count: number, after?: KvScored): Promise<KvScored[]>;
	/** Remove members with min ≤ score ≤ max; returns how many. */
	abstract zremRangeByScore(key: string, min: number, max: number): Promise<number>;
	/** Remove these members (`ZREM`); returns how many were there. */
	abstract zrem(key: string, members: readonly string[]): Promise<number>;
	/** Members in the sorted set (`ZCARD`). */
	abstract zcard(key: string): Promise<number>;
	/**
	 * Add one member only while the set holds fewer than `cap` (a member already there gets the new
	 * score), in one atomic step (Lua in Redis): true when the member is in the set after the call.
	 * Two writers racing for the last place cannot both get it.
	 */
	abstract zaddCapped(key: string, entry: KvScored, cap: number): Promise<boolean>;

	/** Fenced single-owner leases on any key (lib/keyed/lease.ts): the same API as the symbol store's. */
	abstract readonly leases: Leases;

	// By holder rather than by token, for callers that keep no token (instrument claims): each is
	// one step of `leases`, whose token check keeps it atomic.
	/** Take the lease for `holder` when free or already `holder`'s (then its TTL is refreshed). */
	async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
		return (await this.leases.acquire(key, holder, ttlMs)).type === "acquired";
	}
	/** Extend the lease while `holder` still holds it; false when it was lost. */
	async renewLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
		const cur = await this.leases.get(key);
		return cur?.holder === holder && this.leases.renew(key, cur.token, ttlMs);
	}
	/** Give the lease up if `holder` holds it. */
	async releaseLease(key: string, holder: string): Promise<boolean> {
		const cur = await this.leases.get(key);
		return cur?.holder === holder && this.leases.release(key, cur.token);
	}
	/** Who holds the lease now, or null. */
	async leaseHolder(key: string): Promise<string | null> {
		return (await this.leases.get(key))?.holder ?? null;
	}
}
