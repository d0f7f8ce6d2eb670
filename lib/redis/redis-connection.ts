/**
 * The one way Rookery connects to Redis (RedisStore and RedisKv each hold such a client): fail
 * fast while Redis is away — callers answer 503 and clients retry — rather than piling commands
 * up in an unbounded offline queue.
 */
import { Redis, type RedisOptions } from "ioredis";

/** Turns a failed Redis call into the caller's "unavailable" error. */
export type RedisFailure = (message: string, cause: unknown) => Error;

export function createRedisClient(url: string, overrides: RedisOptions = {}): Redis {
	const client = new Redis(url, {
		lazyConnect: true,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 1,
		connectTimeout: 2000,
		retryStrategy: times => Math.min(100 * times, 2000),
		...overrides,
	});
	// ioredis emits 'error' on every failed reconnect; without a listener Node prints them all.
	client.on("error", () => {});
	return client;
}

export async function redisCall<T>(op: () => Promise<T>, fail: RedisFailure): Promise<T> {
	try {
		return await op();
	} catch (err) {
		throw fail(`redis: ${(err as Error).message}`, err);
	}
}

export async function redisConnect(client: Redis, fail: RedisFailure): Promise<void> {
	if (client.status === "ready") return;
	await redisCall(() => client.connect(), fail);
}

/** Round-trip time in ms. */
export async function redisPing(client: Redis, fail: RedisFailure): Promise<number> {
	const t0 = performance.now();
	await redisCall(() => client.ping(), fail);
	return performance.now() - t0;
}
