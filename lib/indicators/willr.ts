import type { Bar } from "../bars/bar.ts";
import { type ExtremeState, extremesCount, extremesHighest, extremesInit, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesPush, extremesReady, extremesSave, extremesSlots } from "./core/extremes.ts";
import { ScalarIndicator } from "./indicator.ts";
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

	constructor(period = 14) {
		super(extremesSlots(period));
		extremesInit(this.arena.f64, this.o, period);
		this.period = period;
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
		this.accepted++;
		const m = this.arena.f64;
		const o = this.o;
		extremesPush(m, o, bar.high, bar.low);
		if (extremesReady(m, o)) m[this.at] = willr(bar.close, extremesHighest(m, o), extremesLowest(m, o));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		out[at] = extremesCount(m, o) + 1 < this.period ? NaN : willr(bar.close, extremesPeekHighest(m, o, bar.high), extremesPeekLowest(m, o, bar.low));
	}

	protected save(): WillrState {
		const m = this.arena.f64;
		return { high: extremesSave(m, this.o, 1), low: extremesSave(m, this.o, -1), value: this.value };
	}

	protected restore(s: WillrState): void {
		const m = this.arena.f64;
		extremesLoad(m, this.o, s.high, s.low);
		m[this.at] = s.value ?? NaN;
	}
}

function willr(close: number, highest: number, lowest: number): number {
	const diff = (highest - lowest) / -100.0;
	// A close at the high gives TA-Lib's −0; adding 0 makes it +0 (and changes nothing else), because
	// JSON has no −0 and a restored snapshot must read back exactly what was saved.
	return diff !== 0.0 ? (highest - close) / diff + 0 : 0.0;
}
