import type { Bar } from "../bars/bar.ts";
import { ringFull, ringInit, ringLoad, ringOldest, ringPush, ringSize, ringSlots, ringToJSON } from "./core/ring.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { changesLookback, checkPeriod, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

interface MfiState {
	prevTypical: number | null;
	pos: number;
	neg: number;
	posWindow: number[];
	negWindow: number[];
	value: number | null;
}

// State: [previous typical price, Σ positive flow, Σ negative flow, ring of positive flows, ring of negative flows].
const PREV_TYPICAL = 0,
	POS = 1,
	NEG = 2,
	POS_WINDOW = 3;

/**
 * Money flow index (TA-Lib MFI): typical price × volume counted as positive or negative flow by
 * the typical price's direction (neither when unchanged), summed over n bars;
 * MFI = 100·pos/(pos+neg), and 0 when the total is below 1 as TA-Lib does. First value at bar n.
 */
export class Mfi extends withPeriod(ScalarIndicator, changesLookback) {
	get kind(): string {
		return "mfi";
	}

	protected get slots(): number {
		return POS_WINDOW + 2 * ringSlots(this.period);
	}

	constructor(period = 14) {
		checkPeriod("mfi", period, 2);
		super(POS_WINDOW + 2 * ringSlots(period));
		this.initPeriod(period);
		const m = this.arena.f64;
		m[this.o + POS] = 0;
		m[this.o + NEG] = 0;
		ringInit(m, this.o + POS_WINDOW, period);
		ringInit(m, this.o + POS_WINDOW + ringSlots(period), period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const tp = (bar.high + bar.low + bar.close) / 3.0;
		const d = tp - m[o + PREV_TYPICAL];
		m[o + PREV_TYPICAL] = tp;
		this.accepted++;
		if (Number.isNaN(d)) return null;
		const pw = o + POS_WINDOW;
		const nw = pw + ringSlots(this.period);
		const flow = tp * bar.volume;
		// TA-Lib drops the leaving flow before adding the new one; the order matters for the float sums.
		if (ringFull(m, pw)) {
			m[o + POS] -= ringOldest(m, pw);
			m[o + NEG] -= ringOldest(m, nw);
		}
		const pos = d > 0 ? flow : 0.0;
		const neg = d < 0 ? flow : 0.0;
		m[o + POS] += pos;
		m[o + NEG] += neg;
		ringPush(m, pw, pos);
		ringPush(m, nw, neg);
		if (ringFull(m, pw)) m[this.at] = mfi(m[o + POS], m[o + NEG]);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const pw = o + POS_WINDOW;
		const nw = pw + ringSlots(this.period);
		if (Number.isNaN(m[o + PREV_TYPICAL]) || ringSize(m, pw) + 1 < this.period) {
			out[at] = NaN;
			return;
		}
		const tp = (bar.high + bar.low + bar.close) / 3.0;
		const flow = tp * bar.volume;
		const d = tp - m[o + PREV_TYPICAL];
		const full = ringFull(m, pw);
		const pos = (full ? m[o + POS] - ringOldest(m, pw) : m[o + POS]) + (d > 0 ? flow : 0.0);
		const neg = (full ? m[o + NEG] - ringOldest(m, nw) : m[o + NEG]) + (d < 0 ? flow : 0.0);
		out[at] = mfi(pos, neg);
	}

	protected save(): MfiState {
		const m = this.arena.f64;
		const o = this.o;
		const pw = o + POS_WINDOW;
		const prevTypical = orNull(m[o + PREV_TYPICAL]);
		return { prevTypical, pos: m[o + POS], neg: m[o + NEG], posWindow: ringToJSON(m, pw), negWindow: ringToJSON(m, pw + ringSlots(this.period)), value: this.value };
	}

	protected restore(s: MfiState): void {
		const m = this.arena.f64;
		const o = this.o;
		const pw = o + POS_WINDOW;
		m[o + PREV_TYPICAL] = s.prevTypical ?? NaN;
		m[o + POS] = s.pos;
		m[o + NEG] = s.neg;
		ringLoad(m, pw, s.posWindow);
		ringLoad(m, pw + ringSlots(this.period), s.negWindow);
		m[this.at] = s.value ?? NaN;
	}
}

function mfi(pos: number, neg: number): number {
	const total = pos + neg;
	return total < 1.0 ? 0.0 : 100.0 * (pos / total);
}
