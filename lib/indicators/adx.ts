import type { Bar } from "../bars/bar.ts";
import { isZero, trueRange } from "./core/true-range.ts";
import { Indicator, orNull } from "./indicator.ts";
import { changesLookback, checkPeriod, withPeriod } from "./period-indicator.ts";
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

const OUTPUTS = Object.freeze(["adx", "plusDI", "minusDI"]);
// State: the Smoothed fields in order (adx NaN while null), then the last bar's high, low, close (NaN before the first bar).
const DIFFS = 0,
	PLUS_DM = 1,
	MINUS_DM = 2,
	TR = 3,
	SUM_DX = 4,
	ADX = 5,
	PREV = 6;

/**
 * ADX with +DI/−DI as TA-Lib's ADX, PLUS_DI and MINUS_DI compute them: ±DM and TR are summed over
 * the first n−1 bar-to-bar changes, then smoothed as s − s/n + x; ±DI = 100·DM/TR (0 when TR ≈ 0);
 * ADX is the mean of the first n DX values, then Wilder-smoothed, and holds when DX is undefined.
 * ±DI start at bar n, ADX at bar 2n−1 (so `adx` is null for the bars in between): the lookback is
 * n, where the value starts.
 */
export class Adx extends withPeriod(Indicator<AdxValue>, changesLookback) {
	get kind(): string {
		return "adx";
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
	}

	protected get slots(): number {
		return PREV + 3;
	}

	constructor(period = 14) {
		checkPeriod("adx", period, 2);
		super(PREV + 3);
		this.initPeriod(period);
		this.arena.f64.fill(0, this.o, this.o + ADX);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		this.#step(bar, m, this.at, true);
		m[o + PREV] = bar.high;
		m[o + PREV + 1] = bar.low;
		m[o + PREV + 2] = bar.close;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		out.fill(NaN, at, at + 3);
		this.#step(bar, out, at, false);
	}

	/** One bar of TA-Lib's loop: writes the outputs once ±DI exist, and the state only when `commit`. */
	#step(bar: Bar, out: Float64Array, at: number, commit: boolean): void {
		const m = this.arena.f64;
		const o = this.o;
		const prevClose = m[o + PREV + 2];
		if (Number.isNaN(prevClose)) return;
		const n = this.period;
		const diffP = bar.high - m[o + PREV];
		const diffM = m[o + PREV + 1] - bar.low;
		const dmP = diffP > 0 && diffP > diffM ? diffP : 0;
		const dmM = diffM > 0 && diffP < diffM ? diffM : 0;
		const tr = trueRange(bar.high, bar.low, prevClose);
		const i = m[o + DIFFS] + 1;
		const early = i < n;
		const sPlus = m[o + PLUS_DM],
			sMinus = m[o + MINUS_DM],
			sTR = m[o + TR];
		const plusDM = early ? sPlus + dmP : sPlus - sPlus / n + dmP;
		const minusDM = early ? sMinus + dmM : sMinus - sMinus / n + dmM;
		const sumTR = early ? sTR + tr : sTR - sTR / n + tr;
		let sumDX = m[o + SUM_DX];
		let adx = m[o + ADX];
		let plusDI = 0;
		let minusDI = 0;
		if (!early && !isZero(sumTR)) {
			plusDI = 100 * (plusDM / sumTR);
			minusDI = 100 * (minusDM / sumTR);
			const total = minusDI + plusDI;
			if (!isZero(total)) {
				const dx = 100 * (Math.abs(minusDI - plusDI) / total);
				if (i < 2 * n) sumDX += dx;
				else adx = (adx * (n - 1) + dx) / n;
			}
		}
		if (i === 2 * n - 1) adx = sumDX / n;
		if (commit) {
			m[o + DIFFS] = i;
			m[o + PLUS_DM] = plusDM;
			m[o + MINUS_DM] = minusDM;
			m[o + TR] = sumTR;
			m[o + SUM_DX] = sumDX;
			m[o + ADX] = adx;
		}
		if (early) return;
		out[at] = adx;
		out[at + 1] = plusDI;
		out[at + 2] = minusDI;
	}

	protected read(m: Float64Array, at: number): AdxValue | null {
		return Number.isNaN(m[at + 1]) ? null : { adx: orNull(m[at]), plusDI: m[at + 1], minusDI: m[at + 2] };
	}

	protected save(): AdxState {
		const m = this.arena.f64;
		const o = this.o;
		const prev: AdxState["prev"] = Number.isNaN(m[o + PREV + 2]) ? null : [m[o + PREV], m[o + PREV + 1], m[o + PREV + 2]];
		return {
			diffs: m[o + DIFFS],
			plusDM: m[o + PLUS_DM],
			minusDM: m[o + MINUS_DM],
			tr: m[o + TR],
			sumDX: m[o + SUM_DX],
			adx: orNull(m[o + ADX]),
			prev,
			value: this.value,
		};
	}

	protected restore(s: AdxState): void {
		const m = this.arena.f64;
		const o = this.o;
		m[o + DIFFS] = s.diffs;
		m[o + PLUS_DM] = s.plusDM;
		m[o + MINUS_DM] = s.minusDM;
		m[o + TR] = s.tr;
		m[o + SUM_DX] = s.sumDX;
		m[o + ADX] = s.adx ?? NaN;
		m.fill(NaN, o + PREV, o + PREV + 3);
		if (s.prev) m.set(s.prev, o + PREV);
		const v = s.value;
		m[this.at] = v?.adx ?? NaN;
		m[this.at + 1] = v === null ? NaN : v.plusDI;
		m[this.at + 2] = v === null ? NaN : v.minusDI;
	}
}
