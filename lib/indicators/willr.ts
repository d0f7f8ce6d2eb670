import type { Bar } from "../bars/bar.ts";
import { RollingExtreme, type ExtremeState } from "./core/extremes.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface WillrState {
	high: ExtremeState;
	low: ExtremeState;
	value: number | null;
}

/**
 * Williams %R over n bars, −100..0: (highest − close) / ((highest − lowest)/−100), 0 for a zero
 * range, in TA-Lib's WILLR arithmetic. First value at bar n−1.
 */
export class WilliamsR extends ScalarIndicator {
	readonly kind = "willr";
	readonly params: readonly number[];
	readonly lookback: number;
	#high: RollingExtreme;
	#low: RollingExtreme;

	constructor(period = 14) {
		super();
		this.#high = new RollingExtreme(period, 1);
		this.#low = new RollingExtreme(period, -1);
		this.params = [period];
		this.lookback = period - 1;
	}

	get value(): number | null {
		return orNull(this.row[0]);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const highest = this.#high.push(bar.high);
		const lowest = this.#low.push(bar.low);
		if (this.#high.count >= this.#high.period) this.row[0] = willr(bar.close, highest, lowest);
		return null;
	}

	protected preview(bar: Bar): number | null {
		if (this.#high.count + 1 < this.#high.period) return null;
		return willr(bar.close, this.#high.peek(bar.high), this.#low.peek(bar.low));
	}

	protected save(): WillrState {
		return { high: this.#high.save(), low: this.#low.save(), value: this.value };
	}

	protected restore(s: WillrState): void {
		this.#high.load(s.high);
		this.#low.load(s.low);
		this.row[0] = s.value ?? NaN;
	}
}

function willr(close: number, highest: number, lowest: number): number {
	const diff = (highest - lowest) / -100.0;
	// A close at the high gives TA-Lib's −0; adding 0 makes it +0 (and changes nothing else), because
	// JSON has no −0 and a restored snapshot must read back exactly what was saved.
	return diff !== 0.0 ? (highest - close) / diff + 0 : 0.0;
}
