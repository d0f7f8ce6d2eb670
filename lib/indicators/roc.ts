import type { Bar } from "../bars/bar.ts";
import { Ring } from "./core/ring.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** Rate of change in percent, ((close / close n bars ago) − 1)·100, 0 when that close is 0 (TA-Lib ROC). First value at bar n. */
export class Roc extends ScalarIndicator {
	readonly kind = "roc";
	readonly params: readonly number[];
	readonly lookback: number;
	#ring: Ring; // the last n+1 closes

	constructor(period = 10) {
		super();
		if (!Number.isInteger(period) || period < 1) throw new RangeError(`roc period must be an integer >= 1, got ${period}`);
		this.#ring = new Ring(period + 1);
		this.params = [period];
		this.lookback = period;
	}

	get value(): number | null {
		return orNull(this.row[0]);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.#ring.push(bar.close);
		this.accepted++;
		if (this.#ring.full) this.row[0] = roc(bar.close, this.#ring.oldest());
		return null;
	}

	protected preview(bar: Bar): number | null {
		const r = this.#ring;
		if (r.size + 1 < r.capacity) return null;
		return roc(bar.close, r.full ? r.at(1) : r.oldest());
	}

	protected save(): number[] {
		return this.#ring.toJSON();
	}

	protected restore(window: number[]): void {
		this.#ring.load(window);
		this.row[0] = this.#ring.full ? roc(this.#ring.newest(), this.#ring.oldest()) : NaN;
	}
}

function roc(close: number, then: number): number {
	return then !== 0.0 ? (close / then - 1.0) * 100.0 : 0.0;
}
