import type { Bar } from "../bars/bar.ts";
import { trueRange } from "./core/true-range.ts";
import { WILDER_SLOTS, type WilderState, wilderInit, wilderLoad, wilderPeek, wilderPushN, wilderSave, wilderValue } from "./core/wilder-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { changesLookback, checkPeriod, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

interface AtrState {
	prevClose: number | null;
	tr: WilderState;
}

/**
 * Average true range (TA-Lib ATR): true ranges start at the second bar, the first ATR is their mean
 * over n bars, then Wilder smoothing. First value at bar n. State: [previous close, Wilder average].
 */
export class Atr extends withPeriod(ScalarIndicator, changesLookback) {
	get kind(): string {
		return "atr";
	}

	protected get slots(): number {
		return 1 + WILDER_SLOTS;
	}

	constructor(period = 14) {
		checkPeriod("atr", period, 2);
		super(1 + WILDER_SLOTS);
		this.initPeriod(period);
		wilderInit(this.arena.f64, this.o + 1, period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const prev = m[o];
		m[o] = bar.close;
		// True ranges start at the second bar: the bars before this one are the ranges so far, this one included.
		if (!Number.isNaN(prev)) m[this.at] = wilderPushN(m, o + 1, this.period, this.accepted, trueRange(bar.high, bar.low, prev));
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const prev = m[this.o];
		out[at] = Number.isNaN(prev) ? NaN : wilderPeek(m, this.o + 1, trueRange(bar.high, bar.low, prev));
	}

	protected save(): AtrState {
		const m = this.arena.f64;
		return { prevClose: orNull(m[this.o]), tr: wilderSave(m, this.o + 1) };
	}

	protected restore(s: AtrState): void {
		const m = this.arena.f64;
		m[this.o] = s.prevClose ?? NaN;
		wilderLoad(m, this.o + 1, s.tr);
		m[this.at] = wilderValue(m, this.o + 1);
	}
}
