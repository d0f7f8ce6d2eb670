/**
 * Token-bucket rate limiting: a bucket of `burst` tokens per key, refilled at `ratePerSecond`;
 * each request takes one. `MemoryRateLimiter` (embedded mode) and `RedisRateLimiter` (one bucket
 * per key in Redis, updated by a Lua script, so limits hold across every gateway node) compute
 * the same thing (`refill`).
 */
export interface BucketSpec {
	ratePerSecond: number;
	burst: number;
}

export interface TakeResult {
	allowed: boolean;
	limit: number;
	/** Whole tokens left after this request. */
	remaining: number;
	/** Until the bucket is full again, ms. */
	resetMs: number;
	/** Until one token is available (0 when allowed), ms. */
	retryAfterMs: number;
}

export interface BucketState {
	tokens: number;
	ts: number;
}

/** The bucket after `now`: refilled, and one token taken when there is one. */
export function refill(state: BucketState | null, spec: BucketSpec, now: number): { state: BucketState; allowed: boolean } {
	const elapsed = state ? Math.max(0, now - state.ts) : 0;
	let tokens = state ? Math.min(spec.burst, state.tokens + (elapsed * spec.ratePerSecond) / 1000) : spec.burst;
	const allowed = tokens >= 1;
	if (allowed) tokens -= 1;
	return { state: { tokens, ts: now }, allowed };
}

export function result(tokens: number, allowed: boolean, spec: BucketSpec): TakeResult {
	const perMs = spec.ratePerSecond / 1000;
	return {
		allowed,
		limit: spec.burst,
		remaining: Math.max(0, Math.floor(tokens)),
		resetMs: perMs > 0 ? Math.ceil((spec.burst - tokens) / perMs) : 0,
		retryAfterMs: allowed ? 0 : perMs > 0 ? Math.ceil((1 - tokens) / perMs) : Number.MAX_SAFE_INTEGER,
	};
}

export abstract class RateLimiter {
	/**
	 * Take one token from `key`'s bucket. `ratePerSecond` 0 means unlimited. A limiter that needs no
	 * I/O answers synchronously, so the gateway does not wait a microtask per request for it.
	 */
	abstract take(key: string, spec: BucketSpec): TakeResult | Promise<TakeResult>;
}

export class MemoryRateLimiter extends RateLimiter {
	#buckets = new Map<string, BucketState>();

	constructor(readonly opts: { now: () => number; maxKeys: number } = { now: Date.now, maxKeys: 100_000 }) {
		super();
	}

	take(key: string, spec: BucketSpec): TakeResult {
		if (spec.ratePerSecond === 0) return { allowed: true, limit: spec.burst, remaining: spec.burst, resetMs: 0, retryAfterMs: 0 };
		const now = this.opts.now();
		const old = this.#buckets.get(key);
		const { state, allowed } = refill(old ?? null, spec, now);
		if (old) {
			// A known caller (the common case): one map lookup, the bucket updated in place.
			old.tokens = state.tokens;
			old.ts = state.ts;
		} else {
			// Bounded: many distinct callers (anonymous IPs) must not grow the map without limit. Full
			// buckets carry no information; drop them first, then everything.
			if (this.#buckets.size >= this.opts.maxKeys) this.#evict(spec, now);
			this.#buckets.set(key, state);
		}
		return result(state.tokens, allowed, spec);
	}

	#evict(spec: BucketSpec, now: number): void {
		for (const [k, b] of this.#buckets) if (b.tokens + ((now - b.ts) * spec.ratePerSecond) / 1000 >= spec.burst) this.#buckets.delete(k);
		if (this.#buckets.size >= this.opts.maxKeys) this.#buckets.clear();
	}

	get size(): number {
		return this.#buckets.size;
	}
}
