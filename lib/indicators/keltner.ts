import type { Bar } from "../bars/bar.ts";
import { EmaCore, type EmaState } from "./core/ema-core.ts";
import { trueRange } from "./core/true-range.ts";
import { WilderCore, type WilderState } from "./core/wilder-core.ts";
import { Indicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

export interface KeltnerValue {
	upper: number;
	middle: number;
	lower: number;
}

interface KeltnerState {
	ema: EmaState;
	atr: WilderState;
	prevClose: number | null;
}

/**
 * Keltner channel (not in TA-Lib; the common modern form): middle = EMA(n) of closes, bands =
 * middle ± multiplier·ATR(atrPeriod), both with TA-Lib's EMA and ATR conventions. First value once
 * both exist: bar max(n−1, atrPeriod).
 */
export class Keltner extends Indicator<KeltnerValue> {
	readonly kind = "keltner";
	readonly params: readonly number[];
	readonly outputs = ["upper", "middle", "lower"] as const;
	readonly lookback: number;
	#ema: EmaCore;
	#atr: WilderCore;
	#k: number;
	#prevClose = NaN;
	#value: KeltnerValue = { upper: 0, middle: 0, lower: 0 };
	#peeked: KeltnerValue = { upper: 0, middle: 0, lower: 0 };

	constructor(period = 20, multiplier = 2, atrPeriod = 10) {
		super(3);
		if (!Number.isFinite(multiplier)) throw new RangeError(`keltner multiplier must be finite, got ${multiplier}`);
		this.#ema = new EmaCore(period);
		this.#atr = new WilderCore(atrPeriod);
		this.#k = multiplier;
		this.params = [period, multiplier, atrPeriod];
		this.lookback = Math.max(period - 1, atrPeriod);
	}

	get value(): KeltnerValue | null {
		return this.#set(this.#value, this.#ema.value, this.#atr.value);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const middle = this.#ema.push(bar.close);
		const prev = this.#prevClose;
		this.#prevClose = bar.close;
		const atr = Number.isNaN(prev) ? NaN : this.#atr.push(trueRange(bar.high, bar.low, prev));
		this.fill(this.row, 0, this.#set(this.#value, middle, atr));
		return null;
	}

	protected preview(bar: Bar): KeltnerValue | null {
		const prev = this.#prevClose;
		const atr = Number.isNaN(prev) ? NaN : this.#atr.peek(trueRange(bar.high, bar.low, prev));
		return this.#set(this.#peeked, this.#ema.peek(bar.close), atr);
	}

	/** Null until both the EMA and the ATR exist (NaN means warming up). */
	#set(out: KeltnerValue, middle: number, atr: number): KeltnerValue | null {
		if (Number.isNaN(middle) || Number.isNaN(atr)) return null;
		out.middle = middle;
		out.upper = middle + this.#k * atr;
		out.lower = middle - this.#k * atr;
		return out;
	}

	protected fill(out: Float64Array, at: number, v: KeltnerValue | null): void {
		out[at] = v === null ? NaN : v.upper;
		out[at + 1] = v === null ? NaN : v.middle;
		out[at + 2] = v === null ? NaN : v.lower;
	}

	protected save(): KeltnerState {
		return { ema: this.#ema.save(), atr: this.#atr.save(), prevClose: Number.isNaN(this.#prevClose) ? null : this.#prevClose };
	}

	protected restore(s: KeltnerState): void {
		this.#ema.load(s.ema);
		this.#atr.load(s.atr);
		this.#prevClose = s.prevClose ?? NaN;
	}
}
