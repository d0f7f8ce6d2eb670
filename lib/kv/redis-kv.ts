/**
 * Redis KV for cluster mode (ioredis 5), on the same fail-fast connection as RedisStore
 * (lib/redis): calls fail with UnavailableError while Redis is away.
 * Leases are lib/redis/redis-leases.ts (`<key>` holds the holder as JSON, `<key>:epoch` the epoch).
 */
import type { Redis, RedisOptions } from "ioredis";
import { createRedisClient, redisCall, redisConnect, redisPing } from "../redis/redis-connection.ts";
import { RedisLeases } from "../redis/redis-leases.ts";
import { UnavailableError } from "../protocol/errors.ts";
import type { AppendOptions } from "./json-copy.ts";
import { KvStore, type KvOptions, type KvScored, type KvStreamEntry } from "./kv-store.ts";

export interface RedisKvOptions extends KvOptions {
	url: string;
	redis?: RedisOptions;
}

/** A score bound as Redis writes infinities. */
const bound = (x: number) => (x === Infinity ? "+inf" : x === -Infinity ? "-inf" : String(x));
/** A score as Redis answers it: `inf` and `-inf` are not JavaScript's spelling. */
const scoreOf = (s: string) => (s === "inf" || s === "+inf" ? Infinity : s === "-inf" ? -Infinity : Number(s));

/** ZADD when the member is there or ZCARD < cap, in one step: 1 when the member is in the set. */
const ZADD_CAPPED = `if redis.call("ZSCORE", KEYS[1], ARGV[2]) or redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[3]) then
  redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;

const HSET_MAX = `local cur = tonumber(redis.call("HGET", KEYS[1], ARGV[1]))
if cur == nil or cur < tonumber(ARGV[2]) then
  redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
end
return 0`;

/**
 * ZRANGE BYSCORE past a position (score ARGV[4], member ARGV[5]), which need not be a member: its
 * rank is the member's when it is there at that score, else found by a binary search of the members
 * of that score in byte order (Redis's order for equal scores; Lua's own `<` follows the locale).
 * ARGV[1..3]: min, max, count.
 */
const ZRANGE_AFTER = `local key, s, m = KEYS[1], ARGV[4], ARGV[5]
local function greater(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
local lo = redis.call("ZCOUNT", key, "-inf", "(" .. s)
local hi = lo + redis.call("ZCOUNT", key, s, s)
local r = redis.call("ZRANK", key, m)
if r and r >= lo and r < hi then
  lo = r + 1
else
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if greater(redis.call("ZRANGE", key, mid, mid)[1], m) then hi = mid else lo = mid + 1 end
  end
end
local from = math.max(lo, redis.call("ZCOUNT", key, "-inf", "(" .. ARGV[1]))
local to = math.min(from + tonumber(ARGV[3]), redis.call("ZCOUNT", key, "-inf", ARGV[2]))
if to <= from then return {} end
return redis.call("ZRANGE", key, from, to - 1, "WITHSCORES")`;

const kvUnavailable = (message: string) => new UnavailableError(message, { backend: "kv" });

export class RedisKv extends KvStore {
	readonly kind = "redis" as const;
	readonly client: Redis;
	readonly leases: RedisLeases;

	constructor(opts: Partial<RedisKvOptions> & { url: string }) {
		super(opts);
		this.client = createRedisClient(opts.url, opts.redis);
		// The value is the holder as JSON, readable like any other KV value (operators, tests).
		this.leases = new RedisLeases(
			this.client,
			key => ({ owner: this.key(key), epoch: `${this.key(key)}:epoch` }),
			op => this.#run(op),
			"json-holder",
		);
	}

	async connect(): Promise<void> {
		await redisConnect(this.client, kvUnavailable);
	}

	async close(): Promise<void> {
		this.client.disconnect();
	}

	async ping(): Promise<number> {
		return redisPing(this.client, kvUnavailable);
	}

	#run<T>(op: () => Promise<T>): Promise<T> {
		return redisCall(op, kvUnavailable, this.client);
	}

	async get<T>(key: string): Promise<T | null> {
		const s = await this.#run(() => this.client.get(this.key(key)));
		return s === null ? null : (JSON.parse(s) as T);
	}

	async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
		const text = JSON.stringify(value);
		await this.#run(() => (ttlMs === undefined ? this.client.set(this.key(key), text) : this.client.set(this.key(key), text, "PX", Math.max(1, Math.round(ttlMs)))));
	}

	async del(key: string): Promise<boolean> {
		return (await this.#run(() => this.client.del(this.key(key)))) > 0;
	}

	async hget<T>(key: string, field: string): Promise<T | null> {
		const s = await this.#run(() => this.client.hget(this.key(key), field));
		return s === null ? null : (JSON.parse(s) as T);
	}

	async hgetall<T>(key: string): Promise<Record<string, T>> {
		const raw = await this.#run(() => this.client.hgetall(this.key(key)));
		const out: Record<string, T> = {};
		for (const [f, s] of Object.entries(raw)) out[f] = JSON.parse(s) as T;
		return out;
	}

	async hset(key: string, field: string, value: unknown): Promise<void> {
		await this.#run(() => this.client.hset(this.key(key), field, JSON.stringify(value)));
	}

	async hsetMax(key: string, field: string, value: number): Promise<void> {
		await this.#run(() => this.client.eval(HSET_MAX, 1, this.key(key), field, JSON.stringify(value)));
	}

	async hdel(key: string, field: string): Promise<boolean> {
		return (await this.#run(() => this.client.hdel(this.key(key), field))) > 0;
	}

	async streamAppend(key: string, value: unknown, maxLen: number): Promise<string> {
		const id = await this.#run(() => this.client.xadd(this.key(key), "MAXLEN", "~", maxLen, "*", "d", JSON.stringify(value)));
		return id as string;
	}

	/** Written as JSON text: `opts` (handing values over) changes nothing here. */
	async streamAppendMany(key: string, values: readonly unknown[], maxLen: number, _opts?: AppendOptions): Promise<string[]> {
		if (values.length === 0) return [];
		const k = this.key(key);
		const multi = this.client.multi();
		for (const v of values) multi.xadd(k, "MAXLEN", "~", maxLen, "*", "d", JSON.stringify(v));
		const results = await this.#run(async () => {
			const r = await multi.exec();
			if (r === null) throw new Error("stream append aborted");
			return r;
		});
		return results.map(([err, id]) => {
			if (err) throw err;
			return id as string;
		});
	}

	async streamTail<T>(key: string, count: number): Promise<KvStreamEntry<T>[]> {
		if (count <= 0) return [];
		const rows = await this.#run(() => this.client.xrevrange(this.key(key), "+", "-", "COUNT", count));
		return rows.reverse().map(([id, fields]) => ({ id, value: JSON.parse(fields[1]) as T }));
	}

	async incrBy(key: string, by: number): Promise<number> {
		return this.#run(() => this.client.incrby(this.key(key), by));
	}

	async setIfAbsent<T>(key: string, value: unknown, ttlMs?: number): Promise<T | null> {
		const text = JSON.stringify(value);
		const k = this.key(key);
		// SET NX GET (Redis ≥ 7): one step, so two writers of one key cannot both win.
		const old = await this.#run(() => (ttlMs === undefined ? this.client.set(k, text, "NX", "GET") : this.client.set(k, text, "PX", Math.max(1, Math.round(ttlMs)), "NX", "GET")));
		return old === null ? null : (JSON.parse(old) as T);
	}

	async zadd(key: string, entries: readonly KvScored[]): Promise<void> {
		if (entries.length === 0) return;
		const args: Array<string | number> = [];
		for (const e of entries) args.push(e.score, e.member);
		await this.#run(() => this.client.zadd(this.key(key), ...args));
	}

	async zrangeByScore(key: string, min: number, max: number, count: number, after?: KvScored): Promise<KvScored[]> {
		if (count <= 0) return [];
		const k = this.key(key);
		const flat = (await this.#run(() =>
			after ? this.client.eval(ZRANGE_AFTER, 1, k, bound(min), bound(max), count, bound(after.score), after.member) : this.client.zrangebyscore(k, bound(min), bound(max), "WITHSCORES", "LIMIT", 0, count),
		)) as string[];
		const out: KvScored[] = [];
		for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: scoreOf(flat[i + 1]) });
		return out;
	}

	async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
		return this.#run(() => this.client.zremrangebyscore(this.key(key), bound(min), bound(max)));
	}

	async zrem(key: string, members: readonly string[]): Promise<number> {
		if (members.length === 0) return 0;
		return this.#run(() => this.client.zrem(this.key(key), ...members));
	}

	async zcard(key: string): Promise<number> {
		return this.#run(() => this.client.zcard(this.key(key)));
	}

	async zaddCapped(key: string, entry: KvScored, cap: number): Promise<boolean> {
		const added = await this.#run(() => this.client.eval(ZADD_CAPPED, 1, this.key(key), entry.score, entry.member, cap));
		return added === 1;
	}
}
