/**
 * Redis store for cluster mode (ioredis 5). The log is a Stream per symbol with ids `<seq>-0`, so
 * Redis itself refuses an id that is not after the last one; one Lua script appends a batch and
 * sets the latest value atomically.
 */
import { Redis, type RedisOptions } from "ioredis";
import { SequenceConflictError, StoreUnavailableError } from "../protocol/errors.ts";
import { Store, type LogEntry, type StoreOptions } from "./store.ts";

// KEYS: stream, latest. ARGV: maxLen, ttlMs, latest JSON ('' = leave), then seq, data pairs.
// Only the first XADD can be refused for its id (the caller's seqs increase), so a refusal writes
// nothing; any other error (out of memory, wrong type) is returned as an error, not as a conflict.
const APPEND_LUA = `
local n = #ARGV
if n >= 5 then
  local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[4] .. '-0', 'd', ARGV[5])
  if type(ok) == 'table' and ok.err then
    if not string.find(ok.err, 'equal or smaller', 1, true) then return redis.error_reply(ok.err) end
    local top = redis.call('XINFO', 'STREAM', KEYS[1])
    for i = 1, #top, 2 do
      if top[i] == 'last-generated-id' then return {'CONFLICT', top[i + 1]} end
    end
    return {'CONFLICT', '0-0'}
  end
  for i = 6, n, 2 do
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[i] .. '-0', 'd', ARGV[i + 1])
  end
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return {'OK'}
`;

export interface RedisStoreOptions extends StoreOptions {
	url: string;
	redis?: RedisOptions;
}

export class RedisStore extends Store {
	readonly kind = "redis" as const;
	readonly client: Redis;
	#known = new Set<string>();

	constructor(opts: Partial<RedisStoreOptions> & { url: string }) {
		super(opts);
		this.client = new Redis(opts.url, {
			lazyConnect: true,
			// Fail fast while Redis is away: callers answer 503 and clients retry, rather than
			// piling commands up in an unbounded offline queue.
			enableOfflineQueue: false,
			maxRetriesPerRequest: 1,
			connectTimeout: 2000,
			retryStrategy: times => Math.min(100 * times, 2000),
			...opts.redis,
		});
		this.client.defineCommand("rkAppend", { numberOfKeys: 2, lua: APPEND_LUA });
		// ioredis emits 'error' on every failed reconnect; without a listener Node prints them all.
		this.client.on("error", () => {});
	}

	async connect(): Promise<void> {
		if (this.client.status === "ready") return;
		try {
			await this.client.connect();
		} catch (err) {
			throw new StoreUnavailableError(`redis: ${(err as Error).message}`, { cause: err });
		}
	}

	async close(): Promise<void> {
		this.client.disconnect();
	}

	async ping(): Promise<number> {
		const t0 = performance.now();
		await this.#run(() => this.client.ping());
		return performance.now() - t0;
	}

	async #run<T>(op: () => Promise<T>): Promise<T> {
		try {
			return await op();
		} catch (err) {
			throw new StoreUnavailableError(`redis: ${(err as Error).message}`, { cause: err });
		}
	}

	async append(symbol: string, entries: LogEntry[], latest?: unknown): Promise<void> {
		const args: (string | number)[] = [this.opts.maxLen, this.opts.latestTtlMs, latest === undefined ? "" : JSON.stringify(latest)];
		for (const e of entries) args.push(e.seq, JSON.stringify(e.data));
		const res = (await this.#run(() =>
			(this.client as unknown as { rkAppend(...a: unknown[]): Promise<string[]> }).rkAppend(this.key(symbol, "ticks"), this.key(symbol, "latest"), ...args),
		)) as string[];
		if (res[0] === "CONFLICT") throw new SequenceConflictError(symbol, parseSeq(res[1]), entries[0].seq);
		if (!this.#known.has(symbol)) {
			// The append is durable already; the listing is best effort and retried on the next append.
			await this.client.sadd(this.symbolsKey, symbol).then(
				() => this.#known.add(symbol),
				() => {},
			);
		}
	}

	async range(symbol: string, fromSeq: number, limit: number): Promise<LogEntry[]> {
		if (limit <= 0) return [];
		const rows = await this.#run(() => this.client.xrange(this.key(symbol, "ticks"), `${Math.max(0, fromSeq)}-0`, "+", "COUNT", limit));
		return rows.map(toEntry);
	}

	async tail(symbol: string, limit: number): Promise<LogEntry[]> {
		if (limit <= 0) return [];
		const rows = await this.#run(() => this.client.xrevrange(this.key(symbol, "ticks"), "+", "-", "COUNT", limit));
		return rows.reverse().map(toEntry);
	}

	async lastSeq(symbol: string): Promise<number> {
		// last-generated-id survives trimming, so the seq never goes backwards.
		const info = await this.#run(() => this.client.call("XINFO", "STREAM", this.key(symbol, "ticks")).catch(err => {
			if (/no such key/i.test((err as Error).message)) return null;
			throw err;
		}));
		if (!info) return 0;
		const arr = info as unknown[];
		const i = arr.indexOf("last-generated-id");
		return i < 0 ? 0 : parseSeq(String(arr[i + 1]));
	}

	async getLatest<T>(symbol: string): Promise<T | null> {
		const s = await this.#run(() => this.client.get(this.key(symbol, "latest")));
		return s ? (JSON.parse(s) as T) : null;
	}

	async putSnapshot(symbol: string, snapshot: unknown): Promise<void> {
		await this.#run(() => this.client.set(this.key(symbol, "snap"), JSON.stringify(snapshot)));
	}

	async getSnapshot<T>(symbol: string): Promise<T | null> {
		const s = await this.#run(() => this.client.get(this.key(symbol, "snap")));
		return s ? (JSON.parse(s) as T) : null;
	}

	async listSymbols(): Promise<string[]> {
		return (await this.#run(() => this.client.smembers(this.symbolsKey))).sort();
	}
}

function parseSeq(id: string): number {
	return Number(id.slice(0, id.indexOf("-")));
}

function toEntry([id, fields]: [string, string[]]): LogEntry {
	return { seq: parseSeq(id), data: JSON.parse(fields[1]) };
}
