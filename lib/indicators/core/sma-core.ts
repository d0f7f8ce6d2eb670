import { Ring } from "./ring.ts";

export interface SmaState {
	sum: number;
	window: number[];
}

/**
 * Running mean over a fixed window in TA-Lib's INT_SMA order: add the new value, divide, then
 * subtract the value leaving the window. Keeping that order keeps the float drift of the running sum
 * bit-identical to TA-Lib's. Returns NaN during warm-up (inputs are finite, so NaN is unambiguous).
 */
export class SmaCore {
	readonly period: number;
	#ring: Ring; // the last period-1 inputs; the one about to leave is the oldest
	#sum = 0; // sum of the ring's values

	constructor(period: number) {
		if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
		this.period = period;
		this.#ring = new Ring(Math.max(1, period - 1));
	}

	push(x: number): number {
		if (this.period === 1) return x;
		if (!this.#ring.full) {
			this.#sum += x;
			this.#ring.push(x);
			return NaN;
		}
		const total = this.#sum + x;
		this.#sum = total - this.#ring.push(x);
		return total / this.period;
	}

	peek(x: number): number {
		if (this.period === 1) return x;
		return this.#ring.full ? (this.#sum + x) / this.period : NaN;
	}

	save(): SmaState {
		return { sum: this.#sum, window: this.#ring.toJSON() };
	}

	load(s: SmaState): void {
		this.#sum = s.sum;
		this.#ring.load(s.window);
	}
}
