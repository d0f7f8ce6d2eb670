import type { Bar } from "../bars/bar.ts";
import { EMA_SLOTS, type EmaState, emaInit, emaLoad, emaLookback, emaPeek, emaPushN, emaSave } from "./core/ema-core.ts";
import { ScalarIndicator } from "./indicator.ts";
import { withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

/** Exponential moving average of closes, k = 2/(n+1), seeded with the SMA of the first n (TA-Lib EMA). */
export class Ema extends withPeriod(ScalarIndicator, emaLookback) {
	get kind(): string {
		return "ema";
	}

	protected get slots(): number {
		return EMA_SLOTS;
	}

	constructor(period = 20) {
		super(EMA_SLOTS);
		this.initPeriod(period);
		emaInit(this.arena.f64, this.o, period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		m[this.at] = emaPushN(m, this.o, this.period, 0, ++this.accepted, bar.close);
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
