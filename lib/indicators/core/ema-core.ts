export interface EmaState {
	seen: number;
	sum: number;
	prev: number | null;
}

/**
 * TA-Lib's INT_EMA: ignore the first `skip` inputs, seed with the plain mean of the next `period`
 * inputs, then prev + (x - prev)·k. `skip` exists for MACD, which seeds its fast EMA on the closes
 * just before the slow EMA's first value rather than on the first closes of the series.
 */
export class EmaCore {
	readonly period: number;
	readonly k: number;
	readonly skip: number;
	#seen = 0;
	#sum = 0;
	#prev = NaN;

	constructor(period: number, skip = 0, k = 2 / (period + 1)) {
		if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
		this.period = period;
		this.skip = skip;
		this.k = k;
	}

	/** Inputs consumed before the first output, as TA-Lib's lookback counts them. */
	get lookback(): number {
		return this.skip + this.period - 1;
	}

	get value(): number {
		return this.#prev;
	}

	push(x: number): number {
		const seen = ++this.#seen;
		if (seen <= this.skip) return NaN;
		if (seen < this.skip + this.period) {
			this.#sum += x;
			return NaN;
		}
		if (seen === this.skip + this.period) {
			this.#prev = (this.#sum + x) / this.period;
			return this.#prev;
		}
		this.#prev = (x - this.#prev) * this.k + this.#prev;
		return this.#prev;
	}

	peek(x: number): number {
		const seen = this.#seen + 1;
		if (seen < this.skip + this.period) return NaN;
		if (seen === this.skip + this.period) return (this.#sum + x) / this.period;
		return (x - this.#prev) * this.k + this.#prev;
	}

	save(): EmaState {
		return { seen: this.#seen, sum: this.#sum, prev: Number.isNaN(this.#prev) ? null : this.#prev };
	}

	load(s: EmaState): void {
		this.#seen = s.seen;
		this.#sum = s.sum;
		this.#prev = s.prev ?? NaN;
	}
}
