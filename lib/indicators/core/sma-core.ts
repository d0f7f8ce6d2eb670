export interface SmaState {
	sum: number;
	window: number[];
}

/**
 * Running mean over a fixed window in TA-Lib's INT_SMA order: add the new value, divide, then
 * subtract the value leaving the window. Keeping that order keeps the float drift of the running sum
 * bit-identical to TA-Lib's. Returns NaN during warm-up (inputs are finite, so NaN is unambiguous).
 * State at offset o: [period, sum of the window, slot of the oldest, values held, the last period−1
 * inputs (a circular window)].
 */
const HEADER = 4;

export function smaSlots(period: number): number {
	return HEADER + Math.max(1, period - 1);
}

export function smaInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m.fill(0, o + 1, o + smaSlots(period));
}

/** Whether the window holds period−1 values, so the next push gives a mean. */
export function smaWarm(m: Float64Array, o: number): boolean {
	return (m[o + 3] | 0) === (m[o] === 1 ? 1 : (m[o] | 0) - 1);
}

/**
 * One input: the mean (NaN in warm-up) is written into out[at], not returned. STOCH chains two of
 * these after its extremes, and a double returned from a call V8 did not inline was boxed on every
 * update.
 */
export function smaPush(m: Float64Array, o: number, x: number, out: Float64Array, at: number): void {
	const period = m[o] | 0;
	if (period === 1) {
		out[at] = x;
		return;
	}
	const cap = period - 1; // the window holds the last period − 1 inputs
	const head = m[o + 2] | 0;
	const size = m[o + 3] | 0;
	if (size < cap) {
		const j = head + size;
		m[o + HEADER + (j < cap ? j : j - cap)] = x;
		m[o + 3] = size + 1;
		m[o + 1] += x;
		out[at] = NaN;
		return;
	}
	const leaving = m[o + HEADER + head];
	m[o + HEADER + head] = x;
	m[o + 2] = head + 1 === cap ? 0 : head + 1;
	const total = m[o + 1] + x;
	m[o + 1] = total - leaving;
	out[at] = total / period;
}

export function smaPeek(m: Float64Array, o: number, x: number): number {
	const period = m[o] | 0;
	if (period === 1) return x;
	return smaWarm(m, o) ? (m[o + 1] + x) / period : NaN;
}

/** The window's values, oldest first. */
export function windowValues(m: Float64Array, o: number): number[] {
	const cap = m[o] === 1 ? 1 : (m[o] | 0) - 1;
	const head = m[o + 2] | 0;
	const size = m[o + 3] | 0;
	const out = new Array<number>(size);
	for (let i = 0; i < size; i++) out[i] = m[o + HEADER + (head + i < cap ? head + i : head + i - cap)];
	return out;
}

export function smaSave(m: Float64Array, o: number): SmaState {
	return { sum: m[o + 1], window: windowValues(m, o) };
}

export function smaLoad(m: Float64Array, o: number, s: SmaState): void {
	const cap = m[o] === 1 ? 1 : (m[o] | 0) - 1;
	if (s.window.length > cap) throw new RangeError(`window holds ${cap} values, state has ${s.window.length}`);
	m[o + 1] = s.sum;
	m[o + 2] = 0;
	m[o + 3] = s.window.length;
	m.set(s.window, o + HEADER);
}
