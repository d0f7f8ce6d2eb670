import type { BuiltBar, Slot, Trade } from "./bar-slot.ts";
import type { Timeframe } from "./timeframes.ts";

// One row per bar in a single array of doubles: 72 bytes a bar instead of ~360 as two objects of
// boxed doubles, and one allocation per timeframe rather than two per bar. A plain array (its
// doubles unboxed) rather than a Float64Array, whose headers and backing store cost ~140 bytes more.
const TIME = 0,
	OPEN = 1,
	HIGH = 2,
	LOW = 3,
	CLOSE = 4,
	VOLUME = 5,
	TRADES = 6,
	VWAP = 7,
	REVISION = 8;
const STRIDE = 9;
// What amending a bar needs besides the bar (Σ price·size, times of the open and close trades),
// kept only while the bar can still be amended: a plain array of doubles, 3 numbers a live row.
const PV = 0,
	FIRST_TS = 1,
	LAST_TS = 2;
const EXTRA = 3;
const INITIAL_ROWS = 2;

/** A bar that can no longer be amended, as snapshots keep it (no amendment bookkeeping). */
export interface FinalSlot {
	bar: BuiltBar;
}

/**
 * The closed bars of one timeframe, oldest first, at most `maxBars` (the oldest go first), and the
 * forming bar after them. Rows live in `[start, start + rows)` of a buffer that grows by half (2, 3,
 * 5, 8, 12, 18, 27, 41, 62, … rows) up to a little over `maxBars` (+6%), so it holds at most a third
 * more rows than bars; dropping the oldest only moves `start`, and the rows are moved back to the
 * front when the end of the buffer is reached. Closing the forming bar only counts it as closed.
 *
 * Rows from `final` on are *live*: they may still be amended (the forming bar always is), and the
 * amendment bookkeeping (`Slot.pv/firstTs/lastTs`) is kept for them alone. `settle` makes the
 * oldest live rows final as the late tolerance passes them.
 */
export class ClosedBars {
	#rows: number[] = zeros(INITIAL_ROWS * STRIDE);
	#start = 0;
	#length = 0;
	#forming = false;
	/** Rows before this index are final (no bookkeeping); the rest are live. */
	#final = 0;
	/** Bookkeeping of the live rows, EXTRA numbers each, forming bar included. */
	#live: number[] = zeros(0);

	constructor(
		readonly timeframe: Timeframe,
		readonly maxBars: number,
	) {
		if (!Number.isInteger(maxBars) || maxBars < 1) throw new RangeError(`maxBars must be an integer >= 1, got ${maxBars}`);
	}

	/** Closed bars held. */
	get length(): number {
		return this.#length;
	}

	/** Whether a forming bar is held (at index `length`). */
	get hasForming(): boolean {
		return this.#forming;
	}

	/** Index of the oldest live row (rows before it can no longer be amended). */
	get final(): number {
		return this.#final;
	}

	/** Open time of the i-th bar (0 = oldest; `length` = the forming bar). */
	timeAt(i: number): number {
		return this.#rows[(this.#start + i) * STRIDE + TIME];
	}

	// The per-trade questions answer in booleans: a time returned from a call V8 does not inline is
	// a new heap number (times are past the small integers), ~6-12 of them a replayed tick.

	/** Whether the forming bar opened at `time`. */
	isForming(time: number): boolean {
		return this.#forming && this.#rows[(this.#start + this.#length) * STRIDE + TIME] === time;
	}

	/** Whether the newest bar held (the forming one, else the newest closed) opened at or after `time`. */
	newestAtOrAfter(time: number): boolean {
		const i = this.#forming ? this.#length : this.#length - 1;
		return i >= 0 && time <= this.#rows[(this.#start + i) * STRIDE + TIME];
	}

	/** Index of the newest closed bar whose time is ≤ `time`, or -1. */
	lastAtOrBefore(time: number): number {
		let lo = 0,
			hi = this.#length - 1,
			found = -1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			if (this.timeAt(mid) <= time) {
				found = mid;
				lo = mid + 1;
			} else hi = mid - 1;
		}
		return found;
	}

	/** The i-th bar as a new object (the caller may keep it); i = `length` is the forming bar. */
	bar(i: number): BuiltBar {
		const r = this.#rows,
			o = (this.#start + i) * STRIDE;
		return { timeframe: this.timeframe, time: r[o + TIME], open: r[o + OPEN], high: r[o + HIGH], low: r[o + LOW], close: r[o + CLOSE], volume: r[o + VOLUME], trades: r[o + TRADES], vwap: r[o + VWAP], revision: r[o + REVISION] };
	}

	/** The i-th bar with its bookkeeping when live, else the bar alone. */
	slot(i: number): Slot | FinalSlot {
		if (i < this.#final) return { bar: this.bar(i) };
		const e = (i - this.#final) * EXTRA,
			x = this.#live;
		return { bar: this.bar(i), pv: x[e + PV], firstTs: x[e + FIRST_TS], lastTs: x[e + LAST_TS] };
	}

	/** Overwrites the i-th row (a live one) with `s`. */
	set(i: number, s: Slot): void {
		if (i < this.#final) throw new RangeError(`bar ${i} is final`);
		this.#write(i, s.bar);
		const e = (i - this.#final) * EXTRA,
			x = this.#live;
		x[e + PV] = s.pv;
		x[e + FIRST_TS] = s.firstTs;
		x[e + LAST_TS] = s.lastTs;
	}

	/**
	 * Inserts the closed bar `s` before index `i` (i = length appends, before the forming bar) and
	 * drops the oldest beyond `maxBars`. A slot without bookkeeping is final: it may only go before
	 * every live row (as a snapshot is restored, oldest first).
	 */
	insert(i: number, s: Slot | FinalSlot): void {
		const live = "pv" in s;
		if (live ? i < this.#final : i > this.#final) throw new RangeError(`a ${live ? "live" : "final"} bar cannot go at ${i}`);
		this.#reserve();
		const at = (this.#start + i) * STRIDE;
		const end = (this.#start + this.#length + (this.#forming ? 1 : 0)) * STRIDE;
		if (at < end) this.#rows.copyWithin(at + STRIDE, at, end);
		this.#length++;
		if (live) {
			const e = (i - this.#final) * EXTRA;
			this.#live = resized(this.#live, e, 0, EXTRA);
			this.set(i, s);
		} else {
			this.#final++;
			this.#write(i, s.bar);
		}
		if (this.#length > this.maxBars) this.dropOldest();
	}

	push(s: Slot | FinalSlot): void {
		this.insert(this.#length, s);
	}

	dropOldest(): void {
		if (this.#length === 0) return;
		if (this.#final > 0) this.#final--;
		else this.#live = resized(this.#live, 0, EXTRA, 0);
		this.#start++;
		this.#length--;
	}

	/** Starts the forming bar at `time` with its first trade (there must be none). */
	open(time: number, t: Trade): void {
		if (this.#forming) throw new RangeError("a forming bar is already held");
		this.#reserve();
		const r = this.#rows,
			o = (this.#start + this.#length) * STRIDE;
		r[o + TIME] = time;
		r[o + OPEN] = r[o + HIGH] = r[o + LOW] = r[o + CLOSE] = t.price;
		r[o + VOLUME] = t.size;
		r[o + TRADES] = 1;
		r[o + VWAP] = t.price;
		r[o + REVISION] = 0;
		const x = (this.#live = resized(this.#live, this.#live.length, 0, EXTRA));
		const e = x.length - EXTRA;
		x[e + PV] = t.price * t.size;
		x[e + FIRST_TS] = t.ts;
		x[e + LAST_TS] = t.ts;
		this.#forming = true;
	}

	/** Restores the forming bar (there must be none). */
	setForming(s: Slot): void {
		this.open(s.bar.time, { ts: s.firstTs, price: s.bar.open, size: s.bar.volume });
		this.set(this.#length, s);
	}

	/** The forming bar becomes the newest closed bar (the oldest beyond `maxBars` is dropped). */
	closeForming(): void {
		if (!this.#forming) return;
		this.#forming = false;
		this.#length++;
		if (this.#length > this.maxBars) this.dropOldest();
	}

	/**
	 * Adds a trade to the i-th bar (a live one). Open/close follow trade time, not arrival order, so
	 * late trades are placed right.
	 */
	apply(i: number, t: Trade): void {
		const r = this.#rows,
			o = (this.#start + i) * STRIDE;
		const x = this.#live,
			e = (i - this.#final) * EXTRA;
		if (t.price > r[o + HIGH]) r[o + HIGH] = t.price;
		if (t.price < r[o + LOW]) r[o + LOW] = t.price;
		if (t.ts < x[e + FIRST_TS]) {
			x[e + FIRST_TS] = t.ts;
			r[o + OPEN] = t.price;
		}
		if (t.ts >= x[e + LAST_TS]) {
			x[e + LAST_TS] = t.ts;
			r[o + CLOSE] = t.price;
		}
		const volume = (r[o + VOLUME] += t.size);
		r[o + TRADES]++;
		const pv = (x[e + PV] += t.price * t.size);
		// With only zero-size prints the volume-weighted price is undefined; the last price stands in.
		r[o + VWAP] = volume > 0 ? pv / volume : r[o + CLOSE];
	}

	/** Counts an amendment of the i-th bar. */
	bumpRevision(i: number): void {
		this.#rows[(this.#start + i) * STRIDE + REVISION]++;
	}

	/** Closed bars that opened at or before `time` become final: their bookkeeping is dropped. */
	settle(time: number): void {
		let k = 0;
		const r = this.#rows;
		while (this.#final + k < this.#length && r[(this.#start + this.#final + k) * STRIDE + TIME] <= time) k++;
		if (k === 0) return;
		this.#final += k;
		this.#live = resized(this.#live, 0, k * EXTRA, 0);
	}

	#write(i: number, b: BuiltBar): void {
		const r = this.#rows,
			o = (this.#start + i) * STRIDE;
		r[o + TIME] = b.time;
		r[o + OPEN] = b.open;
		r[o + HIGH] = b.high;
		r[o + LOW] = b.low;
		r[o + CLOSE] = b.close;
		r[o + VOLUME] = b.volume;
		r[o + TRADES] = b.trades;
		r[o + VWAP] = b.vwap;
		r[o + REVISION] = b.revision;
	}

	/** Room for one more row at the end: move the rows to the front, or grow (up to `cap`). */
	#reserve(): void {
		const capacity = this.#rows.length / STRIDE;
		const held = this.#length + (this.#forming ? 1 : 0);
		if (this.#start + held < capacity) return;
		// Slack past maxBars (+1 transiently, +1 forming) trades a copy of the rows every `slack`
		// bars for memory held.
		const cap = Math.max(this.maxBars + 2 + Math.max(8, this.maxBars >> 4), INITIAL_ROWS);
		if (held + 1 <= capacity && capacity >= cap) {
			this.#rows.copyWithin(0, this.#start * STRIDE, (this.#start + held) * STRIDE);
		} else {
			const grown = zeros(Math.min(Math.max(Math.ceil(capacity * 1.5), held + 1), cap) * STRIDE);
			const from = this.#start * STRIDE,
				n = held * STRIDE,
				rows = this.#rows;
			for (let k = 0; k < n; k++) grown[k] = rows[from + k];
			this.#rows = grown;
		}
		this.#start = 0;
	}
}

/**
 * A copy of `a` with `remove` numbers taken out at `at` and `add` zeros put in there, exactly as
 * long as needed and of unboxed doubles (a spread or slice may give boxed ones: 16 bytes each more).
 */
function resized(a: number[], at: number, remove: number, add: number): number[] {
	const out = zeros(a.length - remove + add);
	for (let k = 0; k < at; k++) out[k] = a[k];
	for (let k = at + remove; k < a.length; k++) out[k - remove + add] = a[k];
	return out;
}

/** An array of n zeros holding exactly n elements. */
function zeros(n: number): number[] {
	return new Array<number>(n).fill(0);
}
