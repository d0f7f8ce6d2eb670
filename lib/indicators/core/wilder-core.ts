export interface WilderState {
	seen: number;
	avg: number | null;
	sum: number;
}

/**
 * Wilder's smoothing as TA-Lib's RSI and ATR apply it: seed with the mean of the first `period`
 * inputs, then avg = (avg·(period−1) + x) / period, multiplied and divided in that order.
 */
export class WilderCore {
	readonly period: number;
	#seen = 0;
	#sum = 0;
	#avg = NaN;

	constructor(period: number) {
		if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
		this.period = period;
	}

	get value(): number {
		return this.#avg;
	}

	push(x: number): number {
		const seen = ++this.#seen;
		if (seen < this.period) {
			this.#sum += x;
			return NaN;
		}
		this.#avg = seen === this.period ? (this.#sum + x) / this.period : this.#next(x);
		return this.#avg;
	}

	peek(x: number): number {
		const seen = this.#seen + 1;
		if (seen < this.period) return NaN;
		return seen === this.period ? (this.#sum + x) / this.period : this.#next(x);
	}

	#next(x: number): number {
		return (this.#avg * (this.period - 1) + x) / this.period;
	}

	save(): WilderState {
		return { seen: this.#seen, sum: this.#sum, avg: Number.isNaN(this.#avg) ? null : this.#avg };
	}

	load(s: WilderState): void {
		this.#seen = s.seen;
		this.#sum = s.sum;
		this.#avg = s.avg ?? NaN;
	}
}
