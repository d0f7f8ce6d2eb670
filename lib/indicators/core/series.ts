import type { Arena } from "../arena.ts";

/**
 * The recent values of a bar field (closes; or highs and lows, two lanes) in a circular window at
 * offset w of an arena: [capacity, count, next slot, lane 0 × capacity, lane 1 × capacity]. Bar q
 * (0 = the first bar) sits in slot next − (count − q), wrapped, while it is among the newest
 * `capacity`. Alone, a windowed indicator (SMA, Bollinger, STOCH, WILLR, Donchian) owns one; in an
 * IndicatorSet its members share one per field, sized to the longest need, instead of each keeping
 * a copy. Whoever updates first pushes the bar: `seen` (the bars the caller had before this one)
 * equal to the window's count means nobody has yet.
 */
export const SERIES_HEADER = 3;

/** What the highs/lows window reads of a bar. */
export interface HighLow {
	readonly high: number;
	readonly low: number;
}
const HEADER = SERIES_HEADER;

export function seriesSlots(capacity: number, lanes: 1 | 2): number {
	return (HEADER + lanes * capacity) | 0;
}

export function seriesInit(m: Float64Array, w: number, capacity: number, lanes: 1 | 2): void {
	m[w] = capacity;
	m[w + 1] = 0;
	m[w + 2] = 0;
	m.fill(0, w + HEADER, w + HEADER + lanes * capacity);
}

/** Bars pushed so far. */
export function seriesCount(m: Float64Array, w: number): number {
	return m[w + 1];
}

/** Slot of bar q (within the window). */
export function seriesSlot(m: Float64Array, w: number, q: number): number {
	const j = (m[w + 2] | 0) - ((m[w + 1] - q) | 0);
	return j < 0 ? j + (m[w] | 0) : j;
}

/** Offset of lane `lane`'s values. */
export function seriesLane(m: Float64Array, w: number, lane: 0 | 1): number {
	return w + HEADER + lane * (m[w] | 0);
}

/** The value of bar q in lane 0. */
export function seriesAt(m: Float64Array, w: number, q: number): number {
	return m[w + HEADER + seriesSlot(m, w, q)];
}

/**
 * Slot of the value `k` bars before the newest (0 = the newest; k < capacity). Callers read the
 * value themselves: a helper returning a double that V8 does not inline (its inlining budget runs
 * out in a large update) boxes it, one allocation per call.
 */
export function agoSlot(m: Float64Array, w: number, k: number): number {
	const j = (m[w + 2] | 0) - 1 - k;
	return j < 0 ? j + (m[w] | 0) : j;
}

/** Pushes bar `seen` (one lane) unless a sharer already has. */
export function seriesPush(m: Float64Array, w: number, seen: number, x: number): void {
	if (m[w + 1] !== seen) return;
	const cap = m[w] | 0;
	const j = m[w + 2] | 0;
	m[w + HEADER + j] = x;
	m[w + 1] = seen + 1;
	m[w + 2] = j + 1 === cap ? 0 : j + 1;
}

/**
 * Pushes bar `seen`'s high and low (two lanes) unless a sharer already has. Takes the bar, not two
 * numbers: doubles passed to a call V8 does not inline are boxed (STOCH's update ran out of budget).
 */
export function seriesPushHighLow(m: Float64Array, w: number, seen: number, bar: HighLow): void {
	if (m[w + 1] !== seen) return;
	const cap = m[w] | 0;
	const j = m[w + 2] | 0;
	m[w + HEADER + j] = bar.high;
	m[w + HEADER + cap + j] = bar.low;
	m[w + 1] = seen + 1;
	m[w + 2] = j + 1 === cap ? 0 : j + 1;
}

/** Sets the count (loading a snapshot into an owned window); the values are then written by bar. */
export function seriesReset(m: Float64Array, w: number, count: number): void {
	m[w + 1] = count;
	m[w + 2] = count % m[w];
}

/** Writes the value of bar q in `lane`. */
export function seriesSet(m: Float64Array, w: number, lane: 0 | 1, q: number, x: number): void {
	m[seriesLane(m, w, lane) + seriesSlot(m, w, q)] = x;
}

/**
 * Moves a window at `fw` of `from` into `arena`: into the arena's shared window of the same field
 * when that is long enough and at the same bar (or still empty), copying the newest `depth` bars
 * (what the mover's own state relies on); else as a copy of its own. Returns the new offset.
 */
export function seriesMove(from: Float64Array, fw: number, arena: Arena, lanes: 1 | 2, depth: number): number {
	const shared = lanes === 1 ? arena.closes : arena.ranges;
	const count = from[fw + 1];
	if (shared >= 0) {
		const m = arena.f64;
		const fresh = Number.isNaN(m[shared + 1]);
		if (m[shared] >= from[fw] && (fresh || m[shared + 1] === count)) {
			if (fresh) seriesReset(m, shared, count);
			for (let q = Math.max(0, count - depth); q < count; q++) {
				for (let lane = 0 as 0 | 1; lane < lanes; lane++) seriesSet(m, shared, lane, q, from[seriesLane(from, fw, lane) + seriesSlot(from, fw, q)]);
			}
			return shared;
		}
	}
	const slots = seriesSlots(from[fw], lanes);
	const w = arena.alloc(slots);
	arena.f64.set(from.subarray(fw, fw + slots), w);
	return w;
}

/**
 * TA-Lib's INT_SMA over the closes window (add the new value, divide, then subtract the value
 * leaving), state at o: [sum of the previous period−1 values]. Call after pushing bar `seen`;
 * `period` ≥ 2. Returns NaN in warm-up.
 */
export function meanPush(m: Float64Array, o: number, w: number, period: number, seen: number, x: number): number {
	if (seen < period - 1) {
		m[o] += x;
		return NaN;
	}
	const total = m[o] + x;
	m[o] = total - m[w + HEADER + agoSlot(m, w, period - 1)]; // bar seen − period + 1: bar `seen` is the newest
	return total / period;
}

export function meanPeek(m: Float64Array, o: number, period: number, seen: number, x: number): number {
	return seen < period - 1 ? NaN : (m[o] + x) / period;
}

/** The newest period−1 closes, oldest first (the snapshot's window). */
export function meanWindow(m: Float64Array, w: number, period: number): number[] {
	const count = m[w + 1];
	const out: number[] = [];
	for (let q = Math.max(0, count - (period - 1)); q < count; q++) out.push(seriesAt(m, w, q));
	return out;
}

/** Loads a snapshot's window (the newest closes before bar `count`) into an owned window. */
export function meanLoadWindow(m: Float64Array, w: number, count: number, window: readonly number[]): void {
	if (window.length > Math.min(count, m[w])) throw new RangeError(`window holds ${Math.min(count, m[w])} values, state has ${window.length}`);
	seriesReset(m, w, count);
	window.forEach((x, i) => seriesSet(m, w, 0, count - window.length + i, x));
}
