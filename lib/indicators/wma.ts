import type { Bar } from "../bars/bar.ts";
import { ringInit, ringLoad, ringOldest, ringPush, ringSlots, ringToJSON } from "./core/ring.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkPeriod, windowLookback, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

interface WmaState {
	sum: number;
	sub: number;
	trailing: number;
	window: number[];
	value: number | null;
}

// State: [Σ weight·close (already shifted down one weight step), Σ close over the window, the close
// whose weight drops to 0 next, ring of the last n closes].
const SUM = 0,
	SUB = 1,
	TRAILING = 2,
	RING = 3;

/**
 * Linearly weighted moving average of closes (weights 1..n, newest heaviest), with TA-Lib's O(1)
 * recurrence: a weighted sum and a plain sum updated in TA-Lib's order. First value at bar n−1.
 */
export class Wma extends withPeriod(ScalarIndicator, windowLookback) {
	get kind(): string {
		return "wma";
	}

	protected get slots(): number {
		return RING + ringSlots(this.period);
	}

	constructor(period = 20) {
		checkPeriod("wma", period, 2);
		super(RING + ringSlots(period));
		this.initPeriod(period);
		const m = this.arena.f64;
		ringInit(m, this.o + RING, period);
		m.fill(0, this.o, this.o + RING);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const seen = ++this.accepted;
		const n = this.period;
		const x = bar.close;
		ringPush(m, o + RING, x);
		if (seen < n) {
			m[o + SUB] += x;
			m[o + SUM] += x * seen;
			return null;
		}
		m[o + SUB] += x;
		m[o + SUB] -= m[o + TRAILING];
		m[o + SUM] += x * n;
		m[o + TRAILING] = ringOldest(m, o + RING);
		m[this.at] = m[o + SUM] / ((n * (n + 1)) / 2);
		m[o + SUM] -= m[o + SUB];
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const n = this.period;
		out[at] = this.accepted + 1 < n ? NaN : (this.arena.f64[this.o + SUM] + bar.close * n) / ((n * (n + 1)) / 2);
	}

	protected save(): WmaState {
		const m = this.arena.f64;
		const o = this.o;
		return { sum: m[o + SUM], sub: m[o + SUB], trailing: m[o + TRAILING], window: ringToJSON(m, o + RING), value: this.value };
	}

	protected restore(s: WmaState): void {
		const m = this.arena.f64;
		const o = this.o;
		ringLoad(m, o + RING, s.window);
		m[o + SUM] = s.sum;
		m[o + SUB] = s.sub;
		m[o + TRAILING] = s.trailing;
		m[this.at] = s.value ?? NaN;
	}
}
