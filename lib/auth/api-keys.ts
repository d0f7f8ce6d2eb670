/**
 * API keys: random 256-bit secrets, shown once at creation; at rest only their SHA-256 is kept (a
 * key has full entropy, so a slow hash adds nothing). Stored in the KV (one hash, field = digest),
 * so every gateway node sees the same keys. Verified keys are cached for `cacheMs` on each node:
 * a revoked key stops working everywhere within that time.
 */
import { createHash, randomBytes } from "node:crypto";
import type { KvStore } from "../kv/index.ts";
import type { TierName } from "./tiers.ts";

export interface ApiKeyRecord {
	id: string;
	name: string;
	tier: TierName;
	roles: string[];
	createdAt: number;
}

const KEY_PREFIX = "rk_";
const HASH = "auth:apikeys";

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");
export const looksLikeApiKey = (s: string) => s.startsWith(KEY_PREFIX);

export class ApiKeyStore {
	#cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();
	#count: { n: number; until: number } | null = null;

	constructor(
		readonly kv: KvStore,
		readonly opts: { cacheMs: number; now: () => number } = { cacheMs: 5000, now: Date.now },
	) {}

	/** Make a key; the secret is in the answer only. */
	async create(input: { name: string; tier: TierName; roles: string[] }): Promise<ApiKeyRecord & { key: string }> {
		const key = KEY_PREFIX + randomBytes(32).toString("base64url");
		const record: ApiKeyRecord = { id: randomBytes(8).toString("hex"), name: input.name, tier: input.tier, roles: [...new Set(input.roles)], createdAt: this.opts.now() };
		await this.kv.hset(HASH, hashApiKey(key), record);
		this.#count = null;
		return { ...record, key };
	}

	/** True when a key with this id existed. */
	async revoke(id: string): Promise<boolean> {
		const all = await this.kv.hgetall<ApiKeyRecord>(HASH);
		const digest = Object.keys(all).find(d => all[d].id === id);
		if (!digest) return false;
		await this.kv.hdel(HASH, digest);
		this.#cache.delete(digest);
		this.#count = null;
		return true;
	}

	async list(): Promise<ApiKeyRecord[]> {
		const all = await this.kv.hgetall<ApiKeyRecord>(HASH);
		return Object.values(all).sort((a, b) => a.createdAt - b.createdAt);
	}

	/** The key's record, or null for an unknown or revoked key. */
	async verify(key: string): Promise<ApiKeyRecord | null> {
		const digest = hashApiKey(key);
		const now = this.opts.now();
		const hit = this.#cache.get(digest);
		if (hit && hit.until > now) return hit.record;
		const record = await this.kv.hget<ApiKeyRecord>(HASH, digest);
		// Bounded: guessed keys must not grow the cache without limit.
		if (this.#cache.size >= 10_000) this.#cache.clear();
		this.#cache.set(digest, { record, until: now + this.opts.cacheMs });
		return record;
	}

	/** `count()` while its cached value is fresh, else null (then call `count()`): no promise per request. */
	cachedCount(): number | null {
		return this.#count && this.#count.until > this.opts.now() ? this.#count.n : null;
	}

	/** How many keys exist (cached like verify): zero keys and no JWT key = development mode. */
	async count(): Promise<number> {
		const now = this.opts.now();
		if (this.#count && this.#count.until > now) return this.#count.n;
		const n = Object.keys(await this.kv.hgetall(HASH)).length;
		this.#count = { n, until: now + this.opts.cacheMs };
		return n;
	}
}
