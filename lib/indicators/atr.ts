import type { Bar } from "../bars/bar.ts";
import { trueRange } from "./core/true-range.ts";
import { WilderCore, type WilderState } from "./core/wilder-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface AtrState {
	prevClose: number | null;
	tr: WilderState;
}

/**
 * Average true range (TA-Lib ATR): true ranges start at the second bar, the first ATR is their mean
 * over n bars, then Wilder smoothing. First value at bar n.
 */
export class Atr extends ScalarIndicator {
	readonly kind = "atr";
	readonly params: readonly number[];
	readonly lookback: number;
	#tr: WilderCore;
	#prevClose = NaN;

	constructor(period = 14) {
		super();
		if (period < 2) throw new RangeError(`atr period must be >= 2, got ${period}`);
		this.#tr = new WilderCore(period);
		this.params = [period];
		this.lookback = period;
	}

	get value(): number | null {
		return orNull(this.#tr.value);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const prev = this.#prevClose;
		this.#prevClose = bar.close;
		if (!Number.isNaN(prev)) this.row[0] = this.#tr.push(trueRange(bar.high, bar.low, prev));
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): number | null {
		if (Number.isNaN(this.#prevClose)) return null;
		return orNull(this.#tr.peek(trueRange(bar.high, bar.low, this.#prevClose)));
	}

	protected save(): AtrState {
		return { prevClose: orNull(this.#prevClose), tr: this.#tr.save() };
	}

	protected restore(s: AtrState): void {
		this.#prevClose = s.prevClose ?? NaN;
		this.#tr.load(s.tr);
	}
}
