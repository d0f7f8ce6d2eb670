import type { Bar } from "../bars/bar.ts";
import { RollingExtreme, type ExtremeState } from "./core/extremes.ts";
import { SmaCore, type SmaState } from "./core/sma-core.ts";
import { Indicator } from "./indicator.ts";
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

/**
 * Slow stochastic as TA-Lib's STOCH with SMA smoothing: fast %K = (close − lowest low) / ((highest
 * high − lowest low)/100) over `fastK` bars (0 when the range is 0), slow %K = SMA(fast %K, slowK),
 * %D = SMA(slow %K, slowD). First value at bar fastK+slowK+slowD−3.
 */
export class Stochastic extends Indicator<StochasticValue> {
	readonly kind = "stoch";
	readonly params: readonly number[];
	readonly outputs = ["k", "d"] as const;
	readonly lookback: number;
	#high: RollingExtreme;
	#low: RollingExtreme;
	#slowK: SmaCore;
	#slowD: SmaCore;
	#value: StochasticValue = { k: 0, d: 0 };
	#peeked: StochasticValue = { k: 0, d: 0 };
	#ready = false;

	constructor(fastK = 14, slowK = 3, slowD = 3) {
		super(2);
		this.#high = new RollingExtreme(fastK, 1);
		this.#low = new RollingExtreme(fastK, -1);
		this.#slowK = new SmaCore(slowK);
		this.#slowD = new SmaCore(slowD);
		this.params = [fastK, slowK, slowD];
		this.lookback = fastK + slowK + slowD - 3;
	}

	get value(): StochasticValue | null {
		return this.#ready ? this.#value : null;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const highest = this.#high.push(bar.high);
		const lowest = this.#low.push(bar.low);
		if (this.#high.count < this.#high.period) return null;
		const k = this.#slowK.push(fastK(bar.close, highest, lowest));
		if (Number.isNaN(k)) return null;
		const d = this.#slowD.push(k);
		this.#ready = !Number.isNaN(d);
		if (!this.#ready) return null;
		this.row[0] = this.#value.k = k;
		this.row[1] = this.#value.d = d;
		return null;
	}

	protected preview(bar: Bar): StochasticValue | null {
		if (this.#high.count + 1 < this.#high.period) return null;
		const raw = fastK(bar.close, this.#high.peek(bar.high), this.#low.peek(bar.low));
		const k = this.#slowK.peek(raw);
		const d = Number.isNaN(k) ? NaN : this.#slowD.peek(k);
		if (Number.isNaN(d)) return null;
		this.#peeked.k = k;
		this.#peeked.d = d;
		return this.#peeked;
	}

	protected fill(out: Float64Array, at: number, v: StochasticValue | null): void {
		out[at] = v === null ? NaN : v.k;
		out[at + 1] = v === null ? NaN : v.d;
	}

	protected save(): StochasticState {
		return {
			high: this.#high.save(),
			low: this.#low.save(),
			slowK: this.#slowK.save(),
			slowD: this.#slowD.save(),
			value: this.value && { ...this.#value },
		};
	}

	protected restore(s: StochasticState): void {
		this.#high.load(s.high);
		this.#low.load(s.low);
		this.#slowK.load(s.slowK);
		this.#slowD.load(s.slowD);
		this.#ready = s.value !== null;
		if (s.value) Object.assign(this.#value, s.value);
	}
}

/** TA-Lib divides by range/100 rather than multiplying by 100 afterwards; keep that for exactness. */
function fastK(close: number, highest: number, lowest: number): number {
	const diff = (highest - lowest) / 100;
	return diff !== 0 ? (close - lowest) / diff : 0;
}
