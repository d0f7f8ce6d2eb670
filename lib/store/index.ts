import { MemoryStore } from "./memory-store.ts";
import { RedisStore } from "./redis-store.ts";
import type { Store, StoreOptions } from "./store.ts";
import type { RedisOptions } from "ioredis";

export { Store, type LogEntry, type StoreOptions } from "./store.ts";
export { MemoryStore } from "./memory-store.ts";
export { RedisStore } from "./redis-store.ts";

/** The store a node uses: Redis when a URL is configured, otherwise in-memory. */
export function createStore(redisUrl: string | null, opts: Partial<StoreOptions> = {}, redis?: RedisOptions): Store {
	return redisUrl ? new RedisStore({ ...opts, url: redisUrl, redis }) : new MemoryStore(opts);
}
