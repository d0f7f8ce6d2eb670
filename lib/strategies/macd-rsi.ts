import type { Bar } from "../bars/bar.ts";
import { Macd } from "../indicators/macd.ts";
import { Rsi } from "../indicators/rsi.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

/**
 * MACD + RSI: long when the MACD line crosses above its signal line while RSI is below
 * `overbought`; short when it crosses below while RSI is above `oversold`. The RSI filter skips
 * crosses that come when the move is already stretched. Strength = the room RSI leaves in the
 * signal's direction: (overbought − RSI)/(overbought − oversold) for longs, mirrored for shorts.
 */
export class MacdRsiStrategy extends Strategy {
	readonly name = "macd-rsi";
	get #macd() {
		return this.indicators[0] as Macd;
	}
	get #rsi() {
		return this.indicators[1] as Rsi;
	}
	#overbought: number;
	#oversold: number;

	constructor(fast = 12, slow = 26, signal = 9, rsiPeriod = 14, overbought = 70, oversold = 30) {
		const macd = new Macd(fast, slow, signal);
		const rsi = new Rsi(rsiPeriod);
		super([fast, slow, signal, rsiPeriod, overbought, oversold], [macd, rsi], 1);
		this.#overbought = overbought;
		this.#oversold = oversold;
	}

	protected evaluate(bar: Bar) {
		const m = this.#macd.value;
		const rsi = this.#rsi.value;
		const prevHist = this.memory[0];
		this.memory[0] = m === null ? NaN : m.hist;
		if (m === null || rsi === null) return null;
		const dir = cross(prevHist, 0, m.hist, 0); // hist = macd − signal, so its zero cross is the line cross
		const inputs = { close: bar.close, macd: m.macd, signal: m.signal, hist: m.hist, rsi };
		const span = this.#overbought - this.#oversold;
		if (dir > 0 && rsi < this.#overbought) {
			return this.signal(bar, 1, clamp01((this.#overbought - rsi) / span), `MACD crossed above signal with RSI ${rsi.toFixed(1)} < ${this.#overbought}`, inputs);
		}
		if (dir < 0 && rsi > this.#oversold) {
			return this.signal(bar, -1, clamp01((rsi - this.#oversold) / span), `MACD crossed below signal with RSI ${rsi.toFixed(1)} > ${this.#oversold}`, inputs);
		}
		return null;
	}
}
