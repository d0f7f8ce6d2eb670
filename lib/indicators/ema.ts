import type { Bar } from "../bars/bar.ts";
import { EMA_SLOTS, type EmaState, emaInit, emaLoad, emaLookback, emaPeek, emaPush, emaSave } from "./core/ema-core.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** Exponential moving average of closes, k = 2/(n+1), seeded with the SMA of the first n (TA-Lib EMA). */
export class Ema extends ScalarIndicator {
	readonly period: number;

	constructor(period = 20) {
		super(EMA_SLOTS);
		emaInit(this.arena.f64, this.o, period);
		this.period = period;
	}

	get kind(): string {
		return "ema";
	}

	get params(): readonly number[] {
		return [this.period];
	}

	get lookback(): number {
		return emaLookback(this.period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		m[this.at] = emaPush(m, this.o, bar.close);
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		out[at] = emaPeek(this.arena.f64, this.o, bar.close);
	}

	protected save(): EmaState {
		return emaSave(this.arena.f64, this.o);
	}

	protected restore(s: EmaState): void {
		const m = this.arena.f64;
		emaLoad(m, this.o, s);
		m[this.at] = s.prev ?? NaN;
	}
}
