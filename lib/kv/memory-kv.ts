/**
 * In-process KV for embedded mode and tests. Values are kept as copies of their own, as the JSON
 * round trip through Redis would give them back (lib/kv/json-copy.ts), so a caller never mutates
 * stored state through a shared reference (stream values it hands over, AppendOptions, are kept
 * as they are and read back as copies); TTLs use the injected clock.
 */
import { KvStore, type KvOptions, type KvScored, type KvStreamEntry } from "./kv-store.ts";
import { MemoryLeases, kvEpochKeepMs } from "../keyed/lease.ts";
import { isNoText, keep, keeper, load, type AppendOptions, type Kept } from "./json-copy.ts";

/**
 * Redis's sorted-set order: by score, then by member byte-wise (UTF-8). JavaScript's `<` compares
 * UTF-16 units, which agrees unless one member has a character in U+E000–U+FFFF where the other
 * has one past U+FFFF; every member Rookery writes is ASCII.
 */
const before = (a: KvScored, b: KvScored) => a.score < b.score || (a.score === b.score && a.member < b.member);

/** A sorted set: members in order, and each member's score to find it. */
interface SortedSet {
	items: KvScored[];
	scores: Map<string, number>;
}

/** First index whose item is not before `x` (binary search). */
function lowerBound(items: KvScored[], x: KvScored): number {
	let lo = 0;
	let hi = items.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (before(items[mid], x)) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** A stream entry's id from its two numbers, as Redis writes it. */
const streamId = (ms: number, n: number) => `${ms}-${n}`;

interface Stream {
	/**
	 * Each entry's id, `<ms>-<n>` as Redis makes them, kept as its two numbers: the string is made
	 * when read. Kept as strings, each stored vendor message held one more object (its id) for as
	 * long as the capped stream held it.
	 */
	ms: number[];
	n: number[];
	values: Kept[];
	lastMs: number;
	lastN: number;
}

/** Values the expiry sweep looks at per TTL write (Redis's active expiry samples 20 keys a loop). */
export const SWEEP_STEP = 20;

export class MemoryKv extends KvStore {
	readonly kind = "memory" as const;
	#values = new Map<string, { kept: Kept; expiresAt: number }>();
	/** Where the expiry sweep goes on (insertion order; restarted when it runs out). */
	#sweepAt: Iterator<[string, { kept: Kept; expiresAt: number }]> | null = null;
	/** Values the last sweep step looked at (tests: the work one write does). */
	lastSweepChecked = 0;
	#hashes = new Map<string, Map<string, Kept>>();
	#streams = new Map<string, Stream>();
	#zsets = new Map<string, SortedSet>();
	readonly leases = new MemoryLeases(() => this.opts.now(), kvEpochKeepMs);

	constructor(opts: Partial<KvOptions> = {}) {
		super(opts);
	}

	async connect(): Promise<void> {}
	async close(): Promise<void> {}
	async ping(): Promise<number> {
		return 0;
	}

	/** The key's kept value; undefined when absent or expired (a kept value is never undefined). */
	#live(key: string): Kept | undefined {
		const v = this.#values.get(key);
		if (!v) return undefined;
		if (v.expiresAt <= this.opts.now()) {
			this.#values.delete(key);
			return undefined;
		}
		return v.kept;
	}

	async get<T>(key: string): Promise<T | null> {
		const kept = this.#live(key);
		return kept === undefined ? null : load<T>(kept);
	}

	async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
		this.#values.set(key, { kept: keep(value), expiresAt: ttlMs === undefined ? Infinity : this.opts.now() + ttlMs });
		if (ttlMs !== undefined) this.#sweep();
	}

	/**
	 * Drop expired values a few at a time, as Redis's active expiry does: a key written once with a
	 * TTL and never read again (an idempotency claim) would otherwise stay. Each TTL write looks at
	 * the next SWEEP_STEP values in the map (a cursor that starts over when it runs out), so no write
	 * does more than that, and as each adds at most one value, every expired one is reached.
	 */
	#sweep(): void {
		const now = this.opts.now();
		let checked = 0;
		for (let restarted = false; checked < SWEEP_STEP; ) {
			this.#sweepAt ??= this.#values.entries();
			const next = this.#sweepAt.next();
			if (next.done) {
				this.#sweepAt = null;
				if (restarted) break; // the whole map looked at within this step
				restarted = true;
				continue;
			}
			checked++;
			const [key, v] = next.value;
			if (v.expiresAt <= now) this.#values.delete(key);
		}
		this.lastSweepChecked = checked;
	}

	/** Values held, expired ones not swept yet included (tests). */
	get valueCount(): number {
		return this.#values.size;
	}

	async del(key: string): Promise<boolean> {
		const existed = this.#live(key) !== undefined || this.#hashes.has(key) || this.#streams.has(key) || this.#zsets.has(key);
		this.#zsets.delete(key);
		this.#values.delete(key);
		this.#hashes.delete(key);
		this.#streams.delete(key);
		return existed;
	}

	async hget<T>(key: string, field: string): Promise<T | null> {
		const kept = this.#hashes.get(key)?.get(field);
		return kept === undefined ? null : load<T>(kept);
	}

	async hgetall<T>(key: string): Promise<Record<string, T>> {
		const out: Record<string, T> = {};
		for (const [f, kept] of this.#hashes.get(key) ?? []) out[f] = load<T>(kept);
		return out;
	}

	async hset(key: string, field: string, value: unknown): Promise<void> {
		let h = this.#hashes.get(key);
		if (!h) this.#hashes.set(key, (h = new Map()));
		h.set(field, keep(value));
	}

	async hsetMax(key: string, field: string, value: number): Promise<void> {
		// Read and write in one synchronous step, as the script does on Redis: two calls cannot interleave.
		let h = this.#hashes.get(key);
		if (!h) this.#hashes.set(key, (h = new Map()));
		const kept = h.get(field);
		const cur = kept === undefined || isNoText(kept) ? undefined : load<unknown>(kept);
		if (typeof cur !== "number" || cur < value) h.set(field, keep(value));
	}

	async hdel(key: string, field: string): Promise<boolean> {
		const h = this.#hashes.get(key);
		const existed = h?.delete(field) ?? false;
		// Redis removes a hash whose last field is deleted.
		if (h && h.size === 0) this.#hashes.delete(key);
		return existed;
	}

	async streamAppend(key: string, value: unknown, maxLen: number): Promise<string> {
		return this.#append(key, [value], maxLen)[0];
	}

	async streamAppendMany(key: string, values: readonly unknown[], maxLen: number, opts?: AppendOptions): Promise<string[]> {
		return this.#append(key, values, maxLen, keeper(opts));
	}

	#append(key: string, values: readonly unknown[], maxLen: number, kept: (value: unknown) => Kept = keep): string[] {
		let s = this.#streams.get(key);
		if (!s) this.#streams.set(key, (s = { ms: [], n: [], values: [], lastMs: 0, lastN: -1 }));
		// All or nothing, as Redis's MULTI (RedisKv stringifies every value before it sends any): a
		// value that cannot be kept throws before anything is appended.
		const keptValues = values.map(kept);
		const ids: string[] = [];
		for (const v of keptValues) {
			// Redis ids: <ms>-<n>, strictly increasing even when the clock stands still or goes back.
			const ms = Math.max(this.opts.now(), s.lastMs);
			s.lastN = ms === s.lastMs ? s.lastN + 1 : 0;
			s.lastMs = ms;
			s.ms.push(ms);
			s.n.push(s.lastN);
			s.values.push(v);
			ids.push(streamId(ms, s.lastN));
		}
		// Like `MAXLEN ~`: trim in steps, never below maxLen.
		const excess = s.values.length - maxLen;
		if (excess > Math.max(10, maxLen / 10)) {
			s.ms.splice(0, excess);
			s.n.splice(0, excess);
			s.values.splice(0, excess);
		}
		return ids;
	}

	async streamTail<T>(key: string, count: number): Promise<KvStreamEntry<T>[]> {
		const s = this.#streams.get(key);
		if (!s || count <= 0) return [];
		const out: KvStreamEntry<T>[] = [];
		for (let i = Math.max(0, s.values.length - count); i < s.values.length; i++) out.push({ id: streamId(s.ms[i], s.n[i]), value: load<T>(s.values[i]) });
		return out;
	}

	async incrBy(key: string, by: number): Promise<number> {
		const cur = (await this.get<number>(key)) ?? 0;
		const next = cur + by;
		// Like INCRBY, the key's TTL (if any) is kept.
		const v = this.#values.get(key);
		this.#values.set(key, { kept: keep(next), expiresAt: v && this.#live(key) !== undefined ? v.expiresAt : Infinity });
		return next;
	}

	async setIfAbsent<T>(key: string, value: unknown, ttlMs?: number): Promise<T | null> {
		const existing = this.#live(key);
		if (existing !== undefined) return load<T>(existing);
		await this.set(key, value, ttlMs);
		return null;
	}

	async zadd(key: string, entries: readonly KvScored[]): Promise<void> {
		let z = this.#zsets.get(key);
		if (!z) this.#zsets.set(key, (z = { items: [], scores: new Map() }));
		const rows = new Map<string, number>();
		for (const { score, member } of entries) rows.set(member, score); // the last score of a member repeated in the call wins
		const added: KvScored[] = [];
		for (const [member, score] of rows) {
			const old = z.scores.get(member);
			if (old === score) continue; // already there: nothing moves
			if (old !== undefined) z.items.splice(lowerBound(z.items, { score: old, member }), 1);
			z.scores.set(member, score);
			added.push({ score, member });
		}
		added.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
		// One merge with the tail the new rows fall into: time-ordered writes (the usual case) append;
		// concurrent batches that overlap in time merge a short tail, not one splice per row.
		const from = added.length === 0 ? z.items.length : lowerBound(z.items, added[0]);
		if (from === z.items.length) {
			for (const e of added) z.items.push(e);
			return;
		}
		const tail = z.items.splice(from);
		let i = 0;
		let j = 0;
		while (i < tail.length || j < added.length) z.items.push(j >= added.length || (i < tail.length && before(tail[i], added[j])) ? tail[i++] : added[j++]);
	}

	async zrangeByScore(key: string, min: number, max: number, count: number, after?: KvScored): Promise<KvScored[]> {
		const z = this.#zsets.get(key);
		if (!z || count <= 0) return [];
		let from = lowerBound(z.items, { score: min, member: "" });
		if (after) {
			let past = lowerBound(z.items, after);
			if (past < z.items.length && !before(after, z.items[past])) past++; // `after` is a member: skip it
			from = Math.max(from, past);
		}
		const out: KvScored[] = [];
		for (let i = from; i < z.items.length && out.length < count; i++) {
			if (z.items[i].score > max) break;
			out.push({ ...z.items[i] });
		}
		return out;
	}

	async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
		const z = this.#zsets.get(key);
		if (!z) return 0;
		const from = lowerBound(z.items, { score: min, member: "" });
		let to = from;
		while (to < z.items.length && z.items[to].score <= max) to++;
		for (const e of z.items.splice(from, to - from)) z.scores.delete(e.member);
		if (z.items.length === 0) this.#zsets.delete(key);
		return to - from;
	}

	async zrem(key: string, members: readonly string[]): Promise<number> {
		const z = this.#zsets.get(key);
		if (!z) return 0;
		let n = 0;
		for (const member of members) {
			const score = z.scores.get(member);
			if (score === undefined) continue;
			z.items.splice(lowerBound(z.items, { score, member }), 1);
			z.scores.delete(member);
			n++;
		}
		if (z.items.length === 0) this.#zsets.delete(key);
		return n;
	}

	async zcard(key: string): Promise<number> {
		return this.#zsets.get(key)?.items.length ?? 0;
	}

	async zaddCapped(key: string, entry: KvScored, cap: number): Promise<boolean> {
		const z = this.#zsets.get(key);
		if (!z?.scores.has(entry.member) && (z?.items.length ?? 0) >= cap) return false;
		await this.zadd(key, [entry]); // no await before this point: check and add are one step
		return true;
	}
}
