import type { Bar } from "../bars/bar.ts";
import { Ema } from "../indicators/ema.ts";
import { Rsi } from "../indicators/rsi.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

const INPUTS = Object.freeze(["close", "rsi", "trend"]);

/**
 * RSI trend: long when RSI crosses above 50 while the close is above its trend EMA; short when RSI
 * crosses below 50 while the close is below it. Momentum turning with the trend, not against it.
 * Strength = |RSI − 50| / 20 (RSI at 70 or 30 is full strength).
 */
export class RsiTrendStrategy extends Strategy {
	constructor(rsiPeriod = 14, trendPeriod = 50) {
		const rsi = new Rsi(rsiPeriod);
		const trend = new Ema(trendPeriod);
		super([rsiPeriod, trendPeriod], rsi, trend, 1); // memory: previous RSI
	}

	get name(): string {
		return "rsi-trend";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1): string {
		return direction > 0 ? "RSI crossed above 50 with close above trend EMA" : "RSI crossed below 50 with close below trend EMA";
	}

	protected evaluate(bar: Bar) {
		const rsi = (this.first as Rsi).value ?? NaN;
		const trend = (this.second as Ema).value ?? NaN;
		const m = this.arena.f64;
		const dir = cross(m[this.mem], 50, rsi, 50);
		m[this.mem] = rsi;
		// The inputs array only for a signal: updates that fire nothing allocate nothing.
		const strength = clamp01(Math.abs(rsi - 50) / 20);
		if (dir > 0 && bar.close > trend) return this.signal(bar, 1, strength, [bar.close, rsi, trend]);
		if (dir < 0 && bar.close < trend) return this.signal(bar, -1, strength, [bar.close, rsi, trend]);
		return null;
	}
}
