import type { Bar } from "../bars/bar.ts";
import { isZero } from "./core/true-range.ts";
import { WilderCore, type WilderState } from "./core/wilder-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface RsiState {
	prevClose: number | null;
	gain: WilderState;
	loss: WilderState;
}

/**
 * Wilder's RSI as TA-Lib computes it: Wilder averages of gains and losses seeded with their plain
 * mean over the first n changes, RSI = 100·gain/(gain+loss), 0 when both are (near) zero.
 * First value at bar n.
 */
export class Rsi extends ScalarIndicator {
	readonly kind = "rsi";
	readonly params: readonly number[];
	readonly lookback: number;
	#gain: WilderCore;
	#loss: WilderCore;
	#prevClose = NaN;

	constructor(period = 14) {
		super();
		if (period < 2) throw new RangeError(`rsi period must be >= 2, got ${period}`);
		this.#gain = new WilderCore(period);
		this.#loss = new WilderCore(period);
		this.params = [period];
		this.lookback = period;
	}

	get value(): number | null {
		return ratio(this.#gain.value, this.#loss.value);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const d = bar.close - this.#prevClose;
		this.#prevClose = bar.close;
		this.accepted++;
		if (Number.isNaN(d)) return null; // first bar: no change yet
		this.row[0] = ratio(this.#gain.push(d < 0 ? 0 : d), this.#loss.push(d < 0 ? -d : 0)) ?? NaN;
		return null;
	}

	protected preview(bar: Bar): number | null {
		const d = bar.close - this.#prevClose;
		if (Number.isNaN(d)) return null;
		return ratio(this.#gain.peek(d < 0 ? 0 : d), this.#loss.peek(d < 0 ? -d : 0));
	}

	protected save(): RsiState {
		return { prevClose: orNull(this.#prevClose), gain: this.#gain.save(), loss: this.#loss.save() };
	}

	protected restore(s: RsiState): void {
		this.#prevClose = s.prevClose ?? NaN;
		this.#gain.load(s.gain);
		this.#loss.load(s.loss);
	}
}

function ratio(gain: number, loss: number): number | null {
	if (Number.isNaN(gain)) return null;
	const total = gain + loss;
	return isZero(total) ? 0 : 100 * (gain / total);
}
