import type { Bar } from "../bars/bar.ts";
import { type SmaState, smaInit, smaLoad, smaPeek, smaPush, smaSave, smaSlots } from "./core/sma-core.ts";
import { TA_EPSILON } from "./core/true-range.ts";
import { Indicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

export interface BollingerValue {
	upper: number;
	middle: number;
	lower: number;
}

interface BollingerState {
	mean: SmaState;
	meanSq: SmaState;
}

const OUTPUTS = Object.freeze(["upper", "middle", "lower"]);

/**
 * Bollinger Bands (TA-Lib BBANDS with an SMA middle): population standard deviation computed as
 * TA-Lib does, sqrt(mean(x²) − mean(x)²) from two running sums, and 0 when that is below 1e-14.
 * Using the same formula (not Welford) is what makes flat stretches agree with TA-Lib to the bit.
 * State: [deviations, running mean of x, running mean of x²].
 */
export class Bollinger extends Indicator<BollingerValue> {
	readonly period: number;

	constructor(period = 20, deviations = 2) {
		if (period < 2) throw new RangeError(`bbands period must be >= 2, got ${period}`);
		if (!Number.isFinite(deviations)) throw new RangeError(`bbands deviations must be finite, got ${deviations}`);
		super(1 + 2 * smaSlots(period));
		const m = this.arena.f64;
		m[this.o] = deviations;
		smaInit(m, this.o + 1, period);
		smaInit(m, this.o + 1 + smaSlots(period), period);
		this.period = period;
	}

	get kind(): string {
		return "bbands";
	}

	get params(): readonly number[] {
		return [this.period, this.arena.f64[this.o]];
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
		const m = this.arena.f64;
		const o = this.o;
		const x = bar.close;
		const mean = smaPush(m, o + 1, x);
		const meanSq = smaPush(m, o + 1 + smaSlots(this.period), x * x);
		this.accepted++;
		if (!Number.isNaN(mean)) bands(m, this.at, m[o], mean, meanSq);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const x = bar.close;
		const mean = smaPeek(m, o + 1, x);
		if (Number.isNaN(mean)) out.fill(NaN, at, at + 3);
		else bands(out, at, m[o], mean, smaPeek(m, o + 1 + smaSlots(this.period), x * x));
	}

	protected read(m: Float64Array, at: number): BollingerValue | null {
		return Number.isNaN(m[at + 1]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): BollingerState & { value: BollingerValue | null } {
		const m = this.arena.f64;
		return { mean: smaSave(m, this.o + 1), meanSq: smaSave(m, this.o + 1 + smaSlots(this.period)), value: this.value };
	}

	protected restore(s: BollingerState & { value: BollingerValue | null }): void {
		const m = this.arena.f64;
		smaLoad(m, this.o + 1, s.mean);
		smaLoad(m, this.o + 1 + smaSlots(this.period), s.meanSq);
		const v = s.value;
		m[this.at] = v === null ? NaN : v.upper;
		m[this.at + 1] = v === null ? NaN : v.middle;
		m[this.at + 2] = v === null ? NaN : v.lower;
	}
}

function bands(out: Float64Array, at: number, k: number, mean: number, meanSq: number): void {
	const variance = meanSq - mean * mean;
	const band = (variance < TA_EPSILON ? 0 : Math.sqrt(variance)) * k;
	out[at] = mean + band;
	out[at + 1] = mean;
	out[at + 2] = mean - band;
}
