/**
 * The fenced lease API (lib/keyed/lease.ts) on Redis: each step is one Lua script, so checking the
 * holder and writing happen atomically. `keys(key)` names the lease's two Redis keys: the owner
 * (the token, with the lease's TTL) and the epoch counter (kept forever, so epochs only grow).
 */
import type { Redis } from "ioredis";
import { parseLeaseToken, type LeaseInfo, type LeaseResult, type Leases } from "../keyed/lease.ts";

// KEYS: owner, epoch. ARGV: holder, ttlMs. Free, or already this holder's → a new epoch.
const ACQUIRE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local holder = string.match(cur, '^(.*):%d+$')
  if holder ~= ARGV[1] then return {'HELD', cur, redis.call('PTTL', KEYS[1])} end
end
local epoch = redis.call('INCR', KEYS[2])
local token = ARGV[1] .. ':' .. epoch
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {'OK', token}
`;

// KEYS: owner. ARGV: token, ttlMs ('' = release). Only the current holder may do either.
const RENEW_OR_RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

type Scripts = {
	rkLeaseAcquire(owner: string, epoch: string, holder: string, ttlMs: number): Promise<[string, string, number?]>;
	rkLeaseRenew(owner: string, token: string, ttlMs: number | ""): Promise<number>;
};

export class RedisLeases implements Leases {
	constructor(
		readonly client: Redis,
		readonly keys: (key: string) => { owner: string; epoch: string },
		readonly run: <T>(op: () => Promise<T>) => Promise<T>,
	) {
		client.defineCommand("rkLeaseAcquire", { numberOfKeys: 2, lua: ACQUIRE_LUA });
		client.defineCommand("rkLeaseRenew", { numberOfKeys: 1, lua: RENEW_OR_RELEASE_LUA });
	}

	get #scripts(): Scripts {
		return this.client as unknown as Scripts;
	}

	async acquire(key: string, holder: string, ttlMs: number): Promise<LeaseResult> {
		const k = this.keys(key);
		const [status, token, pttl] = await this.run(() => this.#scripts.rkLeaseAcquire(k.owner, k.epoch, holder, Math.max(1, Math.round(ttlMs))));
		if (status === "OK") return { type: "acquired", token, epoch: parseLeaseToken(token).epoch };
		return { type: "held", holder: parseLeaseToken(token).holder, ttlMs: Number(pttl) };
	}

	async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
		return (await this.run(() => this.#scripts.rkLeaseRenew(this.keys(key).owner, token, Math.max(1, Math.round(ttlMs))))) === 1;
	}

	async release(key: string, token: string): Promise<boolean> {
		return (await this.run(() => this.#scripts.rkLeaseRenew(this.keys(key).owner, token, ""))) === 1;
	}

	async get(key: string): Promise<LeaseInfo | null> {
		const owner = this.keys(key).owner;
		const [token, ttl] = await this.run(() => Promise.all([this.client.get(owner), this.client.pttl(owner)]));
		return token ? { token, ...parseLeaseToken(token), ttlMs: ttl } : null;
	}
}
