/**
 * Token buckets in Redis: one hash per key ({tokens, ts}), refilled and taken in one Lua script
 * (atomic, so concurrent requests on several gateway nodes cannot overspend), with Redis's own
 * clock (TIME) so nodes with skewed clocks agree. Keys expire once the bucket would be full.
 *
 * A fast bucket is taken from in reservations: a node takes up to `reserveMs` of the rate at once
 * (at most 1/20 of the burst) and hands those tokens out itself for up to `holdMs`, so a caller at
 * 5,000 requests a second costs Redis one script call per 50 requests, not one each, and most
 * requests wait for no round trip. Every admitted request took a token from the shared bucket,
 * within `holdMs` before it was admitted: over any window the cluster admits at most what the
 * bucket gave plus, per node, one reservation taken before the window. Leftovers are dropped, not
 * handed back, so a caller spread over n nodes may also be refused up to n reservations early.
 * Requests beyond what one reservation holds are served in rounds of one call each. Slower buckets
 * (a reservation of one token: under 200 a second, or a burst under 40) take one token a call, exactly.
 */
import type { Redis } from "ioredis";
import { RateLimiter, result, type BucketSpec, type TakeResult } from "./token-bucket.ts";

// KEYS: bucket. ARGV: ratePerSecond, burst, tokens wanted. Returns {tokens taken (0 = refused), tokens left (string)}.
// Same arithmetic as refill() in token-bucket.ts when one token is wanted.
const TAKE_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3] or '1')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = burst
if cur[1] then
	local elapsed = math.max(0, now - tonumber(cur[2]))
	tokens = math.min(burst, tonumber(cur[1]) + elapsed * rate / 1000)
end
local taken = math.min(want, math.floor(tokens))
if taken >= 1 then
	tokens = tokens - taken
else
	taken = 0
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {taken, tostring(tokens)}
`;

type WithTake = Redis & { rkRateTake(key: string, rate: number, burst: number, want: number): Promise<[number, string]> };

export interface ReservationOptions {
	/** Rate time taken at once from a fast bucket (10 ms: 50 tokens at 5,000 a second). */
	reserveMs: number;
	/** How long a node may hand out a reservation's tokens before it drops them. */
	holdMs: number;
	/** Keys with a reservation held at most (anonymous callers are one key per IP). */
	maxKeys: number;
	now: () => number;
}

/** A node's share of a bucket: tokens it may hand out until `until`, and what the bucket held then. */
interface Reservation {
	tokens: number;
	until: number;
	bucketLeft: number;
}

const DEFAULTS: ReservationOptions = { reserveMs: 10, holdMs: 1000, maxKeys: 100_000, now: Date.now };

export class RedisRateLimiter extends RateLimiter {
	readonly #client: WithTake;
	readonly #opts: ReservationOptions;
	readonly #held = new Map<string, Reservation>();
	/** One reservation call per key at a time: concurrent requests wait for it rather than each reserving. */
	readonly #reserving = new Map<string, Promise<TakeResult>>();

	constructor(
		client: Redis,
		readonly prefix = "rk:rl:",
		opts: Partial<ReservationOptions> = {},
	) {
		super();
		if (!("rkRateTake" in client)) client.defineCommand("rkRateTake", { numberOfKeys: 1, lua: TAKE_LUA });
		this.#client = client as WithTake;
		this.#opts = { ...DEFAULTS, ...opts };
	}

	/** Tokens taken from the shared bucket at once for `spec`: 1 means every request goes to Redis. */
	reservationSize(spec: BucketSpec): number {
		return Math.max(1, Math.min(Math.floor((spec.ratePerSecond * this.#opts.reserveMs) / 1000), Math.floor(spec.burst / 20)));
	}

	take(key: string, spec: BucketSpec): TakeResult | Promise<TakeResult> {
		if (spec.ratePerSecond === 0) return { allowed: true, limit: spec.burst, remaining: spec.burst, resetMs: 0, retryAfterMs: 0 };
		const size = this.reservationSize(spec);
		if (size === 1) return this.#takeShared(key, spec, 1).then(([taken, left]) => result(left, taken === 1, spec));
		const held = this.#held.get(key);
		if (held !== undefined && held.tokens >= 1 && held.until > this.#opts.now()) {
			held.tokens--;
			return result(held.bucketLeft + held.tokens, true, spec);
		}
		const pending = this.#reserving.get(key);
		// A refused reservation refuses those waiting on it too (the bucket held less than a token),
		// rather than each asking Redis again in turn; an admitted one serves them from its tokens.
		if (pending) return pending.then(r => (r.allowed ? this.take(key, spec) : { ...r }));
		const call = this.#reserve(key, spec, size).finally(() => this.#reserving.delete(key));
		this.#reserving.set(key, call);
		return call;
	}

	async #reserve(key: string, spec: BucketSpec, size: number): Promise<TakeResult> {
		const [taken, left] = await this.#takeShared(key, spec, size);
		if (taken === 0) {
			this.#held.delete(key);
			return result(left, false, spec);
		}
		if (!this.#held.has(key) && this.#held.size >= this.#opts.maxKeys) this.#evict();
		this.#held.set(key, { tokens: taken - 1, until: this.#opts.now() + this.#opts.holdMs, bucketLeft: left });
		return result(left + taken - 1, true, spec);
	}

	async #takeShared(key: string, spec: BucketSpec, want: number): Promise<[taken: number, left: number]> {
		const [taken, left] = await this.#client.rkRateTake(this.prefix + key, spec.ratePerSecond, spec.burst, want);
		return [Number(taken), Number(left)];
	}

	/** Expired reservations first; if that frees nothing, all of them (their tokens are only dropped). */
	#evict(): void {
		const now = this.#opts.now();
		for (const [k, r] of this.#held) if (r.until <= now || r.tokens < 1) this.#held.delete(k);
		if (this.#held.size >= this.#opts.maxKeys) this.#held.clear();
	}

	/** Keys with a reservation held (bounded by `maxKeys`). */
	get heldKeys(): number {
		return this.#held.size;
	}
}
