/**
 * Redis store for cluster mode (ioredis 5). The log is a Stream per symbol with ids `<seq>-0`, so
 * Redis itself refuses an id that is not after the last one; one Lua script appends a batch and
 * sets the latest value atomically.
 */
import type { Redis, RedisOptions } from "ioredis";
import { createRedisClient, redisCall, redisConnect, redisPing } from "../redis/redis-connection.ts";
import { RedisLeases } from "../redis/redis-leases.ts";
import { FencedError, SequenceConflictError, StoreUnavailableError } from "../protocol/errors.ts";
import type { AppendOptions } from "../kv/json-copy.ts";
import { Store, parseLeaseToken, type LogEntry, type StoreOptions } from "./store.ts";

// KEYS: stream, latest, owner. ARGV: maxLen, ttlMs, latest JSON ('' = leave), fence ('' = none),
// then seq, data pairs. The fence is checked in the same atomic step as the writes: a node whose
// lease is gone cannot write, however late its command arrives. Only the first XADD can be refused
// for its id (the caller's seqs increase), so a refusal writes nothing; any other error (out of
// memory, wrong type) is returned as an error, not as a conflict.
const APPEND_LUA = `
if ARGV[4] ~= '' then
  local owner = redis.call('GET', KEYS[3])
  if owner ~= ARGV[4] then return {'FENCED', owner or ''} end
end
local n = #ARGV
if n >= 6 then
  local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[5] .. '-0', 'd', ARGV[6])
  if type(ok) == 'table' and ok.err then
    if not string.find(ok.err, 'equal or smaller', 1, true) then return redis.error_reply(ok.err) end
    local top = redis.call('XINFO', 'STREAM', KEYS[1])
    for i = 1, #top, 2 do
      if top[i] == 'last-generated-id' then return {'CONFLICT', top[i + 1]} end
    end
    return {'CONFLICT', '0-0'}
  end
  for i = 7, n, 2 do
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[i] .. '-0', 'd', ARGV[i + 1])
  end
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return {'OK'}
`;

// KEYS: snap, owner. ARGV: snapshot JSON, fence ('' = none).
const PUT_SNAPSHOT_LUA = `
if ARGV[2] ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner ~= ARGV[2] then return {'FENCED', owner or ''} end
end
redis.call('SET', KEYS[1], ARGV[1])
return {'OK'}
`;

type Scripts = {
	rkAppend(...a: unknown[]): Promise<string[]>;
	rkPutSnapshot(...a: unknown[]): Promise<string[]>;
};

export interface RedisStoreOptions extends StoreOptions {
	url: string;
	redis?: RedisOptions;
}

const storeUnavailable = (message: string, cause: unknown) => new StoreUnavailableError(message, { cause });

export class RedisStore extends Store {
	readonly kind = "redis" as const;
	readonly client: Redis;
	readonly leases: RedisLeases;
	#known = new Set<string>();

	constructor(opts: Partial<RedisStoreOptions> & { url: string }) {
		super(opts);
		this.client = createRedisClient(opts.url, opts.redis);
		this.client.defineCommand("rkAppend", { numberOfKeys: 3, lua: APPEND_LUA });
		this.client.defineCommand("rkPutSnapshot", { numberOfKeys: 2, lua: PUT_SNAPSHOT_LUA });
		// `{SYM}:owner` shares the log's hash slot, so the append script can check the fence.
		this.leases = new RedisLeases(
			this.client,
			symbol => ({ owner: this.key(symbol, "owner"), epoch: this.key(symbol, "epoch") }),
			op => this.#run(op),
		);
	}

	async connect(): Promise<void> {
		await redisConnect(this.client, storeUnavailable);
	}

	async close(): Promise<void> {
		this.client.disconnect();
	}

	async ping(): Promise<number> {
		return redisPing(this.client, storeUnavailable);
	}

	#run<T>(op: () => Promise<T>): Promise<T> {
		return redisCall(op, storeUnavailable, this.client);
	}

	get #scripts(): Scripts {
		return this.client as unknown as Scripts;
	}

	/** Written as JSON text: `opts` (handing values over) changes nothing here. */
	async append(symbol: string, entries: LogEntry[], latest?: unknown, fence?: string, _opts?: AppendOptions): Promise<void> {
		const args: (string | number)[] = [this.opts.maxLen, this.opts.latestTtlMs, latest === undefined ? "" : JSON.stringify(latest), fence ?? ""];
		for (const e of entries) args.push(e.seq, JSON.stringify(e.data));
		const res = await this.#run(() => this.#scripts.rkAppend(this.key(symbol, "ticks"), this.key(symbol, "latest"), this.key(symbol, "owner"), ...args));
		if (res[0] === "FENCED") throw new FencedError(symbol, res[1] ? parseLeaseToken(res[1]).holder : null);
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
		const info = await this.#run(() =>
			this.client.call("XINFO", "STREAM", this.key(symbol, "ticks")).catch(err => {
				if (/no such key/i.test((err as Error).message)) return null;
				throw err;
			}),
		);
		if (!info) return 0;
		const arr = info as unknown[];
		const i = arr.indexOf("last-generated-id");
		return i < 0 ? 0 : parseSeq(String(arr[i + 1]));
	}

	async getLatest<T>(symbol: string): Promise<T | null> {
		const s = await this.#run(() => this.client.get(this.key(symbol, "latest")));
		return s ? (JSON.parse(s) as T) : null;
	}

	async putSnapshot(symbol: string, snapshot: unknown, fence?: string): Promise<void> {
		const res = await this.#run(() => this.#scripts.rkPutSnapshot(this.key(symbol, "snap"), this.key(symbol, "owner"), JSON.stringify(snapshot), fence ?? ""));
		if (res[0] === "FENCED") throw new FencedError(symbol, res[1] ? parseLeaseToken(res[1]).holder : null);
	}

	async getSnapshot<T>(symbol: string): Promise<T | null> {
		const s = await this.#run(() => this.client.get(this.key(symbol, "snap")));
		return s ? (JSON.parse(s) as T) : null;
	}

	async knownSymbols(symbols: string[]): Promise<Set<string>> {
		if (symbols.length === 0) return new Set();
		const member = await this.#run(() => this.client.smismember(this.symbolsKey, ...symbols));
		return new Set(symbols.filter((_, i) => member[i] === 1));
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
