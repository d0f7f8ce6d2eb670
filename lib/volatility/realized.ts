/** Returns and realized volatility from a price series. */

/** ln(p_t / p_{t-1}); prices must be positive and finite. */
export function logReturns(prices: number[]): number[] {
	const out: number[] = [];
	for (let i = 1; i < prices.length; i++) {
		const a = prices[i - 1];
		const b = prices[i];
		if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`log returns need positive finite prices (index ${a > 0 && Number.isFinite(a) ? i : i - 1})`);
		out.push(Math.log(b / a));
	}
	return out;
}

/**
 * Sample standard deviation of the returns (n - 1 in the denominator), times sqrt(periodsPerYear)
 * when given (252 for daily bars). Fewer than two returns: 0.
 */
export function realizedVolatility(returns: number[], periodsPerYear?: number): number {
	const n = returns.length;
	if (n < 2) return 0;
	const mean = returns.reduce((a, b) => a + b, 0) / n;
	const variance = returns.reduce((a, r) => a + (r - mean) * (r - mean), 0) / (n - 1);
	const sd = Math.sqrt(variance);
	return periodsPerYear === undefined ? sd : sd * Math.sqrt(periodsPerYear);
}
