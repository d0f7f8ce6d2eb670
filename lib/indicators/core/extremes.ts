export interface ExtremeState {
	count: number;
	entries: [number, number][]; // [sequence number, value], front first
}

/**
 * Highest high and lowest low of the last `period` bars, as TA-Lib's MAX/MIN keep them: the window's
 * highs and lows in two circular arrays plus the sequence numbers of the current extremes. A new
 * value at least as extreme takes over at once; when the extreme leaves the window the window is
 * rescanned (period values). 2·period + 4 numbers, where a monotonic deque would need twice that.
 * State at offset o: [period, count, seq of the highest, seq of the lowest, highs…, lows…].
 */
export function extremesSlots(period: number): number {
	return HEADER + 2 * period;
}

const HEADER = 5; // [period, count, slot the next bar goes to, seq of the highest, seq of the lowest]

export function extremesInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m.fill(0, o + 1, o + HEADER + 2 * period);
}

/** Bars pushed so far. */
export function extremesCount(m: Float64Array, o: number): number {
	return m[o + 1];
}

/** Whether `period` bars have been pushed (the window is full). */
export function extremesReady(m: Float64Array, o: number): boolean {
	return m[o + 1] >= m[o];
}

/** Slot of sequence number q (within the window) when `count` bars are in and the next goes to `next`. */
function slotOf(n: number, count: number, next: number, q: number): number {
	const j = next - (count - q);
	return j < 0 ? j + n : j;
}

export function extremesPush(m: Float64Array, o: number, high: number, low: number): void {
	const n = m[o] | 0;
	const s = m[o + 1];
	const slot = m[o + 2] | 0;
	const hi = o + HEADER;
	const lo = hi + n;
	m[hi + slot] = high;
	m[lo + slot] = low;
	const next = slot + 1 === n ? 0 : slot + 1;
	m[o + 1] = s + 1;
	m[o + 2] = next;
	const first = s - n + 1; // oldest sequence number still in the window
	const hs = m[o + 3];
	if (s === 0 || hs < first) m[o + 3] = rescan(m, hi, n, slot, s, first < 0 ? 0 : first, 1);
	else if (high >= m[hi + slotOf(n, s + 1, next, hs)]) m[o + 3] = s;
	const ls = m[o + 4];
	if (s === 0 || ls < first) m[o + 4] = rescan(m, lo, n, slot, s, first < 0 ? 0 : first, -1);
	else if (low <= m[lo + slotOf(n, s + 1, next, ls)]) m[o + 4] = s;
}

export function extremesHighest(m: Float64Array, o: number): number {
	return m[o + HEADER + slotOf(m[o] | 0, m[o + 1], m[o + 2] | 0, m[o + 3])];
}

export function extremesLowest(m: Float64Array, o: number): number {
	const n = m[o] | 0;
	return m[o + HEADER + n + slotOf(n, m[o + 1], m[o + 2] | 0, m[o + 4])];
}

/** The highest high the window would have if a bar with `high` were pushed, without pushing it. */
export function extremesPeekHighest(m: Float64Array, o: number, high: number): number {
	return peek(m, o, 3, o + HEADER, high, 1);
}

export function extremesPeekLowest(m: Float64Array, o: number, low: number): number {
	return peek(m, o, 4, o + HEADER + (m[o] | 0), low, -1);
}

function peek(m: Float64Array, o: number, which: number, base: number, x: number, sign: 1 | -1): number {
	const n = m[o] | 0;
	const s = m[o + 1];
	if (s === 0 || n === 1) return x;
	const next = m[o + 2] | 0;
	const first = s - n + 1;
	const newest = next === 0 ? n - 1 : next - 1;
	const q = m[o + which] < first ? rescan(m, base, n, newest, s - 1, first < 0 ? 0 : first, sign) : m[o + which];
	const best = m[base + slotOf(n, s, next, q)];
	return sign * best >= sign * x ? best : x;
}

/**
 * Sequence number of the most extreme value among sequence numbers from..to, where `to` sits in
 * slot `at` (the newest wins ties).
 */
function rescan(m: Float64Array, base: number, n: number, at: number, to: number, from: number, sign: 1 | -1): number {
	let best = to;
	let v = sign * m[base + at];
	let j = at;
	for (let q = to - 1; q >= from; q--) {
		j = j === 0 ? n - 1 : j - 1;
		const x = sign * m[base + j];
		if (x > v) {
			v = x;
			best = q;
		}
	}
	return best;
}

/**
 * The monotonic-deque form snapshots have always used: the window's values that are more extreme
 * than every later one, oldest first.
 */
export function extremesSave(m: Float64Array, o: number, sign: 1 | -1): ExtremeState {
	const n = m[o] | 0;
	const count = m[o + 1];
	const next = m[o + 2] | 0;
	const base = o + HEADER + (sign > 0 ? 0 : n);
	const entries: [number, number][] = [];
	let v = -Infinity;
	for (let q = count - 1; q >= 0 && q > count - 1 - n; q--) {
		const x = m[base + slotOf(n, count, next, q)];
		if (sign * x > v) {
			v = sign * x;
			entries.push([q, x]);
		}
	}
	return { count, entries: entries.reverse() };
}

/**
 * Loads both sides. Window values the deque dropped are each dominated by a later value still in
 * the window, so ±Infinity in their place gives every future window the same extreme.
 */
export function extremesLoad(m: Float64Array, o: number, high: ExtremeState, low: ExtremeState): void {
	const n = m[o] | 0;
	const count = high.count;
	const next = count % n;
	m[o + 1] = count;
	m[o + 2] = next;
	for (const [s, sign] of [[high, 1], [low, -1]] as const) {
		if (s.entries.length > n) throw new RangeError(`window holds ${n} entries, state has ${s.entries.length}`);
		const base = o + HEADER + (sign > 0 ? 0 : n);
		m.fill(-sign * Infinity, base, base + n);
		for (const [q, x] of s.entries) m[base + slotOf(n, count, next, q)] = x;
		m[o + (sign > 0 ? 3 : 4)] = s.entries.length > 0 ? s.entries[0][0] : 0;
	}
}
