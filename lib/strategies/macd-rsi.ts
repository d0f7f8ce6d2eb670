import type { Bar } from "../bars/bar.ts";
import { Macd } from "../indicators/macd.ts";
import { Rsi } from "../indicators/rsi.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

const INPUTS = Object.freeze(["close", "macd", "signal", "hist", "rsi"]);
const OVERBOUGHT = 4,
	OVERSOLD = 5; // parameter indexes

/**
 * MACD + RSI: long when the MACD line crosses above its signal line while RSI is below
 * `overbought`; short when it crosses below while RSI is above `oversold`. The RSI filter skips
 * crosses that come when the move is already stretched. Strength = the room RSI leaves in the
 * signal's direction: (overbought − RSI)/(overbought − oversold) for longs, mirrored for shorts.
 */
export class MacdRsiStrategy extends Strategy {
	constructor(fast = 12, slow = 26, signal = 9, rsiPeriod = 14, overbought = 70, oversold = 30) {
		const macd = new Macd(fast, slow, signal);
		const rsi = new Rsi(rsiPeriod);
		// memory: previous histogram; scratch: this bar's MACD line, signal and histogram (by `write`)
		super([fast, slow, signal, rsiPeriod, overbought, oversold], macd, rsi, 1, 3);
	}

	get name(): string {
		return "macd-rsi";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1, inputs: Record<string, number>): string {
		const rsi = inputs.rsi.toFixed(1);
		return direction > 0 ? `MACD crossed above signal with RSI ${rsi} < ${this.param(OVERBOUGHT)}` : `MACD crossed below signal with RSI ${rsi} > ${this.param(OVERSOLD)}`;
	}

	protected evaluate(bar: Bar) {
		// The MACD's outputs copied into the memory, not read as a `value` object (one per update).
		const f64 = this.arena.f64;
		const k = this.mem;
		this.first.write(f64, k + 1);
		const rsi = (this.second as Rsi).value;
		const prevHist = f64[k];
		const hist = f64[k + 3];
		f64[k] = hist;
		if (Number.isNaN(hist) || rsi === null) return null;
		const dir = cross(prevHist, 0, hist, 0); // hist = macd − signal, so its zero cross is the line cross
		const overbought = this.param(OVERBOUGHT);
		const oversold = this.param(OVERSOLD);
		const span = overbought - oversold;
		if (dir > 0 && rsi < overbought) return this.signal(bar, 1, clamp01((overbought - rsi) / span), [bar.close, f64[k + 1], f64[k + 2], hist, rsi]);
		if (dir < 0 && rsi > oversold) return this.signal(bar, -1, clamp01((rsi - oversold) / span), [bar.close, f64[k + 1], f64[k + 2], hist, rsi]);
		return null;
	}
}
