import type { Bar } from "../bars/bar.ts";
import { SmaCore, type SmaState } from "./core/sma-core.ts";
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

/**
 * Bollinger Bands (TA-Lib BBANDS with an SMA middle): population standard deviation computed as
 * TA-Lib does, sqrt(mean(x²) − mean(x)²) from two running sums, and 0 when that is below 1e-14.
 * Using the same formula (not Welford) is what makes flat stretches agree with TA-Lib to the bit.
 */
export class Bollinger extends Indicator<BollingerValue> {
	readonly kind = "bbands";
	readonly params: readonly number[];
	readonly outputs = ["upper", "middle", "lower"] as const;
	readonly lookback: number;
	#mean: SmaCore;
	#meanSq: SmaCore;
	#k: number;
	#value: BollingerValue = { upper: 0, middle: 0, lower: 0 };
	#peeked: BollingerValue = { upper: 0, middle: 0, lower: 0 };
	#ready = false;

	constructor(period = 20, deviations = 2) {
		super(3);
		if (period < 2) throw new RangeError(`bbands period must be >= 2, got ${period}`);
		if (!Number.isFinite(deviations)) throw new RangeError(`bbands deviations must be finite, got ${deviations}`);
		this.#mean = new SmaCore(period);
		this.#meanSq = new SmaCore(period);
		this.#k = deviations;
		this.params = [period, deviations];
		this.lookback = period - 1;
	}

	get value(): BollingerValue | null {
		return this.#ready ? this.#value : null;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const x = bar.close;
		const mean = this.#mean.push(x);
		const meanSq = this.#meanSq.push(x * x);
		this.accepted++;
		this.#ready = !Number.isNaN(mean);
		if (!this.#ready) return null;
		const v = this.#set(this.#value, mean, meanSq);
		this.row[0] = v.upper;
		this.row[1] = v.middle;
		this.row[2] = v.lower;
		return null;
	}

	protected preview(bar: Bar): BollingerValue | null {
		const x = bar.close;
		const mean = this.#mean.peek(x);
		return Number.isNaN(mean) ? null : this.#set(this.#peeked, mean, this.#meanSq.peek(x * x));
	}

	#set(out: BollingerValue, mean: number, meanSq: number): BollingerValue {
		const variance = meanSq - mean * mean;
		const band = (variance < TA_EPSILON ? 0 : Math.sqrt(variance)) * this.#k;
		out.upper = mean + band;
		out.middle = mean;
		out.lower = mean - band;
		return out;
	}

	protected fill(out: Float64Array, at: number, v: BollingerValue | null): void {
		out[at] = v === null ? NaN : v.upper;
		out[at + 1] = v === null ? NaN : v.middle;
		out[at + 2] = v === null ? NaN : v.lower;
	}

	protected save(): BollingerState & { value: BollingerValue | null } {
		return { mean: this.#mean.save(), meanSq: this.#meanSq.save(), value: this.value && { ...this.#value } };
	}

	protected restore(s: BollingerState & { value: BollingerValue | null }): void {
		this.#mean.load(s.mean);
		this.#meanSq.load(s.meanSq);
		this.#ready = s.value !== null;
		if (s.value) Object.assign(this.#value, s.value);
	}
}
