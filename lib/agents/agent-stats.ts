/**
 * Recent behaviour of an agent: latencies of the last LATENCY_WINDOW calls (for p50/p99) and the
 * outcomes of the last OUTCOME_WINDOW calls (for the error rate), in fixed-size rings, plus totals.
 */
export const LATENCY_WINDOW = 1024;
export const OUTCOME_WINDOW = 100;

export class AgentStats {
	readonly #latencies = new Float64Array(LATENCY_WINDOW);
	#latencyCount = 0;
	readonly #failed = new Uint8Array(OUTCOME_WINDOW);
	#outcomeCount = 0;
	calls = 0;
	errors = 0;
	timeouts = 0;
	rejected = 0;
	refusedOpen = 0;

	record(latencyMs: number, ok: boolean, timedOut = false): void {
		this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = latencyMs;
		this.#failed[this.#outcomeCount++ % OUTCOME_WINDOW] = ok ? 0 : 1;
		this.calls++;
		if (!ok) this.errors++;
		if (timedOut) this.timeouts++;
	}

	/** Nearest-rank percentile of the recent latencies, or null before any call. */
	percentile(p: number): number | null {
		const n = Math.min(this.#latencyCount, LATENCY_WINDOW);
		if (n === 0) return null;
		const sorted = Array.from(this.#latencies.subarray(0, n)).sort((a, b) => a - b);
		return sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
	}

	/** Failed share of the recent calls (0 before any call). */
	errorRate(): number {
		const n = Math.min(this.#outcomeCount, OUTCOME_WINDOW);
		if (n === 0) return 0;
		let failed = 0;
		for (let i = 0; i < n; i++) failed += this.#failed[i];
		return failed / n;
	}
}
