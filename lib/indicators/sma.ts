import type { Bar } from "../bars/bar.ts";
import type { SmaState } from "./core/sma-core.ts";
import { meanLoadWindow, meanPeek, meanPush, meanWindow, seriesInit, seriesMove, seriesPush, seriesSlots } from "./core/series.ts";
import type { Arena } from "./arena.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkPeriod, windowLookback, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

/**
 * Simple moving average of closes (TA-Lib SMA). First value at bar period−1. State: the running sum;
 * the closes come from a window at `w` (its own, or the one its IndicatorSet shares).
 */
export class Sma extends withPeriod(ScalarIndicator, windowLookback) {
	/** Offset of the closes window; -1 for period 1, which needs none. */
	protected w: number;

	get kind(): string {
		return "sma";
	}

	protected get slots(): number {
		return 1;
	}

	constructor(period = 20) {
		checkPeriod("sma", period, 1);
		super(1);
		this.initPeriod(period);
		this.arena.f64[this.o] = 0;
		this.w = -1;
		if (period > 1) {
			this.w = this.arena.alloc(seriesSlots(period, 1));
			seriesInit(this.arena.f64, this.w, period, 1);
		}
	}

	override get closeWindow(): number {
		return this.period > 1 ? this.period : 0;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const seen = this.accepted;
		const x = bar.close;
		if (this.w < 0) m[this.at] = x;
		else {
			seriesPush(m, this.w, seen, x);
			m[this.at] = meanPush(m, this.o, this.w, this.period, seen, x);
		}
		this.accepted = seen + 1;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		out[at] = this.w < 0 ? bar.close : meanPeek(this.arena.f64, this.o, this.period, this.accepted, bar.close);
	}

	protected override moveWindow(from: Float64Array, arena: Arena): void {
		if (this.w >= 0) this.w = seriesMove(from, this.w, arena, 1, this.period - 1);
	}

	protected save(): SmaState & { value: number | null } {
		const m = this.arena.f64;
		return { sum: this.w < 0 ? 0 : m[this.o], window: this.w < 0 ? [] : meanWindow(m, this.w, this.period), value: this.value };
	}

	protected restore(s: SmaState & { value: number | null }): void {
		const m = this.arena.f64;
		if (this.w >= 0) {
			m[this.o] = s.sum;
			meanLoadWindow(m, this.w, this.accepted, s.window);
		}
		m[this.at] = s.value ?? NaN;
	}
}
