import type { Bar } from "../bars/bar.ts";
import { isZero, trueRange } from "./core/true-range.ts";
import { Indicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

export interface AdxValue {
	adx: number | null;
	plusDI: number;
	minusDI: number;
}

interface Smoothed {
	diffs: number; // bar-to-bar changes seen
	plusDM: number;
	minusDM: number;
	tr: number;
	sumDX: number;
	adx: number | null;
}

interface AdxState extends Smoothed {
	prev: [number, number, number] | null; // high, low, close of the last bar
	value: AdxValue | null;
}

/**
 * ADX with +DI/−DI as TA-Lib's ADX, PLUS_DI and MINUS_DI compute them: ±DM and TR are summed over
 * the first n−1 bar-to-bar changes, then smoothed as s − s/n + x; ±DI = 100·DM/TR (0 when TR ≈ 0);
 * ADX is the mean of the first n DX values, then Wilder-smoothed, and holds when DX is undefined.
 * ±DI start at bar n, ADX at bar 2n−1 (so `adx` is null for the bars in between).
 */
export class Adx extends Indicator<AdxValue> {
	readonly kind = "adx";
	readonly params: readonly number[];
	readonly outputs = ["adx", "plusDI", "minusDI"] as const;
	readonly lookback: number;
	readonly period: number;
	#s: Smoothed = { diffs: 0, plusDM: 0, minusDM: 0, tr: 0, sumDX: 0, adx: null };
	#prev = new Float64Array(3);
	#hasPrev = false;
	#value: AdxValue = { adx: null, plusDI: 0, minusDI: 0 };
	#peeked: AdxValue = { adx: null, plusDI: 0, minusDI: 0 };

	constructor(period = 14) {
		super(3);
		if (period < 2) throw new RangeError(`adx period must be >= 2, got ${period}`);
		this.period = period;
		this.params = [period];
		this.lookback = period; // ±DI start here; the adx field itself starts at 2n−1
	}

	get value(): AdxValue | null {
		return this.#s.diffs >= this.period ? this.#value : null;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		if (this.#step(bar, this.#value, true)) this.fill(this.row, 0, this.#value);
		this.#prev[0] = bar.high;
		this.#prev[1] = bar.low;
		this.#prev[2] = bar.close;
		this.#hasPrev = true;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): AdxValue | null {
		return this.#step(bar, this.#peeked, false) ? this.#peeked : null;
	}

	/** One bar of TA-Lib's loop; writes state only when `commit`. Returns whether ±DI exist. */
	#step(bar: Bar, out: AdxValue, commit: boolean): boolean {
		if (!this.#hasPrev) return false;
		const s = this.#s;
		const n = this.period;
		const diffP = bar.high - this.#prev[0];
		const diffM = this.#prev[1] - bar.low;
		const dmP = diffP > 0 && diffP > diffM ? diffP : 0;
		const dmM = diffM > 0 && diffP < diffM ? diffM : 0;
		const tr = trueRange(bar.high, bar.low, this.#prev[2]);
		const i = s.diffs + 1;
		const early = i < n;
		const plusDM = early ? s.plusDM + dmP : s.plusDM - s.plusDM / n + dmP;
		const minusDM = early ? s.minusDM + dmM : s.minusDM - s.minusDM / n + dmM;
		const sumTR = early ? s.tr + tr : s.tr - s.tr / n + tr;
		let sumDX = s.sumDX;
		let adx = s.adx;
		let plusDI = 0;
		let minusDI = 0;
		if (!early && !isZero(sumTR)) {
			plusDI = 100 * (plusDM / sumTR);
			minusDI = 100 * (minusDM / sumTR);
			const total = minusDI + plusDI;
			if (!isZero(total)) {
				const dx = 100 * (Math.abs(minusDI - plusDI) / total);
				if (i < 2 * n) sumDX += dx;
				else adx = ((adx as number) * (n - 1) + dx) / n;
			}
		}
		if (i === 2 * n - 1) adx = sumDX / n;
		if (commit) {
			s.diffs = i;
			s.plusDM = plusDM;
			s.minusDM = minusDM;
			s.tr = sumTR;
			s.sumDX = sumDX;
			s.adx = adx;
		}
		out.adx = adx;
		out.plusDI = plusDI;
		out.minusDI = minusDI;
		return !early;
	}

	protected fill(out: Float64Array, at: number, v: AdxValue | null): void {
		out[at] = v?.adx ?? NaN;
		out[at + 1] = v === null ? NaN : v.plusDI;
		out[at + 2] = v === null ? NaN : v.minusDI;
	}

	protected save(): AdxState {
		const prev: AdxState["prev"] = this.#hasPrev ? [this.#prev[0], this.#prev[1], this.#prev[2]] : null;
		return { ...this.#s, prev, value: this.value && { ...this.#value } };
	}

	protected restore(s: AdxState): void {
		const { value, prev, ...rest } = s;
		Object.assign(this.#s, rest);
		this.#hasPrev = prev !== null;
		if (prev) this.#prev.set(prev);
		if (value) Object.assign(this.#value, value);
	}
}
