import type { Bar } from "../bars/bar.ts";
import { ringInit, ringLoad, ringOldest, ringPush, ringSlots, ringToJSON } from "./core/ring.ts";
import { ScalarIndicator, whole } from "./indicator.ts";
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
export class Wma extends ScalarIndicator {
	readonly period: number;

	constructor(period = 20) {
		if (!Number.isInteger(period) || period < 2) throw new RangeError(`wma period must be an integer >= 2, got ${period}`);
		super(RING + ringSlots(period));
		const m = this.arena.f64;
		m.fill(0, this.o, this.o + RING);
		ringInit(m, this.o + RING, period);
		this.period = whole(period);
	}

	protected get slots(): number {
		return RING + ringSlots(this.period);
	}

	get kind(): string {
		return "wma";
	}

	get params(): readonly number[] {
		return [this.period];
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
		const x = bar.close;
		const seen = ++this.accepted;
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
		m[o + SUM] = s.sum;
		m[o + SUB] = s.sub;
		m[o + TRAILING] = s.trailing;
		ringLoad(m, o + RING, s.window);
		m[this.at] = s.value ?? NaN;
	}
}
