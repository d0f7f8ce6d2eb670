import type { Bar } from "../bars/bar.ts";
import { isZero } from "./core/true-range.ts";
import { WILDER_SLOTS, type WilderState, wilderInit, wilderLoad, wilderPeek, wilderPushN, wilderSave, wilderValue } from "./core/wilder-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { changesLookback, checkPeriod, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

interface RsiState {
	prevClose: number | null;
	gain: WilderState;
	loss: WilderState;
}

// State: [previous close, Wilder average of gains, Wilder average of losses].
const GAIN = 1;
const LOSS = GAIN + WILDER_SLOTS;

/**
 * Wilder's RSI as TA-Lib computes it: Wilder averages of gains and losses seeded with their plain
 * mean over the first n changes, RSI = 100·gain/(gain+loss), 0 when both are (near) zero.
 * First value at bar n.
 */
export class Rsi extends withPeriod(ScalarIndicator, changesLookback) {
	get kind(): string {
		return "rsi";
	}

	protected get slots(): number {
		return 1 + 2 * WILDER_SLOTS;
	}

	constructor(period = 14) {
		checkPeriod("rsi", period, 2);
		super(1 + 2 * WILDER_SLOTS);
		this.initPeriod(period);
		const m = this.arena.f64;
		wilderInit(m, this.o + GAIN, period);
		wilderInit(m, this.o + LOSS, period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const d = bar.close - m[o];
		m[o] = bar.close;
		const changes = this.accepted++; // bar-to-bar changes so far, this one included
		if (Number.isNaN(d)) return null; // first bar: no change yet
		const n = this.period;
		m[this.at] = ratio(wilderPushN(m, o + GAIN, n, changes, d < 0 ? 0 : d), wilderPushN(m, o + LOSS, n, changes, d < 0 ? -d : 0));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const d = bar.close - m[o];
		out[at] = Number.isNaN(d) ? NaN : ratio(wilderPeek(m, o + GAIN, d < 0 ? 0 : d), wilderPeek(m, o + LOSS, d < 0 ? -d : 0));
	}

	protected save(): RsiState {
		const m = this.arena.f64;
		return { prevClose: orNull(m[this.o]), gain: wilderSave(m, this.o + GAIN), loss: wilderSave(m, this.o + LOSS) };
	}

	protected restore(s: RsiState): void {
		const m = this.arena.f64;
		const o = this.o;
		m[o] = s.prevClose ?? NaN;
		wilderLoad(m, o + GAIN, s.gain);
		wilderLoad(m, o + LOSS, s.loss);
		m[this.at] = ratio(wilderValue(m, o + GAIN), wilderValue(m, o + LOSS));
	}
}

/** NaN in warm-up. */
function ratio(gain: number, loss: number): number {
	if (Number.isNaN(gain)) return gain; // not a NaN constant: that boxes the result (ema-core)
	const total = gain + loss;
	return isZero(total) ? 0 : 100 * (gain / total);
}
