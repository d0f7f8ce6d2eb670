import { ringFull, ringInit, ringLoad, ringPush, ringSlots, ringToJSON } from "./ring.ts";

export interface SmaState {
	sum: number;
	window: number[];
}

/**
 * Running mean over a fixed window in TA-Lib's INT_SMA order: add the new value, divide, then
 * subtract the value leaving the window. Keeping that order keeps the float drift of the running sum
 * bit-identical to TA-Lib's. Returns NaN during warm-up (inputs are finite, so NaN is unambiguous).
 * State at offset o: [period, sum of the ring, ring of the last period−1 inputs].
 */
export function smaSlots(period: number): number {
	return 2 + ringSlots(Math.max(1, period - 1));
}

export function smaInit(m: Float64Array, o: number, period: number): void {
	if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
	m[o] = period;
	m[o + 1] = 0;
	ringInit(m, o + 2, Math.max(1, period - 1));
}

export function smaPush(m: Float64Array, o: number, x: number): number {
	const period = m[o];
	if (period === 1) return x;
	const r = o + 2;
	if (!ringFull(m, r)) {
		m[o + 1] += x;
		ringPush(m, r, x);
		return NaN;
	}
	const total = m[o + 1] + x;
	m[o + 1] = total - ringPush(m, r, x);
	return total / period;
}

export function smaPeek(m: Float64Array, o: number, x: number): number {
	const period = m[o];
	if (period === 1) return x;
	return ringFull(m, o + 2) ? (m[o + 1] + x) / period : NaN;
}

export function smaSave(m: Float64Array, o: number): SmaState {
	return { sum: m[o + 1], window: ringToJSON(m, o + 2) };
}

export function smaLoad(m: Float64Array, o: number, s: SmaState): void {
	m[o + 1] = s.sum;
	ringLoad(m, o + 2, s.window);
}
