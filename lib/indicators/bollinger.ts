import type { Bar } from "../bars/bar.ts";
import { type SmaState, smaInit, smaLoad, smaPeek, smaSave, smaSlots, smaWarm, windowPush } from "./core/sma-core.ts";
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
const K = 0, SUM_SQ = 1, MEAN = 2;

/**
 * Bollinger Bands (TA-Lib BBANDS with an SMA middle): population standard deviation computed as
 * TA-Lib does, sqrt(mean(x²) − mean(x)²) from two running sums, and 0 when that is below 1e-14.
 * Using the same formula (not Welford) is what makes flat stretches agree with TA-Lib to the bit.
 * State: [deviations, Σx², running mean of x]; the window of x serves both sums (x² is recomputed
 * when it leaves: the same double that was added).
 */
export class Bollinger extends Indicator<BollingerValue> {
	readonly period: number;

	constructor(period = 20, deviations = 2) {
		if (period < 2) throw new RangeError(`bbands period must be >= 2, got ${period}`);
		if (!Number.isFinite(deviations)) throw new RangeError(`bbands deviations must be finite, got ${deviations}`);
		super(MEAN + smaSlots(period));
		const m = this.arena.f64;
		m[this.o + K] = deviations;
		m[this.o + SUM_SQ] = 0;
		smaInit(m, this.o + MEAN, period);
		this.period = period;
	}

	get kind(): string {
		return "bbands";
	}

	get params(): readonly number[] {
		return [this.period, this.arena.f64[this.o + K]];
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
		const sq = x * x;
		this.accepted++;
		const leaving = windowPush(m, o + MEAN, x);
		if (leaving !== leaving) {
			m[o + MEAN + 1] += x;
			m[o + SUM_SQ] += sq;
			return null;
		}
		const total = m[o + MEAN + 1] + x;
		m[o + MEAN + 1] = total - leaving;
		const totalSq = m[o + SUM_SQ] + sq;
		m[o + SUM_SQ] = totalSq - leaving * leaving;
		bands(m, this.at, m[o + K], total / this.period, totalSq / this.period);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const x = bar.close;
		if (!smaWarm(m, o + MEAN)) out.fill(NaN, at, at + 3);
		else bands(out, at, m[o + K], smaPeek(m, o + MEAN, x), (m[o + SUM_SQ] + x * x) / this.period);
	}

	protected read(m: Float64Array, at: number): BollingerValue | null {
		return Number.isNaN(m[at + 1]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): BollingerState & { value: BollingerValue | null } {
		const m = this.arena.f64;
		const mean = smaSave(m, this.o + MEAN);
		return { mean, meanSq: { sum: m[this.o + SUM_SQ], window: mean.window.map((x) => x * x) }, value: this.value };
	}

	protected restore(s: BollingerState & { value: BollingerValue | null }): void {
		const m = this.arena.f64;
		smaLoad(m, this.o + MEAN, s.mean);
		m[this.o + SUM_SQ] = s.meanSq.sum;
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
