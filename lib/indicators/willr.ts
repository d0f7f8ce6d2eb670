import type { Bar } from "../bars/bar.ts";
import { EXTREMES_SLOTS, type ExtremeState, extremesCount, extremesHighest, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesPushReady, extremesSaveBoth } from "./core/extremes.ts";
import { ScalarIndicator } from "./indicator.ts";
import { withRange } from "./range-indicator.ts";
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
export class WilliamsR extends withRange(ScalarIndicator) {
	get kind(): string {
		return "willr";
	}

	constructor(period = 14) {
		super(EXTREMES_SLOTS);
		this.initRange(period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		if (extremesPushReady(m, o, this.w, this.accepted++, bar)) m[this.at] = willr(bar.close, extremesHighest(m, o), extremesLowest(m, o));
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
