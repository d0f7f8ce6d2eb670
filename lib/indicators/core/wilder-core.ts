import { seededLoad } from "./ema-core.ts";

export interface WilderState {
	seen: number;
	avg: number | null;
	sum: number;
}

/**
 * Wilder's smoothing as TA-Lib's RSI and ATR apply it: seed with the mean of the first `period`
 * inputs, then avg = (avg·(period−1) + x) / period, multiplied and divided in that order.
 * State at offset o: [period, seen, sum, avg].
 */
export const WILDER_SLOTS = 4;

export function wilderInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m[o + 1] = 0;
	m[o + 2] = 0;
	m[o + 3] = NaN;
}

/** The average after the last input, NaN in warm-up. */
export function wilderValue(m: Float64Array, o: number): number {
	return m[o + 3];
}

/** One input; period and count read as int32 (`| 0`): integer compares, as in ema-core. */
export function wilderPush(m: Float64Array, o: number, x: number): number {
	return wilderPushN(m, o, m[o] | 0, (m[o + 1] | 0) + 1, x);
}

/** `wilderPush` with the period and the count of inputs (this one included) given as integers by the caller. */
export function wilderPushN(m: Float64Array, o: number, period: number, seen: number, x: number): number {
	m[o + 1] = seen;
	if (seen < period) {
		m[o + 2] += x;
		return m[o + 3]; // NaN in warm-up, from the arena: a NaN constant here boxes the result (ema-core)
	}
	const avg = seen === period ? (m[o + 2] + x) / period : (m[o + 3] * (period - 1) + x) / period;
	m[o + 3] = avg;
	return avg;
}

export function wilderPeek(m: Float64Array, o: number, x: number): number {
	const period = m[o] | 0;
	const seen = (m[o + 1] | 0) + 1;
	if (seen < period) return NaN;
	return seen === period ? (m[o + 2] + x) / period : (m[o + 3] * (period - 1) + x) / period;
}

export function wilderSave(m: Float64Array, o: number): WilderState {
	const avg = m[o + 3];
	return { seen: m[o + 1], sum: m[o + 2], avg: Number.isNaN(avg) ? null : avg };
}

export function wilderLoad(m: Float64Array, o: number, s: WilderState): void {
	seededLoad(m, o + 1, s.seen, s.sum, s.avg);
}
