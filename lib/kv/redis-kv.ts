/**
 * Redis KV for cluster mode (ioredis 5), on the same fail-fast connection as RedisStore
 * (lib/redis): calls fail with UnavailableError while Redis is away.
 * Leases are atomic Lua scripts (check holder + write in one step).
 */
import type { Redis, RedisOptions } from "ioredis";
import { RENEW_OR_RELEASE_LUA, createRedisClient, redisCall, redisConnect, redisPing } from "../redis/redis-connection.ts";
import { UnavailableError } from "../protocol/errors.ts";
import { KvStore, type KvOptions, type KvStreamEntry } from "./kv-store.ts";

// KEYS: lease. ARGV: holder (JSON), ttlMs. Free or already this holder's → (re)take it.
const ACQUIRE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

type Scripts = {
	rkKvAcquire(key: string, holder: string, ttlMs: number): Promise<number>;
	rkKvRenew(key: string, holder: string, ttlMs: number | ""): Promise<number>;
};

export interface RedisKvOptions extends KvOptions {
	url: string;
	redis?: RedisOptions;
}

const kvUnavailable = (message: string) => new UnavailableError(message, { backend: "kv" });

export class RedisKv extends KvStore {
	readonly kind = "redis" as const;
	readonly client: Redis;

	constructor(opts: Partial<RedisKvOptions> & { url: string }) {
		super(opts);
		this.client = createRedisClient(opts.url, opts.redis);
		this.client.defineCommand("rkKvAcquire", { numberOfKeys: 1, lua: ACQUIRE_LUA });
		this.client.defineCommand("rkKvRenew", { numberOfKeys: 1, lua: RENEW_OR_RELEASE_LUA });
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
		return redisCall(op, kvUnavailable);
	}

	get #scripts(): Scripts {
		return this.client as unknown as Scripts;
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

	async hdel(key: string, field: string): Promise<boolean> {
		return (await this.#run(() => this.client.hdel(this.key(key), field))) > 0;
	}

	async streamAppend(key: string, value: unknown, maxLen: number): Promise<string> {
		const id = await this.#run(() => this.client.xadd(this.key(key), "MAXLEN", "~", maxLen, "*", "d", JSON.stringify(value)));
		return id as string;
	}

	async streamTail<T>(key: string, count: number): Promise<KvStreamEntry<T>[]> {
		if (count <= 0) return [];
		const rows = await this.#run(() => this.client.xrevrange(this.key(key), "+", "-", "COUNT", count));
		return rows.reverse().map(([id, fields]) => ({ id, value: JSON.parse(fields[1]) as T }));
	}

	async acquireLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
		return (await this.#run(() => this.#scripts.rkKvAcquire(this.key(key), JSON.stringify(holder), Math.round(ttlMs)))) === 1;
	}

	async renewLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
		return (await this.#run(() => this.#scripts.rkKvRenew(this.key(key), JSON.stringify(holder), Math.round(ttlMs)))) === 1;
	}

	async releaseLease(key: string, holder: string): Promise<boolean> {
		return (await this.#run(() => this.#scripts.rkKvRenew(this.key(key), JSON.stringify(holder), ""))) === 1;
	}

	async leaseHolder(key: string): Promise<string | null> {
		return this.get<string>(key);
	}
}
