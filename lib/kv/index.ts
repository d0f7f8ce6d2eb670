import { MemoryKv } from "./memory-kv.ts";
import { RedisKv } from "./redis-kv.ts";
import type { KvOptions, KvStore } from "./kv-store.ts";
import type { RedisOptions } from "ioredis";

export { KvStore, type KvOptions, type KvStreamEntry, type KvScored } from "./kv-store.ts";
export { MemoryKv } from "./memory-kv.ts";
export { RedisKv } from "./redis-kv.ts";

/** The KV a node uses: Redis when a URL is configured, otherwise in-memory. */
export function createKv(redisUrl: string | null, opts: Partial<KvOptions> = {}, redis?: RedisOptions): KvStore {
	return redisUrl ? new RedisKv({ ...opts, url: redisUrl, redis }) : new MemoryKv(opts);
}
