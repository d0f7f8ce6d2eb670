import type { Arena } from "../arena.ts";
import { seriesCount, seriesInit, seriesLane, seriesPushHighLow, type HighLow, seriesSlot, seriesReset, seriesSet, seriesSlots } from "./series.ts";

export interface ExtremeState {
	count: number;
	entries: [number, number][]; // [sequence number, value], front first
}

/**
 * Highest high and lowest low of the last `period` bars, as TA-Lib's MAX/MIN keep them: the bars'
 * highs and lows in a window (`series.ts`, lanes 0 and 1, at w, at least `period` long and
 * possibly shared) plus the sequence numbers of the current extremes. A new value at least as
 * extreme takes over at once; when the extreme leaves the last `period` bars they are rescanned.
 * State at offset o: [period, seq of the highest, seq of the lowest, the highest, the lowest] (the
 * values too, so reading them is one load: a helper that returns a double without being inlined
 * boxes it, and V8 stops inlining in an update that calls many).
 */
export const EXTREMES_SLOTS = 5;

export function extremesInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m.fill(0, o + 1, o + EXTREMES_SLOTS);
}

/**
 * extremesInit at `o`, plus a highs/lows window of its own (`period` long) allocated in `arena`
 * (an IndicatorSet may later move it onto a shared one); returns the window's offset.
 */
export function extremesWithWindow(arena: Arena, o: number, period: number): number {
	extremesInit(arena.f64, o, period);
	const w = arena.alloc(seriesSlots(period, 2));
	seriesInit(arena.f64, w, period, 2);
	return w;
}

/** Bars pushed so far. */
export function extremesCount(m: Float64Array, w: number): number {
	return seriesCount(m, w);
}

/** Whether `period` bars have been pushed. */
export function extremesReady(m: Float64Array, o: number, w: number): boolean {
	return seriesCount(m, w) >= m[o];
}

/**
 * Pushes bar `s`'s high and low into the window at w and updates the extremes; returns whether
 * `period` bars are in (the extremes are those of a full window). One call, not push then ready:
 * a level of calls more in an update was enough for V8 to stop inlining and box (Donchian).
 */
export function extremesPushReady(m: Float64Array, o: number, w: number, s: number, bar: HighLow): boolean {
	seriesPushHighLow(m, w, s, bar);
	extremesUpdate(m, o, w, s, bar);
	return seriesCount(m, w) >= m[o];
}

/** Updates the extremes for bar `s` (already pushed into the window at w); the bar, not two doubles (seriesPushHighLow). */
export function extremesUpdate(m: Float64Array, o: number, w: number, s: number, bar: HighLow): void {
	const high = bar.high;
	const low = bar.low;
	const first = s - (m[o] | 0) + 1; // oldest sequence number in the last n bars
	if (s === 0 || (m[o + 1] | 0) < first) refresh(m, o, w, s, first, 1);
	else if (high >= m[o + 3]) {
		m[o + 1] = s;
		m[o + 3] = high;
	}
	if (s === 0 || (m[o + 2] | 0) < first) refresh(m, o, w, s, first, -1);
	else if (low <= m[o + 4]) {
		m[o + 2] = s;
		m[o + 4] = low;
	}
}

/**
 * The extreme left the window: find the new one (highest high for sign 1, lowest low for −1) and
 * store its bar and value. Apart from the update's common path, and given only integers: the
 * doubles stay in the arena, so nothing is boxed whether or not V8 inlines this call.
 */
function refresh(m: Float64Array, o: number, w: number, s: number, first: number, sign: 1 | -1): void {
	const cap = m[w] | 0;
	const next = m[w + 2] | 0; // the window's count is s + 1
	const base = seriesLane(m, w, sign > 0 ? 0 : 1);
	const q = rescan(m, w, base, s, first < 0 ? 0 : first, sign);
	const k = sign > 0 ? 1 : 2;
	m[o + k] = q;
	m[o + k + 2] = m[base + slotOf(cap, next, s + 1, q)];
}

/** Slot of bar q when `count` bars are in and the next goes to `next` (as seriesSlot, from locals). */
function slotOf(cap: number, next: number, count: number, q: number): number {
	const j = next - ((count - q) | 0);
	return j < 0 ? j + cap : j;
}

export function extremesHighest(m: Float64Array, o: number): number {
	return m[o + 3];
}

export function extremesLowest(m: Float64Array, o: number): number {
	return m[o + 4];
}

/** The highest high the last `period` bars would have if a bar with `high` were pushed, without pushing it. */
export function extremesPeekHighest(m: Float64Array, o: number, w: number, high: number): number {
	return peek(m, o, w, 1, high, 1);
}

export function extremesPeekLowest(m: Float64Array, o: number, w: number, low: number): number {
	return peek(m, o, w, 2, low, -1);
}

function peek(m: Float64Array, o: number, w: number, which: 1 | 2, x: number, sign: 1 | -1): number {
	const n = m[o] | 0;
	const s = seriesCount(m, w);
	if (s === 0 || n === 1) return x;
	const first = s - n + 1;
	const base = seriesLane(m, w, sign > 0 ? 0 : 1);
	const q = m[o + which] < first ? rescan(m, w, base, s - 1, first < 0 ? 0 : first, sign) : m[o + which];
	const best = m[base + seriesSlot(m, w, q)];
	return sign * best >= sign * x ? best : x;
}

/** Sequence number of the most extreme value among bars from..to (the newest wins ties). */
function rescan(m: Float64Array, w: number, base: number, to: number, from: number, sign: 1 | -1): number {
	const cap = m[w] | 0;
	let j = seriesSlot(m, w, to);
	let best = to;
	let v = sign * m[base + j];
	for (let q = to - 1; q >= from; q--) {
		j = j === 0 ? cap - 1 : j - 1;
		const x = sign * m[base + j];
		if (x > v) {
			v = x;
			best = q;
		}
	}
	return best;
}

/**
 * The monotonic-deque form snapshots have always used: the last `period` bars' values that are
 * more extreme than every later one, oldest first.
 */
export function extremesSave(m: Float64Array, o: number, w: number, sign: 1 | -1): ExtremeState {
	const n = m[o] | 0;
	const count = seriesCount(m, w);
	const base = seriesLane(m, w, sign > 0 ? 0 : 1);
	const entries: [number, number][] = [];
	let v = -Infinity;
	for (let q = count - 1; q >= 0 && q > count - 1 - n; q--) {
		const x = m[base + seriesSlot(m, w, q)];
		if (sign * x > v) {
			v = sign * x;
			entries.push([q, x]);
		}
	}
	return { count, entries: entries.reverse() };
}

/** Both sides as snapshots keep them. */
export function extremesSaveBoth(m: Float64Array, o: number, w: number): { high: ExtremeState; low: ExtremeState } {
	return { high: extremesSave(m, o, w, 1), low: extremesSave(m, o, w, -1) };
}

/**
 * Loads both sides into an owned window. Values the deque dropped are each dominated by a later
 * value still in the window, so ±Infinity in their place gives every future window the same extreme.
 */
export function extremesLoad(m: Float64Array, o: number, w: number, high: ExtremeState, low: ExtremeState): void {
	const n = m[o] | 0;
	const count = high.count;
	seriesReset(m, w, count);
	for (const [s, sign] of [
		[high, 1],
		[low, -1],
	] as const) {
		if (s.entries.length > n) throw new RangeError(`window holds ${n} entries, state has ${s.entries.length}`);
		const lane = sign > 0 ? 0 : 1;
		for (let q = Math.max(0, count - n); q < count; q++) seriesSet(m, w, lane, q, -sign * Infinity);
		for (const [q, x] of s.entries) seriesSet(m, w, lane, q, x);
		m[o + (sign > 0 ? 1 : 2)] = s.entries.length > 0 ? s.entries[0][0] : 0;
		m[o + (sign > 0 ? 3 : 4)] = s.entries.length > 0 ? s.entries[0][1] : 0;
	}
}
