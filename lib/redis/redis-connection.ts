/**
 * The one way Rookery connects to Redis (RedisStore and RedisKv each hold such a client): fail
 * fast while Redis is away — callers answer 503 and clients retry — rather than piling commands
 * up in an unbounded offline queue.
 */
import { Redis, type RedisOptions } from "ioredis";
import { WriteCoalescer } from "../scheduling/write-coalescer.ts";

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

/** One per connection (a reconnect brings a new socket, and so a new one). */
const coalescers = new WeakMap<object, WriteCoalescer>();

/**
 * `op` (which sends its commands at once) with the connection's writes held until the end of the
 * turn, so the commands a turn sends leave in one write (lib/scheduling/write-coalescer.ts).
 */
function sendHeld<T>(client: Redis, op: () => Promise<T>): Promise<T> {
	const socket = client.status === "ready" ? client.stream : undefined;
	if (!socket) return op();
	let writes = coalescers.get(socket);
	if (!writes) coalescers.set(socket, (writes = new WriteCoalescer(socket)));
	let sent!: Promise<T>;
	writes.write(() => (sent = op()));
	return sent;
}

/** `client`: hold its writes to the end of the turn (see sendHeld). */
export async function redisCall<T>(op: () => Promise<T>, fail: RedisFailure, client?: Redis): Promise<T> {
	try {
		return await (client ? sendHeld(client, op) : op());
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
