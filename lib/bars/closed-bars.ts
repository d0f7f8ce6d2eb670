import type { BuiltBar, Slot } from "./bar-slot.ts";
import type { Timeframe } from "./timeframes.ts";

// One row per bar in a single Float64Array: 96 bytes a bar instead of ~360 as two objects of
// boxed doubles, and one allocation per timeframe rather than two per bar.
const TIME = 0, OPEN = 1, HIGH = 2, LOW = 3, CLOSE = 4, VOLUME = 5, TRADES = 6, VWAP = 7, REVISION = 8, PV = 9, FIRST_TS = 10, LAST_TS = 11;
const STRIDE = 12;
const INITIAL_ROWS = 2;

/**
 * The closed bars of one timeframe, oldest first, at most `maxBars` (the oldest go first). Rows
 * live in `[start, start + length)` of a buffer that grows by half (2, 3, 5, 8, 12, 18, 27, 41, 62, …
 * rows) up to a little over `maxBars` (+6%), so it holds at most a third more rows than bars;
 * dropping the oldest only moves `start`, and the rows are moved back to the front when the end of
 * the buffer is reached.
 */
export class ClosedBars {
	#rows = new Float64Array(INITIAL_ROWS * STRIDE);
	#start = 0;
	#length = 0;

	constructor(readonly timeframe: Timeframe, readonly maxBars: number) {
		if (!Number.isInteger(maxBars) || maxBars < 1) throw new RangeError(`maxBars must be an integer >= 1, got ${maxBars}`);
	}

	get length(): number {
		return this.#length;
	}

	/** Open time of the i-th bar (0 = oldest). */
	timeAt(i: number): number {
		return this.#rows[(this.#start + i) * STRIDE + TIME];
	}

	/** Index of the newest bar whose time is ≤ `time`, or -1. */
	lastAtOrBefore(time: number): number {
		let lo = 0, hi = this.#length - 1, found = -1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (this.timeAt(mid) <= time) {
				found = mid;
				lo = mid + 1;
			} else hi = mid - 1;
		}
		return found;
	}

	/** The i-th bar as a new object (the caller may keep it). */
	bar(i: number): BuiltBar {
		const r = this.#rows, o = (this.#start + i) * STRIDE;
		return { timeframe: this.timeframe, time: r[o + TIME], open: r[o + OPEN], high: r[o + HIGH], low: r[o + LOW], close: r[o + CLOSE], volume: r[o + VOLUME], trades: r[o + TRADES], vwap: r[o + VWAP], revision: r[o + REVISION] };
	}

	slot(i: number): Slot {
		const o = (this.#start + i) * STRIDE;
		return { bar: this.bar(i), pv: this.#rows[o + PV], firstTs: this.#rows[o + FIRST_TS], lastTs: this.#rows[o + LAST_TS] };
	}

	/** Overwrites the i-th row with `s`. */
	set(i: number, s: Slot): void {
		const r = this.#rows, o = (this.#start + i) * STRIDE, b = s.bar;
		r[o + TIME] = b.time;
		r[o + OPEN] = b.open;
		r[o + HIGH] = b.high;
		r[o + LOW] = b.low;
		r[o + CLOSE] = b.close;
		r[o + VOLUME] = b.volume;
		r[o + TRADES] = b.trades;
		r[o + VWAP] = b.vwap;
		r[o + REVISION] = b.revision;
		r[o + PV] = s.pv;
		r[o + FIRST_TS] = s.firstTs;
		r[o + LAST_TS] = s.lastTs;
	}

	/** Inserts `s` before index `i` (i = length appends); drops the oldest beyond `maxBars`. */
	insert(i: number, s: Slot): void {
		this.#reserve();
		const at = (this.#start + i) * STRIDE;
		const end = (this.#start + this.#length) * STRIDE;
		if (at < end) this.#rows.copyWithin(at + STRIDE, at, end);
		this.#length++;
		this.set(i, s);
		if (this.#length > this.maxBars) this.dropOldest();
	}

	push(s: Slot): void {
		this.insert(this.#length, s);
	}

	dropOldest(): void {
		if (this.#length === 0) return;
		this.#start++;
		this.#length--;
	}

	/** Room for one more row at the end: move the rows to the front, or grow (up to `cap`). */
	#reserve(): void {
		const capacity = this.#rows.length / STRIDE;
		if (this.#start + this.#length < capacity) return;
		// Slack past maxBars trades a copy of the rows every `slack` bars for memory held.
		const cap = Math.max(this.maxBars + 1 + Math.max(8, this.maxBars >> 4), INITIAL_ROWS);
		if (this.#length + 1 <= capacity && capacity >= cap) {
			this.#rows.copyWithin(0, this.#start * STRIDE, (this.#start + this.#length) * STRIDE);
		} else {
			const grown = new Float64Array(Math.min(Math.max(Math.ceil(capacity * 1.5), this.#length + 1), cap) * STRIDE);
			grown.set(this.#rows.subarray(this.#start * STRIDE, (this.#start + this.#length) * STRIDE));
			this.#rows = grown;
		}
		this.#start = 0;
	}
}
