import type { Bar } from "../bars/bar.ts";
import { type ExtremeState, extremesCount, extremesHighest, extremesInit, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesPush, extremesReady, extremesSave, extremesSlots } from "./core/extremes.ts";
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

const OUTPUTS = Object.freeze(["upper", "middle", "lower"]);

/**
 * Donchian channel: highest high and lowest low of the last n bars, this one included (TA-Lib's
 * MAX(high, n) and MIN(low, n)), and their midpoint. First value at bar n−1.
 */
export class Donchian extends Indicator<DonchianValue> {
	readonly period: number;

	constructor(period = 20) {
		super(extremesSlots(period));
		extremesInit(this.arena.f64, this.o, period);
		this.period = period;
	}

	get kind(): string {
		return "donchian";
	}

	get params(): readonly number[] {
		return [this.period];
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
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
		if (extremesReady(m, o)) channel(m, this.at, extremesHighest(m, o), extremesLowest(m, o));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		if (extremesCount(m, o) + 1 < this.period) out.fill(NaN, at, at + 3);
		else channel(out, at, extremesPeekHighest(m, o, bar.high), extremesPeekLowest(m, o, bar.low));
	}

	protected read(m: Float64Array, at: number): DonchianValue | null {
		return Number.isNaN(m[at]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): DonchianState {
		const m = this.arena.f64;
		return { high: extremesSave(m, this.o, 1), low: extremesSave(m, this.o, -1) };
	}

	protected restore(s: DonchianState): void {
		const m = this.arena.f64;
		const o = this.o;
		extremesLoad(m, o, s.high, s.low);
		if (extremesReady(m, o)) channel(m, this.at, extremesHighest(m, o), extremesLowest(m, o));
		else m.fill(NaN, this.at, this.at + 3);
	}
}

function channel(out: Float64Array, at: number, upper: number, lower: number): void {
	out[at] = upper;
	out[at + 1] = (upper + lower) / 2;
	out[at + 2] = lower;
}
