/**
 * The fenced lease API (lib/keyed/lease.ts) on Redis: each step is one Lua script, so checking the
 * holder and writing happen atomically. `keys(key)` names the lease's two Redis keys: the owner
 * (with the lease's TTL: the token, or the holder as JSON, see below) and the epoch counter (kept
 * forever, so epochs only grow).
 */
import type { Redis } from "ioredis";
import { parseLeaseToken, type LeaseInfo, type LeaseResult, type Leases } from "../keyed/lease.ts";

// How the owner key's value reads: the token `<holder>:<epoch>` (the symbol store: its append and
// snapshot scripts compare it to the fence), or the holder as JSON (the KV, where the value is read
// like any other: the epoch is then only in the epoch key). ARGV[3]/ARGV[4] = '1' for JSON.
// KV leases are taken per message too (alert delivery claims), so there the epoch key lives
// kvEpochKeepMs (10 leases, at least a minute: lib/keyed/lease.ts) past the last acquisition.
const HOLDER_OF = `
local function holder_of(v, json)
  if json == '1' then return cjson.decode(v) end
  return string.match(v, '^(.*):%d+$')
end
`;

// KEYS: owner, epoch. ARGV: holder, ttlMs, json. Free, or already this holder's → a new epoch.
const ACQUIRE_LUA = `${HOLDER_OF}
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder = holder_of(cur, ARGV[3])
  if holder ~= ARGV[1] then return {'HELD', holder, redis.call('PTTL', KEYS[1])} end
end
local epoch = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. ':' .. epoch
if ARGV[3] == '1' then
  value = cjson.encode(ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.max(10 * tonumber(ARGV[2]), 60000))
end
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {'OK', ARGV[1] .. ':' .. epoch}
`;

// KEYS: owner, epoch. ARGV: holder, epoch, ttlMs ('' = release), json. Only the current token may do either.
const RENEW_OR_RELEASE_LUA = `${HOLDER_OF}
local cur = redis.call('GET', KEYS[1])
if not cur or holder_of(cur, ARGV[4]) ~= ARGV[1] then return 0 end
if ARGV[4] == '1' then
  if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
elseif cur ~= ARGV[1] .. ':' .. ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

type Scripts = {
	rkLeaseAcquire(owner: string, epoch: string, holder: string, ttlMs: number, json: string): Promise<[string, string, number?]>;
	rkLeaseRenew(owner: string, epoch: string, holder: string, epochNo: number, ttlMs: number | "", json: string): Promise<number>;
};

export type LeaseValue = "token" | "json-holder";

export class RedisLeases implements Leases {
	constructor(
		readonly client: Redis,
		readonly keys: (key: string) => { owner: string; epoch: string },
		readonly run: <T>(op: () => Promise<T>) => Promise<T>,
		readonly value: LeaseValue = "token",
	) {
		client.defineCommand("rkLeaseAcquire", { numberOfKeys: 2, lua: ACQUIRE_LUA });
		client.defineCommand("rkLeaseRenew", { numberOfKeys: 2, lua: RENEW_OR_RELEASE_LUA });
	}

	get #json(): string {
		return this.value === "json-holder" ? "1" : "";
	}

	get #scripts(): Scripts {
		return this.client as unknown as Scripts;
	}

	async acquire(key: string, holder: string, ttlMs: number): Promise<LeaseResult> {
		const k = this.keys(key);
		const [status, token, pttl] = await this.run(() => this.#scripts.rkLeaseAcquire(k.owner, k.epoch, holder, Math.max(1, Math.round(ttlMs)), this.#json));
		if (status === "OK") return { type: "acquired", token, epoch: parseLeaseToken(token).epoch };
		return { type: "held", holder: token, ttlMs: Number(pttl) };
	}

	renew(key: string, token: string, ttlMs: number): Promise<boolean> {
		return this.#renewOrRelease(key, token, Math.max(1, Math.round(ttlMs)));
	}

	release(key: string, token: string): Promise<boolean> {
		return this.#renewOrRelease(key, token, "");
	}

	async #renewOrRelease(key: string, token: string, ttlMs: number | ""): Promise<boolean> {
		const k = this.keys(key);
		const { holder, epoch } = parseLeaseToken(token);
		return (await this.run(() => this.#scripts.rkLeaseRenew(k.owner, k.epoch, holder, epoch, ttlMs, this.#json))) === 1;
	}

	async get(key: string): Promise<LeaseInfo | null> {
		const k = this.keys(key);
		const [value, ttl, epoch] = await this.run(() => Promise.all([this.client.get(k.owner), this.client.pttl(k.owner), this.client.get(k.epoch)]));
		if (!value) return null;
		const token = this.value === "json-holder" ? `${JSON.parse(value) as string}:${epoch}` : value;
		return { token, ...parseLeaseToken(token), ttlMs: ttl };
	}
}
