export interface EmaState {
	seen: number;
	sum: number;
	prev: number | null;
}

/**
 * TA-Lib's INT_EMA: ignore the first `skip` inputs, seed with the plain mean of the next `period`
 * inputs, then prev + (x - prev)·k. `skip` exists for MACD, which seeds its fast EMA on the closes
 * just before the slow EMA's first value rather than on the first closes of the series.
 * State at offset o: [period, skip, k, seen, sum, prev].
 */
export const EMA_SLOTS = 6;

export function emaInit(m: Float64Array, o: number, period: number, skip = 0, k = 2 / (period + 1)): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m[o + 1] = skip;
	m[o + 2] = k;
	m[o + 3] = 0;
	m[o + 4] = 0;
	m[o + 5] = NaN;
}

/** Inputs consumed before the first output, as TA-Lib's lookback counts them. */
export function emaLookback(period: number, skip = 0): number {
	return skip + period - 1;
}

/** The EMA after the last input, NaN in warm-up. */
export function emaValue(m: Float64Array, o: number): number {
	return m[o + 5];
}

/**
 * One input. Period, skip and count are small integers: read as int32 (`| 0`), so the comparisons
 * and the seeding division run on integers, which V8 compiles tighter than the same on doubles.
 */
export function emaPush(m: Float64Array, o: number, x: number): number {
	return emaPushN(m, o, m[o] | 0, m[o + 1] | 0, (m[o + 3] | 0) + 1, x);
}

/**
 * `emaPush` with the period, skip and the count of inputs (this one included) given by a caller
 * that knows them as integers (from its own fields and bar count): no reads of them at all.
 */
export function emaPushN(m: Float64Array, o: number, period: number, skip: number, seen: number, x: number): number {
	emaAdvance(m, o, period, skip, seen, x);
	// Read from the arena (NaN in warm-up): a NaN constant among the returns boxed every result.
	return m[o + EMA_VALUE];
}

/** Slot of the EMA's value (NaN in warm-up) at offset o: what emaPush returns, to read after emaStep. */
export const EMA_VALUE = 5;

/**
 * `emaPush` that returns nothing: the value is at m[o + EMA_VALUE]. For updates that chain several
 * EMAs, where V8 runs out of inlining budget and boxes a double returned from a call it does not
 * inline (TEMA did, on every update).
 */
export function emaStep(m: Float64Array, o: number, x: number): void {
	emaAdvance(m, o, m[o] | 0, m[o + 1] | 0, (m[o + 3] | 0) + 1, x);
}

function emaAdvance(m: Float64Array, o: number, period: number, skip: number, seen: number, x: number): void {
	m[o + 3] = seen;
	if (seen <= skip) return;
	if (seen < skip + period) {
		m[o + 4] += x;
		return;
	}
	m[o + 5] = seen === skip + period ? (m[o + 4] + x) / period : (x - m[o + 5]) * m[o + 2] + m[o + 5];
}

export function emaPeek(m: Float64Array, o: number, x: number): number {
	const seen = (m[o + 3] | 0) + 1;
	const end = (m[o + 1] | 0) + (m[o] | 0);
	if (seen < end) return NaN;
	if (seen === end) return (m[o + 4] + x) / (m[o] | 0);
	return (x - m[o + 5]) * m[o + 2] + m[o + 5];
}

export function emaSave(m: Float64Array, o: number): EmaState {
	const prev = m[o + 5];
	return { seen: m[o + 3], sum: m[o + 4], prev: Number.isNaN(prev) ? null : prev };
}

export function emaLoad(m: Float64Array, o: number, s: EmaState): void {
	seededLoad(m, o + 3, s.seen, s.sum, s.prev);
}

/**
 * Both the EMA and Wilder's smoothing end their state with [inputs seen, sum of the seed inputs,
 * the average (NaN in warm-up)]; this writes a snapshot's three into m[at..at+3).
 */
export function seededLoad(m: Float64Array, at: number, seen: number, sum: number, average: number | null): void {
	m[at] = seen;
	m[at + 1] = sum;
	m[at + 2] = average ?? NaN;
}
