/**
 * The audit trail's rows in memory (embedded mode), the TrailRows of lib/events/trail-rows.ts.
 * Per type, the events in (ts, seq) order in chunks of `chunk` rows (up to twice that after an
 * insert in the middle): a time-ordered batch is appended to the last chunk, a batch that falls
 * earlier is inserted as runs (one splice per run, not per row), and trimming drops whole chunks
 * from the front. A row is found by its (ts, seq) with two binary searches, so no map of members
 * is kept: adding an event again finds it in place and keeps it once.
 *
 * The rows held are bounded (`maxRows`, all types together): past it, rows past their retention (of
 * every type, when `add` is told the cutoffs) go first, then the oldest rows of the type holding the
 * most are dropped (policy drop-oldest; `add` answers how many), whatever their retention.
 *
 * A row is a private copy of the event (its values as JSON would give them back), and a read hands
 * out copies of the rows: neither the caller who added an event nor one who read it can change what
 * is stored, without a `JSON.stringify` per row or a parse per read. (Freezing the rows instead
 * cost more per write than the copy on read, and writes are the hot path.)
 */
import type { EventType, PlatformEvent } from "./event-types.ts";
import { unexpired, type ExpiredBefore, type Position, type TrailRows } from "./trail-rows.ts";
import { jsonClone } from "../kv/json-copy.ts";

const PAGE = 1000;
const cmp = (a: Position, b: Position) => a.ts - b.ts || a.seq - b.seq;

/** A copy of an event: its fields in their order, `data` copied as JSON would. */
const copyOf = (e: PlatformEvent): PlatformEvent => ({ v: e.v, id: e.id, seq: e.seq, type: e.type, ts: e.ts, entity: e.entity, severity: e.severity, data: jsonClone(e.data) as PlatformEvent["data"] });

/** Rows of one type: chunks in order, none empty. */
class Series {
	readonly chunks: PlatformEvent[][] = [];
	/** Rows in all chunks. */
	count = 0;

	constructor(readonly size: number) {}

	/** The first place (chunk, index) whose row is not `before`; `before` must hold on a prefix of the rows. */
	seek(before: (r: PlatformEvent) => boolean): [number, number] {
		const cs = this.chunks;
		let lo = 0;
		let hi = cs.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (before(cs[mid][cs[mid].length - 1])) lo = mid + 1;
			else hi = mid;
		}
		if (lo === cs.length) return [lo, 0];
		const c = cs[lo];
		let a = 0;
		let b = c.length - 1; // the chunk's last row is not before
		while (a < b) {
			const mid = (a + b) >>> 1;
			if (before(c[mid])) a = mid + 1;
			else b = mid;
		}
		return [lo, a];
	}

	/** Add rows in strict (ts, seq) order; those already here are skipped. */
	add(rows: PlatformEvent[]): void {
		const cs = this.chunks;
		for (let i = 0; i < rows.length; ) {
			const tail = cs.at(-1);
			const r = rows[i];
			if (!tail || cmp(r, tail[tail.length - 1]) > 0) return this.#append(rows, i);
			const [ci, p] = this.seek(x => cmp(x, r) <= 0);
			const prev = p > 0 ? cs[ci][p - 1] : ci > 0 ? cs[ci - 1].at(-1)! : undefined;
			if (prev && cmp(prev, r) === 0) {
				i++;
				continue;
			}
			// r < the last row, so a next row exists: the run is every row before it.
			const next = cs[ci][p];
			let j = i + 1;
			while (j < rows.length && cmp(rows[j], next) < 0) j++;
			this.#insert(ci, p, rows.slice(i, j));
			i = j;
		}
	}

	#append(rows: PlatformEvent[], from: number): void {
		let i = from;
		this.count += rows.length - from;
		const last = this.chunks.at(-1);
		if (last && last.length < this.size) for (const stop = Math.min(rows.length, i + this.size - last.length); i < stop; i++) last.push(rows[i]);
		for (; i < rows.length; i += this.size) this.chunks.push(rows.slice(i, i + this.size));
	}

	#insert(ci: number, p: number, run: PlatformEvent[]): void {
		const c = this.chunks[ci];
		this.count += run.length;
		if (c.length + run.length <= 2 * this.size) {
			c.splice(p, 0, ...run);
			return;
		}
		const merged = c.slice(0, p).concat(run, c.slice(p));
		const pieces: PlatformEvent[][] = [];
		for (let s = 0; s < merged.length; s += this.size) pieces.push(merged.slice(s, s + this.size));
		this.chunks.splice(ci, 1, ...pieces);
	}

	/** Drop rows with ts < before. */
	trim(before: number): void {
		const [ci, p] = this.seek(r => r.ts < before);
		this.#dropFront(ci, p);
	}

	/** Drop the oldest n rows. */
	dropOldest(n: number): void {
		let ci = 0;
		for (; ci < this.chunks.length && this.chunks[ci].length <= n; ci++) n -= this.chunks[ci].length;
		this.#dropFront(ci, ci < this.chunks.length ? n : 0);
	}

	/** Drop every row before (chunk ci, index p): whole chunks, then the start of the first one left. */
	#dropFront(ci: number, p: number): void {
		const cs = this.chunks;
		for (let k = 0; k < ci; k++) this.count -= cs[k].length;
		if (ci > 0) cs.splice(0, ci);
		if (p > 0) {
			cs[0].splice(0, p);
			this.count -= p;
		}
	}

	/** Up to `count` rows with from ≤ ts ≤ to after `start`, in order. */
	page(from: number, to: number, start: Position | null, count: number): PlatformEvent[] {
		const out: PlatformEvent[] = [];
		const cs = this.chunks;
		let [ci, p] = this.seek(r => r.ts < from || (start !== null && cmp(r, start) <= 0));
		for (; ci < cs.length; ci++, p = 0) {
			const c = cs[ci];
			for (; p < c.length; p++) {
				if (c[p].ts > to || out.length === count) return out;
				out.push(c[p]);
			}
		}
		return out;
	}
}

/** Sorts (when needed) and drops repeats of (ts, seq), in place. */
function ordered(rows: PlatformEvent[]): PlatformEvent[] {
	let i = 1;
	while (i < rows.length && cmp(rows[i - 1], rows[i]) < 0) i++;
	if (i >= rows.length) return rows;
	rows.sort(cmp);
	return rows.filter((r, k) => k === 0 || cmp(rows[k - 1], r) !== 0);
}

export interface MemoryTrailOptions {
	/** Rows held at most, all types together (drop-oldest past it). */
	maxRows: number;
	/** Rows per chunk (small in tests, to exercise the splits). */
	chunk: number;
}

export class MemoryTrailRows implements TrailRows {
	readonly outlivesWriter = false;
	readonly #series = new Map<EventType, Series>();
	readonly opts: MemoryTrailOptions;
	#rows = 0;

	constructor(opts: Partial<MemoryTrailOptions> = {}) {
		this.opts = { maxRows: Infinity, chunk: 1024, ...opts };
	}

	async add(type: EventType, events: readonly PlatformEvent[], expiredBefore?: ExpiredBefore): Promise<number> {
		const live = unexpired(type, events, expiredBefore);
		if (live.length === 0) return 0;
		let s = this.#series.get(type);
		if (!s) this.#series.set(type, (s = new Series(this.opts.chunk)));
		const before = s.count;
		s.add(ordered(live.map(copyOf)));
		this.#rows += s.count - before;
		return this.#bound(expiredBefore);
	}

	/** Past maxRows, drop expired rows of every type, then the oldest rows of the largest type; how many of those. */
	#bound(expiredBefore?: ExpiredBefore): number {
		if (this.#rows > this.opts.maxRows && expiredBefore) for (const t of [...this.#series.keys()]) this.#trim(t, expiredBefore(t));
		let dropped = 0;
		while (this.#rows > this.opts.maxRows) {
			let largest: Series | undefined;
			for (const s of this.#series.values()) if (!largest || s.count > largest.count) largest = s;
			const n = Math.min(this.#rows - this.opts.maxRows, largest!.count);
			largest!.dropOldest(n);
			this.#rows -= n;
			dropped += n;
		}
		return dropped;
	}

	async trim(type: EventType, before: number): Promise<void> {
		this.#trim(type, before);
	}

	#trim(type: EventType, before: number): void {
		const s = this.#series.get(type);
		if (!s) return;
		const held = s.count;
		s.trim(before);
		this.#rows -= held - s.count;
		if (s.count === 0) this.#series.delete(type);
	}

	/** Each page is read in one step after the last row given, so a write between pages cannot make it repeat a row. */
	async *scan(type: EventType, from: number, to: number, start: Position | null): AsyncIterable<readonly PlatformEvent[]> {
		for (let at = start; ; ) {
			const page = this.#series.get(type)?.page(from, to, at, PAGE) ?? [];
			if (page.length > 0) yield page.map(copyOf);
			if (page.length < PAGE) return;
			at = page[page.length - 1];
		}
	}

	/** Rows held: of `type`, or of all types. */
	size(type?: EventType): number {
		return type ? (this.#series.get(type)?.count ?? 0) : this.#rows;
	}
}
