import type { Bar } from "../bars/bar.ts";
import { type ExtremeState, extremesHighest, extremesLoad, extremesLowest, extremesPeekHighest, extremesPeekLowest, extremesPushReady, extremesSaveBoth, extremesCount, EXTREMES_SLOTS } from "./core/extremes.ts";
import { type SmaState, smaInit, smaLoad, smaPeek, smaPush, smaSave, smaSlots } from "./core/sma-core.ts";
import { Indicator, whole } from "./indicator.ts";
import { withRange } from "./range-indicator.ts";
import { checkBar } from "./validate.ts";

export interface StochasticValue {
	k: number;
	d: number;
}

interface StochasticState {
	high: ExtremeState;
	low: ExtremeState;
	slowK: SmaState;
	slowD: SmaState;
	value: StochasticValue | null;
}

const OUTPUTS = Object.freeze(["k", "d"]);

/**
 * Slow stochastic as TA-Lib's STOCH with SMA smoothing: fast %K = (close − lowest low) / ((highest
 * high − lowest low)/100) over `fastK` bars (0 when the range is 0), slow %K = SMA(fast %K, slowK),
 * %D = SMA(slow %K, slowD). First value at bar fastK+slowK+slowD−3.
 * State: [highest/lowest window, SMA of fast %K, SMA of slow %K].
 */
export class Stochastic extends withRange(Indicator<StochasticValue>) {
	readonly slowK: number;
	readonly slowD: number;

	constructor(fastK = 14, slowK = 3, slowD = 3) {
		super(EXTREMES_SLOTS + smaSlots(slowK) + smaSlots(slowD));
		this.initRange(fastK);
		const m = this.arena.f64;
		smaInit(m, this.o + EXTREMES_SLOTS, slowK);
		smaInit(m, this.o + EXTREMES_SLOTS + smaSlots(slowK), slowD);
		this.slowK = whole(slowK);
		this.slowD = whole(slowD);
	}

	/** Bars of the highest high and lowest low behind fast %K: the range's period. */
	get fastK(): number {
		return this.period;
	}

	protected override get slots(): number {
		return EXTREMES_SLOTS + smaSlots(this.slowK) + smaSlots(this.slowD);
	}

	get kind(): string {
		return "stoch";
	}

	override get params(): readonly number[] {
		return [this.fastK, this.slowK, this.slowD];
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
	}

	override get lookback(): number {
		return this.fastK + this.slowK - 1 + this.slowD - 1 - 1;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		if (!extremesPushReady(m, o, this.w, this.accepted++, bar)) return null;
		const sk = o + EXTREMES_SLOTS;
		// Raw %K written, not returned (a returned double is boxed when V8 does not inline the call),
		// into the %K output for a moment: it holds NaN again below while the SMAs warm up.
		fastK(m, this.at, bar.close, extremesHighest(m, o), extremesLowest(m, o));
		smaPush(m, sk, m[this.at], m, this.at); // slow %K over it, NaN in warm-up
		if (Number.isNaN(m[this.at])) return null;
		smaPush(m, sk + smaSlots(this.slowK), m[this.at], m, this.at + 1); // %D
		if (Number.isNaN(m[this.at + 1])) m[this.at] = m[this.at + 1]; // both NaN until %D has a value
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		out[at] = out[at + 1] = NaN;
		if (extremesCount(m, this.w) + 1 < this.period) return;
		const sk = o + EXTREMES_SLOTS;
		fastK(out, at, bar.close, extremesPeekHighest(m, o, this.w, bar.high), extremesPeekLowest(m, o, this.w, bar.low));
		const k = smaPeek(m, sk, out[at]);
		out[at] = NaN;
		const d = Number.isNaN(k) ? NaN : smaPeek(m, sk + smaSlots(this.slowK), k);
		if (Number.isNaN(d)) return;
		out[at] = k;
		out[at + 1] = d;
	}

	protected read(m: Float64Array, at: number): StochasticValue | null {
		return Number.isNaN(m[at + 1]) ? null : { k: m[at], d: m[at + 1] };
	}

	protected save(): StochasticState {
		const m = this.arena.f64;
		const sk = this.o + EXTREMES_SLOTS;
		return {
			...extremesSaveBoth(m, this.o, this.w),
			slowK: smaSave(m, sk),
			slowD: smaSave(m, sk + smaSlots(this.slowK)),
			value: this.value,
		};
	}

	protected restore(s: StochasticState): void {
		const m = this.arena.f64;
		const sk = this.o + EXTREMES_SLOTS;
		extremesLoad(m, this.o, this.w, s.high, s.low);
		smaLoad(m, sk, s.slowK);
		smaLoad(m, sk + smaSlots(this.slowK), s.slowD);
		m[this.at] = s.value === null ? NaN : s.value.k;
		m[this.at + 1] = s.value === null ? NaN : s.value.d;
	}
}

/** TA-Lib divides by range/100 rather than multiplying by 100 afterwards; keep that for exactness. */
function fastK(out: Float64Array, at: number, close: number, highest: number, lowest: number): void {
	const diff = (highest - lowest) / 100;
	if (diff !== 0) out[at] = (close - lowest) / diff;
	else out[at] = 0;
}
