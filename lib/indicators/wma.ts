import type { Bar } from "../bars/bar.ts";
import { Ring } from "./core/ring.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface WmaState {
	sum: number;
	sub: number;
	trailing: number;
	window: number[];
	value: number | null;
}

/**
 * Linearly weighted moving average of closes (weights 1..n, newest heaviest), with TA-Lib's O(1)
 * recurrence: a weighted sum and a plain sum updated in TA-Lib's order. First value at bar n−1.
 */
export class Wma extends ScalarIndicator {
	readonly kind = "wma";
	readonly params: readonly number[];
	readonly lookback: number;
	readonly #n: number;
	readonly #divider: number;
	#ring: Ring; // last n closes; after a push its oldest is the one whose weight drops to 0 next
	#sum = 0; // Σ weight·close, already shifted down one weight step
	#sub = 0; // Σ close over the window
	#trailing = 0;

	constructor(period = 20) {
		super();
		if (!Number.isInteger(period) || period < 2) throw new RangeError(`wma period must be an integer >= 2, got ${period}`);
		this.#n = period;
		this.#divider = (period * (period + 1)) / 2;
		this.#ring = new Ring(period);
		this.params = [period];
		this.lookback = period - 1;
	}

	get value(): number | null {
		return orNull(this.row[0]);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const x = bar.close;
		const seen = ++this.accepted;
		this.#ring.push(x);
		if (seen < this.#n) {
			this.#sub += x;
			this.#sum += x * seen;
			return null;
		}
		this.#sub += x;
		this.#sub -= this.#trailing;
		this.#sum += x * this.#n;
		this.#trailing = this.#ring.oldest();
		this.row[0] = this.#sum / this.#divider;
		this.#sum -= this.#sub;
		return null;
	}

	protected preview(bar: Bar): number | null {
		return this.accepted + 1 < this.#n ? null : (this.#sum + bar.close * this.#n) / this.#divider;
	}

	protected save(): WmaState {
		return { sum: this.#sum, sub: this.#sub, trailing: this.#trailing, window: this.#ring.toJSON(), value: this.value };
	}

	protected restore(s: WmaState): void {
		this.#sum = s.sum;
		this.#sub = s.sub;
		this.#trailing = s.trailing;
		this.#ring.load(s.window);
		this.row[0] = s.value ?? NaN;
	}
}
