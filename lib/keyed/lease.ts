/**
 * The one fenced lease API (one implementation per backend: MemoryLeases here, RedisLeases in
 * lib/redis/redis-leases.ts). A lease makes one holder the single live owner of a key for `ttlMs`
 * unless renewed. Every acquisition starts a new epoch; the token `<holder>:<epoch>` is the fencing
 * token: a store write carrying an old token is refused (lib/store), so a node that lost its lease
 * (paused, partitioned, killed and restarted) can never overwrite its successor's work.
 *
 * - `acquire(key, holder, ttlMs)`: free (or already `holder`'s) → a new epoch and token; else who
 *   holds it and for how long.
 * - `renew(key, token, ttlMs)`: extend while the lease is still `token`; false once lost.
 * - `release(key, token)`: give it up (handoff) while it is still `token`.
 * - `get(key)`: the current lease, or null.
 *
 * The symbol Store (`store.leases`, key = symbol, same Redis hash slot as the symbol's log so the
 * fence is checked atomically with the write) and the KV (`kv.leases`, any key) both expose it.
 */

/** `token` = `<holder>:<epoch>`, the fencing token of the new owner's writes. */
export type LeaseResult = { type: "acquired"; token: string; epoch: number } | { type: "held"; holder: string; ttlMs: number };

export interface LeaseInfo {
	token: string;
	holder: string;
	epoch: number;
	ttlMs: number;
}

/** `node-a:17` → { holder: "node-a", epoch: 17 }. */
export function parseLeaseToken(token: string): { holder: string; epoch: number } {
	const i = token.lastIndexOf(":");
	return { holder: token.slice(0, i), epoch: Number(token.slice(i + 1)) };
}

export interface Leases {
	acquire(key: string, holder: string, ttlMs: number): Promise<LeaseResult>;
	renew(key: string, token: string, ttlMs: number): Promise<boolean>;
	release(key: string, token: string): Promise<boolean>;
	get(key: string): Promise<LeaseInfo | null>;
}

/** How long a KV lease's epoch outlives its last acquisition (symbol leases keep theirs forever). */
export const kvEpochKeepMs = (ttlMs: number) => Math.max(10 * ttlMs, 60_000);

/**
 * In-process leases (embedded mode, tests), on an injected clock. Epochs are kept per key as
 * Redis keeps its epoch counter: forever, or with `epochKeepMs` that long past the last acquisition.
 */
export class MemoryLeases implements Leases {
	readonly #held = new Map<string, { token: string; expiresAt: number }>();
	readonly #epochs = new Map<string, { epoch: number; keepUntil: number }>();
	#acquisitions = 0;

	constructor(
		readonly now: () => number,
		readonly epochKeepMs?: (ttlMs: number) => number,
	) {}

	/** The live token of `key`, or null (synchronous: a memory store checks its fence with it). */
	current(key: string): string | null {
		const l = this.#held.get(key);
		if (l && l.expiresAt <= this.now()) this.#held.delete(key);
		return this.#held.get(key)?.token ?? null;
	}

	async acquire(key: string, holder: string, ttlMs: number): Promise<LeaseResult> {
		const cur = this.current(key);
		if (cur !== null && parseLeaseToken(cur).holder !== holder) {
			return { type: "held", holder: parseLeaseToken(cur).holder, ttlMs: this.#held.get(key)!.expiresAt - this.now() };
		}
		const last = this.#epochs.get(key);
		const epoch = (last && last.keepUntil > this.now() ? last.epoch : 0) + 1;
		this.#epochs.set(key, { epoch, keepUntil: this.epochKeepMs ? this.now() + this.epochKeepMs(ttlMs) : Infinity });
		// Now and then, forget the epochs kept past their time (keys leased once, like delivery claims).
		if (this.epochKeepMs && ++this.#acquisitions % 1024 === 0) {
			const now = this.now();
			for (const [k, e] of this.#epochs) if (e.keepUntil <= now && !this.#held.has(k)) this.#epochs.delete(k);
		}
		const token = `${holder}:${epoch}`;
		this.#held.set(key, { token, expiresAt: this.now() + ttlMs });
		return { type: "acquired", token, epoch };
	}

	async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
		if (this.current(key) !== token) return false;
		this.#held.get(key)!.expiresAt = this.now() + ttlMs;
		return true;
	}

	async release(key: string, token: string): Promise<boolean> {
		if (this.current(key) !== token) return false;
		this.#held.delete(key);
		return true;
	}

	async get(key: string): Promise<LeaseInfo | null> {
		const token = this.current(key);
		return token === null ? null : { token, ...parseLeaseToken(token), ttlMs: this.#held.get(key)!.expiresAt - this.now() };
	}
}

/** Shared by every lease a node holds through one owner (one object, not one per key). */
export interface HeldLeaseOptions {
	leases: Leases;
	holder: string;
	ttlMs: number;
	/** How long acquisition waits for another holder's lease to be released or to lapse. */
	waitMs: number;
	now: () => number;
	/** Builds the error thrown when the wait is over (the caller's retryable error). */
	held: (key: string, holder: string, ttlMs: number) => Error;
}

/**
 * A lease this node holds on one key: taken by `HeldLease.take` (waiting up to `waitMs` for the
 * previous owner's lease to be released or to lapse), renewed, released. `token` is null once the
 * lease is lost or released: writes must then stop.
 */
export class HeldLease {
	token: string | null = null;
	/** When the lease was last taken or extended (opts.now). */
	at = 0;

	private constructor(
		readonly key: string,
		readonly opts: HeldLeaseOptions,
	) {}

	static async take(key: string, opts: HeldLeaseOptions): Promise<HeldLease> {
		const lease = new HeldLease(key, opts);
		const until = opts.now() + opts.waitMs;
		for (;;) {
			const r = await opts.leases.acquire(key, opts.holder, opts.ttlMs);
			if (r.type === "acquired") {
				lease.token = r.token;
				lease.at = opts.now();
				return lease;
			}
			const wait = Math.min(r.ttlMs, until - opts.now(), 250);
			if (wait <= 0) throw opts.held(key, r.holder, r.ttlMs);
			await new Promise(resolve => setTimeout(resolve, Math.max(wait, 10)));
		}
	}

	get epoch(): number | null {
		return this.token === null ? null : parseLeaseToken(this.token).epoch;
	}

	/** Whether a third of the lease has passed since it was last extended. */
	get due(): boolean {
		return this.token !== null && this.opts.now() - this.at >= this.opts.ttlMs / 3;
	}

	/**
	 * Extend the lease. False (and no more writes) only when it was lost to another owner; a lease
	 * given up by `release` (a handoff, possibly while this renewal was in flight) is not lost.
	 */
	async renew(): Promise<boolean> {
		const token = this.token;
		if (!token) return true;
		const at = this.opts.now();
		if (await this.opts.leases.renew(this.key, token, this.opts.ttlMs)) {
			this.at = at;
			return true;
		}
		if (this.token !== token) return true; // released meanwhile
		this.token = null;
		return false;
	}

	/** Give the lease up, for the next owner. */
	async release(): Promise<void> {
		const token = this.token;
		this.token = null;
		if (token) await this.opts.leases.release(this.key, token);
	}
}
