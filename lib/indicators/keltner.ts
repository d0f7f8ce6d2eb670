import type { Bar } from "../bars/bar.ts";
import { EMA_SLOTS, EMA_VALUE, type EmaState, emaInit, emaLoad, emaPeek, emaSave, emaStep, emaValue } from "./core/ema-core.ts";
import { trueRange } from "./core/true-range.ts";
import { WILDER_SLOTS, type WilderState, wilderInit, wilderLoad, wilderPeek, wilderPush, wilderSave, wilderValue } from "./core/wilder-core.ts";
import { Indicator, whole } from "./indicator.ts";
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

const OUTPUTS = Object.freeze(["upper", "middle", "lower"]);
// State: [multiplier, previous close, EMA of closes, Wilder average of true ranges].
const MULTIPLIER = 0,
	PREV_CLOSE = 1,
	EMA = 2,
	ATR = EMA + EMA_SLOTS;

/**
 * Keltner channel (not in TA-Lib; the common modern form): middle = EMA(n) of closes, bands =
 * middle ± multiplier·ATR(atrPeriod), both with TA-Lib's EMA and ATR conventions. First value once
 * both exist: bar max(n−1, atrPeriod).
 */
export class Keltner extends Indicator<KeltnerValue> {
	readonly period: number;
	readonly atrPeriod: number;

	constructor(period = 20, multiplier = 2, atrPeriod = 10) {
		if (!Number.isFinite(multiplier)) throw new RangeError(`keltner multiplier must be finite, got ${multiplier}`);
		super(ATR + WILDER_SLOTS);
		const m = this.arena.f64;
		m[this.o + MULTIPLIER] = multiplier;
		emaInit(m, this.o + EMA, period);
		wilderInit(m, this.o + ATR, atrPeriod);
		this.period = whole(period);
		this.atrPeriod = whole(atrPeriod);
	}

	protected get slots(): number {
		return ATR + WILDER_SLOTS;
	}

	get kind(): string {
		return "keltner";
	}

	get params(): readonly number[] {
		return [this.period, this.arena.f64[this.o + MULTIPLIER], this.atrPeriod];
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
	}

	get lookback(): number {
		return Math.max(this.period - 1, this.atrPeriod);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const m = this.arena.f64;
		const o = this.o;
		emaStep(m, o + EMA, bar.close);
		const prev = m[o + PREV_CLOSE];
		m[o + PREV_CLOSE] = bar.close;
		// The ATR is NaN until it has a previous close; both values read from the arena, not
		// returned (a returned double, or a NaN constant in a conditional, is boxed: ema-core).
		if (!Number.isNaN(prev)) wilderPush(m, o + ATR, trueRange(bar.high, bar.low, prev));
		channel(m, this.at, m[o + MULTIPLIER], m[o + EMA + EMA_VALUE], wilderValue(m, o + ATR));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const prev = m[o + PREV_CLOSE];
		const atr = Number.isNaN(prev) ? NaN : wilderPeek(m, o + ATR, trueRange(bar.high, bar.low, prev));
		channel(out, at, m[o + MULTIPLIER], emaPeek(m, o + EMA, bar.close), atr);
	}

	protected read(m: Float64Array, at: number): KeltnerValue | null {
		return Number.isNaN(m[at + 1]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): KeltnerState {
		const m = this.arena.f64;
		const prevClose = m[this.o + PREV_CLOSE];
		return { ema: emaSave(m, this.o + EMA), atr: wilderSave(m, this.o + ATR), prevClose: Number.isNaN(prevClose) ? null : prevClose };
	}

	protected restore(s: KeltnerState): void {
		const m = this.arena.f64;
		const o = this.o;
		emaLoad(m, o + EMA, s.ema);
		wilderLoad(m, o + ATR, s.atr);
		m[o + PREV_CLOSE] = s.prevClose ?? NaN;
		channel(m, this.at, m[o + MULTIPLIER], emaValue(m, o + EMA), wilderValue(m, o + ATR));
	}
}

/** NaN outputs until both the EMA and the ATR exist. */
function channel(out: Float64Array, at: number, k: number, middle: number, atr: number): void {
	if (Number.isNaN(middle) || Number.isNaN(atr)) {
		out[at] = out[at + 1] = out[at + 2] = NaN;
		return;
	}
	out[at] = middle + k * atr;
	out[at + 1] = middle;
	out[at + 2] = middle - k * atr;
}
