/**
 * Token buckets in Redis: one hash per key ({tokens, ts}), refilled and taken in one Lua script
 * (atomic, so concurrent requests on several gateway nodes cannot overspend), with Redis's own
 * clock (TIME) so nodes with skewed clocks agree. Keys expire once the bucket would be full.
 */
import type { Redis } from "ioredis";
import { RateLimiter, result, type BucketSpec, type TakeResult } from "./token-bucket.ts";

// KEYS: bucket. ARGV: ratePerSecond, burst. Returns {allowed (0/1), tokens (string)}.
// Same arithmetic as refill() in token-bucket.ts.
const TAKE_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = burst
if cur[1] then
	local elapsed = math.max(0, now - tonumber(cur[2]))
	tokens = math.min(burst, tonumber(cur[1]) + elapsed * rate / 1000)
end
local allowed = 0
if tokens >= 1 then
	allowed = 1
	tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, tostring(tokens)}
`;

type WithTake = Redis & { rkRateTake(key: string, rate: number, burst: number): Promise<[number, string]> };

export class RedisRateLimiter extends RateLimiter {
	readonly #client: WithTake;

	constructor(
		client: Redis,
		readonly prefix = "rk:rl:",
	) {
		super();
		if (!("rkRateTake" in client)) client.defineCommand("rkRateTake", { numberOfKeys: 1, lua: TAKE_LUA });
		this.#client = client as WithTake;
	}

	async take(key: string, spec: BucketSpec): Promise<TakeResult> {
		if (spec.ratePerSecond === 0) return { allowed: true, limit: spec.burst, remaining: spec.burst, resetMs: 0, retryAfterMs: 0 };
		const [allowed, tokens] = await this.#client.rkRateTake(this.prefix + key, spec.ratePerSecond, spec.burst);
		return result(Number(tokens), allowed === 1, spec);
	}
}
