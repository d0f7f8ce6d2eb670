import type { Bar } from "../bars/bar.ts";
import { RollingExtreme, type ExtremeState } from "./core/extremes.ts";
import { Indicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

export interface DonchianValue {
	upper: number;
	middle: number;
	lower: number;
}

interface DonchianState {
	high: ExtremeState;
	low: ExtremeState;
}

/**
 * Donchian channel: highest high and lowest low of the last n bars, this one included (TA-Lib's
 * MAX(high, n) and MIN(low, n)), and their midpoint. First value at bar n−1.
 */
export class Donchian extends Indicator<DonchianValue> {
	readonly kind = "donchian";
	readonly params: readonly number[];
	readonly outputs = ["upper", "middle", "lower"] as const;
	readonly lookback: number;
	#high: RollingExtreme;
	#low: RollingExtreme;
	#value: DonchianValue = { upper: 0, middle: 0, lower: 0 };
	#peeked: DonchianValue = { upper: 0, middle: 0, lower: 0 };

	constructor(period = 20) {
		super(3);
		this.#high = new RollingExtreme(period, 1);
		this.#low = new RollingExtreme(period, -1);
		this.params = [period];
		this.lookback = period - 1;
	}

	get value(): DonchianValue | null {
		return this.#high.count >= this.#high.period ? this.#value : null;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const v = set(this.#value, this.#high.push(bar.high), this.#low.push(bar.low));
		if (this.#high.count < this.#high.period) return null;
		this.row[0] = v.upper;
		this.row[1] = v.middle;
		this.row[2] = v.lower;
		return null;
	}

	protected preview(bar: Bar): DonchianValue | null {
		if (this.#high.count + 1 < this.#high.period) return null;
		return set(this.#peeked, this.#high.peek(bar.high), this.#low.peek(bar.low));
	}

	protected fill(out: Float64Array, at: number, v: DonchianValue | null): void {
		out[at] = v === null ? NaN : v.upper;
		out[at + 1] = v === null ? NaN : v.middle;
		out[at + 2] = v === null ? NaN : v.lower;
	}

	protected save(): DonchianState {
		return { high: this.#high.save(), low: this.#low.save() };
	}

	protected restore(s: DonchianState): void {
		this.#high.load(s.high);
		this.#low.load(s.low);
		const last = s.high.entries[0];
		if (last !== undefined) set(this.#value, last[1], s.low.entries[0][1]);
	}
}

function set(out: DonchianValue, upper: number, lower: number): DonchianValue {
	out.upper = upper;
	out.lower = lower;
	out.middle = (upper + lower) / 2;
	return out;
}
