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
	return 4 + 2 * period;
}

export function extremesInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m[o + 1] = 0;
	m[o + 2] = 0;
	m[o + 3] = 0;
	m.fill(0, o + 4, o + 4 + 2 * period);
}

/** Bars pushed so far. */
export function extremesCount(m: Float64Array, o: number): number {
	return m[o + 1];
}

/** Whether `period` bars have been pushed (the window is full). */
export function extremesReady(m: Float64Array, o: number): boolean {
	return m[o + 1] >= m[o];
}

export function extremesPush(m: Float64Array, o: number, high: number, low: number): void {
	const n = m[o];
	const s = m[o + 1];
	const slot = s % n;
	const hi = o + 4;
	const lo = hi + n;
	m[hi + slot] = high;
	m[lo + slot] = low;
	m[o + 1] = s + 1;
	const first = s - n + 1; // oldest sequence number still in the window
	const hs = m[o + 2];
	if (s === 0 || hs < first) m[o + 2] = rescan(m, hi, n, first < 0 ? 0 : first, s, 1);
	else if (high >= m[hi + (hs % n)]) m[o + 2] = s;
	const ls = m[o + 3];
	if (s === 0 || ls < first) m[o + 3] = rescan(m, lo, n, first < 0 ? 0 : first, s, -1);
	else if (low <= m[lo + (ls % n)]) m[o + 3] = s;
}

export function extremesHighest(m: Float64Array, o: number): number {
	return m[o + 4 + (m[o + 2] % m[o])];
}

export function extremesLowest(m: Float64Array, o: number): number {
	return m[o + 4 + m[o] + (m[o + 3] % m[o])];
}

/** The highest high the window would have if a bar with `high` were pushed, without pushing it. */
export function extremesPeekHighest(m: Float64Array, o: number, high: number): number {
	return peek(m, o, 2, o + 4, high, 1);
}

export function extremesPeekLowest(m: Float64Array, o: number, low: number): number {
	return peek(m, o, 3, o + 4 + m[o], low, -1);
}

function peek(m: Float64Array, o: number, which: number, base: number, x: number, sign: 1 | -1): number {
	const n = m[o];
	const s = m[o + 1];
	if (s === 0) return x;
	const first = s - n + 1;
	const best = m[o + which] < first ? m[base + (rescan(m, base, n, first < 0 ? 0 : first, s - 1, sign) % n)] : m[base + (m[o + which] % n)];
	return sign * best >= sign * x ? best : x;
}

/** Sequence number of the most extreme value among sequence numbers from..to (the newest on ties). */
function rescan(m: Float64Array, base: number, n: number, from: number, to: number, sign: 1 | -1): number {
	let best = to;
	let v = sign * m[base + (to % n)];
	for (let q = to - 1; q >= from; q--) {
		const x = sign * m[base + (q % n)];
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
	const n = m[o];
	const count = m[o + 1];
	const base = o + 4 + (sign > 0 ? 0 : n);
	const entries: [number, number][] = [];
	let v = -Infinity;
	for (let q = count - 1; q >= 0 && q > count - 1 - n; q--) {
		const x = m[base + (q % n)];
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
	const n = m[o];
	for (const [s, sign] of [[high, 1], [low, -1]] as const) {
		if (s.entries.length > n) throw new RangeError(`window holds ${n} entries, state has ${s.entries.length}`);
		const base = o + 4 + (sign > 0 ? 0 : n);
		m.fill(-sign * Infinity, base, base + n);
		for (const [q, x] of s.entries) m[base + (q % n)] = x;
		m[o + (sign > 0 ? 2 : 3)] = s.entries.length > 0 ? s.entries[0][0] : 0;
	}
	m[o + 1] = high.count;
}
