/**
 * Exponential backoff: `initialMs * multiplier^attempt`, capped at `maxMs`. With `jitter: "full"`
 * the delay is uniform in [0, that value] (AWS "full jitter"), so retries from many callers spread out.
 */
export interface BackoffOptions {
	initialMs: number;
	multiplier: number;
	maxMs: number;
	jitter: "full" | "none";
	/** Uniform in [0, 1); Math.random by default, a seeded source in tests. */
	random?: () => number;
}

/** The delay before retry number `attempt` (0-based: the first retry is attempt 0). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
	if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be an integer >= 0 (got ${attempt})`);
	if (!(opts.initialMs >= 0) || !(opts.multiplier >= 1) || !(opts.maxMs >= 0)) {
		throw new RangeError(`backoff needs initialMs >= 0, multiplier >= 1, maxMs >= 0 (got ${opts.initialMs}, ${opts.multiplier}, ${opts.maxMs})`);
	}
	// Computed in the exponent's domain so a large attempt cannot overflow to Infinity*0 = NaN.
	const capped = Math.min(opts.maxMs, opts.initialMs * Math.pow(opts.multiplier, Math.min(attempt, 1000)));
	const base = Number.isFinite(capped) ? capped : opts.maxMs;
	if (opts.jitter === "none") return base;
	const r = (opts.random ?? Math.random)();
	return Math.floor(base * Math.min(Math.max(r, 0), 1));
}
