/**
 * Request throughput, latency and errors as rates between samples, and a bounded history of
 * samples for `/metrics/performance` (seed 000's trends). A sample is taken on a timer; each one
 * turns the counters' growth since the previous sample into per-second and per-call figures.
 */
export interface RequestTotals {
	count: number;
	sumMs: number;
	errors: number;
}

export interface PerformanceSample {
	timestamp: string;
	requests_per_second: number;
	avg_response_time_ms: number;
	error_rate: number;
	cpu_percent: number;
	memory_percent: number;
	event_loop_p99_ms: number;
	cache_hit_ratio: number | null;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function ratesBetween(a: { totals: RequestTotals; at: number }, b: { totals: RequestTotals; at: number }) {
	const calls = b.totals.count - a.totals.count;
	const seconds = Math.max(1e-3, (b.at - a.at) / 1000);
	return {
		requests_per_second: round(calls / seconds),
		avg_response_time_ms: calls > 0 ? round((b.totals.sumMs - a.totals.sumMs) / calls) : 0,
		error_rate: calls > 0 ? round((b.totals.errors - a.totals.errors) / calls, 4) : 0,
	};
}

export class PerformanceHistory {
	readonly #samples: PerformanceSample[] = [];
	#prev: { totals: RequestTotals; at: number } | null = null;
	#rates = { requests_per_second: 0, avg_response_time_ms: 0, error_rate: 0 };

	/** `limit` samples are kept (oldest dropped first); rates before the first sample count from `startAt`. */
	constructor(
		readonly limit = 60,
		startAt?: number,
	) {
		if (startAt !== undefined) this.#prev = { totals: { count: 0, sumMs: 0, errors: 0 }, at: startAt };
	}

	/** Rates from the last sample (or the start) to `at`, without recording a sample. */
	live(at: number, totals: RequestTotals): { requests_per_second: number; avg_response_time_ms: number; error_rate: number } {
		return this.#prev ? ratesBetween(this.#prev, { totals, at }) : this.#rates;
	}

	/** Request rates over the last interval (zeros before the second sample). */
	get rates(): { requests_per_second: number; avg_response_time_ms: number; error_rate: number } {
		return this.#rates;
	}

	get samples(): readonly PerformanceSample[] {
		return this.#samples;
	}

	add(at: number, totals: RequestTotals, other: Omit<PerformanceSample, "timestamp" | "requests_per_second" | "avg_response_time_ms" | "error_rate">): PerformanceSample {
		if (this.#prev) this.#rates = ratesBetween(this.#prev, { totals, at });
		this.#prev = { totals, at };
		const sample: PerformanceSample = { timestamp: new Date(at).toISOString(), ...this.#rates, ...other };
		this.#samples.push(sample);
		if (this.#samples.length > this.limit) this.#samples.shift();
		return sample;
	}
}
