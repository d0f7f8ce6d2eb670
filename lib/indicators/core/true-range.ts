/**
 * Wilder's true range exactly as TA-Lib's TRANGE macro computes it: the same comparisons in the
 * same order, so ties and signed zeros resolve identically.
 */
export function trueRange(high: number, low: number, prevClose: number): number {
	let out = high - low;
	const up = Math.abs(prevClose - high);
	if (up > out) out = up;
	const down = Math.abs(prevClose - low);
	if (down > out) out = down;
	return out;
}

/** TA-Lib treats |v| < 1e-14 as zero before dividing (TA_IS_ZERO). */
export const TA_EPSILON = 1e-14;

export function isZero(v: number): boolean {
	return -TA_EPSILON < v && v < TA_EPSILON;
}
