import type { Bar } from "../bars/bar.ts";
import { EXTREMES_SLOTS, type ExtremeState, extremesCount, extremesHighest, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesReady, extremesSaveBoth, extremesUpdate, extremesWithWindow } from "./core/extremes.ts";
import { seriesMove, seriesPush2 } from "./core/series.ts";
import type { Arena } from "./arena.ts";
import { ScalarIndicator, whole } from "./indicator.ts";
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
	readonly period: number;
	/** Offset of the highs/lows window (its own, or its IndicatorSet's shared one). */
	protected w: number;

	constructor(period = 14) {
		super(EXTREMES_SLOTS);
		this.w = extremesWithWindow(this.arena, this.o, period);
		this.period = whole(period);
	}

	override get rangeWindow(): number {
		return this.period;
	}

	protected override moveWindow(from: Float64Array, arena: Arena): void {
		this.w = seriesMove(from, this.w, arena, 2, this.period);
	}

	protected get slots(): number {
		return EXTREMES_SLOTS;
	}

	get kind(): string {
		return "willr";
	}

	get params(): readonly number[] {
		return [this.period];
	}

	get lookback(): number {
		return this.period - 1;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const seen = this.accepted;
		this.accepted = seen + 1;
		const m = this.arena.f64;
		const o = this.o;
		const w = this.w;
		seriesPush2(m, w, seen, bar.high, bar.low);
		extremesUpdate(m, o, w, seen, bar.high, bar.low);
		if (extremesReady(m, o, w)) m[this.at] = willr(bar.close, extremesHighest(m, o), extremesLowest(m, o));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		out[at] = extremesCount(m, this.w) + 1 < this.period ? NaN : willr(bar.close, extremesPeekHighest(m, o, this.w, bar.high), extremesPeekLowest(m, o, this.w, bar.low));
	}

	protected save(): WillrState {
		const m = this.arena.f64;
		return { ...extremesSaveBoth(m, this.o, this.w), value: this.value };
	}

	protected restore(s: WillrState): void {
		const m = this.arena.f64;
		extremesLoad(m, this.o, this.w, s.high, s.low);
		m[this.at] = s.value ?? NaN;
	}
}

function willr(close: number, highest: number, lowest: number): number {
	const diff = (highest - lowest) / -100.0;
	// A close at the high gives TA-Lib's −0; adding 0 makes it +0 (and changes nothing else), because
	// JSON has no −0 and a restored snapshot must read back exactly what was saved.
	return diff !== 0.0 ? (highest - close) / diff + 0 : 0.0;
}
