import type { Bar } from "../bars/bar.ts";
import { Ring } from "./core/ring.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface MfiState {
	prevTypical: number | null;
	pos: number;
	neg: number;
	posWindow: number[];
	negWindow: number[];
	value: number | null;
}

/**
 * Money flow index (TA-Lib MFI): typical price × volume counted as positive or negative flow by
 * the typical price's direction (neither when unchanged), summed over n bars;
 * MFI = 100·pos/(pos+neg), and 0 when the total is below 1 as TA-Lib does. First value at bar n.
 */
export class Mfi extends ScalarIndicator {
	readonly kind = "mfi";
	readonly params: readonly number[];
	readonly lookback: number;
	#posWindow: Ring;
	#negWindow: Ring;
	#pos = 0;
	#neg = 0;
	#prevTypical = NaN;

	constructor(period = 14) {
		super();
		if (!Number.isInteger(period) || period < 2) throw new RangeError(`mfi period must be an integer >= 2, got ${period}`);
		this.#posWindow = new Ring(period);
		this.#negWindow = new Ring(period);
		this.params = [period];
		this.lookback = period;
	}

	get value(): number | null {
		return orNull(this.row[0]);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const tp = (bar.high + bar.low + bar.close) / 3.0;
		const d = tp - this.#prevTypical;
		this.#prevTypical = tp;
		if (Number.isNaN(d)) return null;
		const flow = tp * bar.volume;
		const full = this.#posWindow.full;
		// TA-Lib drops the leaving flow before adding the new one; the order matters for the float sums.
		if (full) {
			this.#pos -= this.#posWindow.oldest();
			this.#neg -= this.#negWindow.oldest();
		}
		const pos = d > 0 ? flow : 0.0;
		const neg = d < 0 ? flow : 0.0;
		this.#pos += pos;
		this.#neg += neg;
		this.#posWindow.push(pos);
		this.#negWindow.push(neg);
		if (this.#posWindow.full) this.row[0] = mfi(this.#pos, this.#neg);
		return null;
	}

	protected preview(bar: Bar): number | null {
		const w = this.#posWindow;
		if (Number.isNaN(this.#prevTypical) || w.size + 1 < w.capacity) return null;
		const tp = (bar.high + bar.low + bar.close) / 3.0;
		const flow = tp * bar.volume;
		const d = tp - this.#prevTypical;
		const pos = (w.full ? this.#pos - w.oldest() : this.#pos) + (d > 0 ? flow : 0.0);
		const neg = (w.full ? this.#neg - this.#negWindow.oldest() : this.#neg) + (d < 0 ? flow : 0.0);
		return mfi(pos, neg);
	}

	protected save(): MfiState {
		const prevTypical = orNull(this.#prevTypical);
		return { prevTypical, pos: this.#pos, neg: this.#neg, posWindow: this.#posWindow.toJSON(), negWindow: this.#negWindow.toJSON(), value: this.value };
	}

	protected restore(s: MfiState): void {
		this.#prevTypical = s.prevTypical ?? NaN;
		this.#pos = s.pos;
		this.#neg = s.neg;
		this.#posWindow.load(s.posWindow);
		this.#negWindow.load(s.negWindow);
		this.row[0] = s.value ?? NaN;
	}
}

function mfi(pos: number, neg: number): number {
	const total = pos + neg;
	return total < 1.0 ? 0.0 : 100.0 * (pos / total);
}
