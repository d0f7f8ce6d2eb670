import type { Bar } from "../bars/bar.ts";
import { EXTREMES_SLOTS, type ExtremeState, extremesCount, extremesHighest, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesPushReady, extremesReady, extremesSaveBoth } from "./core/extremes.ts";
import { Indicator } from "./indicator.ts";
import { withRange } from "./range-indicator.ts";
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
export class Donchian extends withRange(Indicator<DonchianValue>) {
	get kind(): string {
		return "donchian";
	}

	constructor(period = 20) {
		super(EXTREMES_SLOTS);
		this.initRange(period);
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		if (extremesPushReady(m, o, this.w, this.accepted++, bar)) this.channel(m, o);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		if (extremesCount(m, this.w) + 1 < this.period) out.fill(NaN, at, at + 3);
		else {
			out[at] = extremesPeekHighest(m, o, this.w, bar.high);
			out[at + 2] = extremesPeekLowest(m, o, this.w, bar.low);
			middle(out, at);
		}
	}

	/** The channel of the committed bars into the outputs, from the extremes in the arena. */
	private channel(m: Float64Array, o: number): void {
		m[this.at] = extremesHighest(m, o);
		m[this.at + 2] = extremesLowest(m, o);
		middle(m, this.at);
	}

	protected read(m: Float64Array, at: number): DonchianValue | null {
		return Number.isNaN(m[at]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): DonchianState {
		const m = this.arena.f64;
		return extremesSaveBoth(m, this.o, this.w);
	}

	protected restore(s: DonchianState): void {
		const m = this.arena.f64;
		const o = this.o;
		extremesLoad(m, o, this.w, s.high, s.low);
		if (extremesReady(m, o, this.w)) this.channel(m, o);
		else m.fill(NaN, this.at, this.at + 3);
	}
}

/**
 * The middle line from the upper and lower already in out[at], out[at + 2]: the numbers stay in the
 * arena, as doubles passed to a call V8 does not inline are boxed (inside sr-breakout's update).
 */
function middle(out: Float64Array, at: number): void {
	out[at + 1] = (out[at] + out[at + 2]) / 2;
}
