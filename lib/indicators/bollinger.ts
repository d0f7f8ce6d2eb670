import type { Bar } from "../bars/bar.ts";
import type { SmaState } from "./core/sma-core.ts";
import { meanLoadWindow, meanPeek, meanWindow, SERIES_HEADER, agoSlot, seriesInit, seriesMove, seriesPush, seriesSlots } from "./core/series.ts";
import { TA_EPSILON } from "./core/true-range.ts";
import type { Arena } from "./arena.ts";
import { Indicator, whole } from "./indicator.ts";
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
const K = 0,
	SUM_SQ = 1,
	SUM = 2;

/**
 * Bollinger Bands (TA-Lib BBANDS with an SMA middle): population standard deviation computed as
 * TA-Lib does, sqrt(mean(x²) − mean(x)²) from two running sums, and 0 when that is below 1e-14.
 * Using the same formula (not Welford) is what makes flat stretches agree with TA-Lib to the bit.
 * State: [deviations, Σx², Σx] of the previous period−1 closes; the closes come from a window at
 * `w` (its own, or its IndicatorSet's shared one) that serves both sums (x² is recomputed when it
 * leaves: the same double that was added).
 */
export class Bollinger extends Indicator<BollingerValue> {
	readonly period: number;
	/** Offset of the closes window. */
	protected w: number;

	constructor(period = 20, deviations = 2) {
		if (period < 2) throw new RangeError(`bbands period must be >= 2, got ${period}`);
		if (!Number.isFinite(deviations)) throw new RangeError(`bbands deviations must be finite, got ${deviations}`);
		if (!Number.isInteger(period)) throw new RangeError(`period must be an integer >= 1, got ${period}`);
		super(SUM + 1);
		this.w = this.arena.alloc(seriesSlots(period, 1));
		const m = this.arena.f64;
		m[this.o + K] = deviations;
		m[this.o + SUM_SQ] = 0;
		m[this.o + SUM] = 0;
		seriesInit(m, this.w, period, 1);
		this.period = whole(period);
	}

	protected get slots(): number {
		return SUM + 1;
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

	override get closeWindow(): number {
		return this.period;
	}

	get lookback(): number {
		return this.period - 1;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const n = this.period;
		const seen = this.accepted;
		const x = bar.close;
		const sq = x * x;
		this.accepted = seen + 1;
		seriesPush(m, this.w, seen, x);
		if (seen < n - 1) {
			m[o + SUM] += x;
			m[o + SUM_SQ] += sq;
			return null;
		}
		const leaving = m[this.w + SERIES_HEADER + agoSlot(m, this.w, n - 1)]; // bar seen − n + 1: bar `seen` is the newest
		const total = m[o + SUM] + x;
		m[o + SUM] = total - leaving;
		const totalSq = m[o + SUM_SQ] + sq;
		m[o + SUM_SQ] = totalSq - leaving * leaving;
		bands(m, this.at, m[o + K], total / n, totalSq / n);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const x = bar.close;
		if (this.accepted < this.period - 1) out.fill(NaN, at, at + 3);
		else bands(out, at, m[o + K], meanPeek(m, o + SUM, this.period, this.accepted, x), (m[o + SUM_SQ] + x * x) / this.period);
	}

	protected override moveWindow(from: Float64Array, arena: Arena): void {
		this.w = seriesMove(from, this.w, arena, 1, this.period - 1);
	}

	protected read(m: Float64Array, at: number): BollingerValue | null {
		return Number.isNaN(m[at + 1]) ? null : { upper: m[at], middle: m[at + 1], lower: m[at + 2] };
	}

	protected save(): BollingerState & { value: BollingerValue | null } {
		const m = this.arena.f64;
		const mean = { sum: m[this.o + SUM], window: meanWindow(m, this.w, this.period) };
		return { mean, meanSq: { sum: m[this.o + SUM_SQ], window: mean.window.map(x => x * x) }, value: this.value };
	}

	protected restore(s: BollingerState & { value: BollingerValue | null }): void {
		const m = this.arena.f64;
		m[this.o + SUM] = s.mean.sum;
		meanLoadWindow(m, this.w, this.accepted, s.mean.window);
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
