/**
 * Bars of one timeframe built from ticks: the closed bars (a bounded history) and the forming
 * one. A tick for an earlier bucket amends that bar if it is still in the history.
 */
import type { TickBar } from "./bar.ts";

export type BarChange = "opened" | "updated" | "amended" | "too-old";

export interface BarSeriesState {
	tfMs: number;
	bars: TickBar[];
}

export class BarSeries {
	/** Oldest first; the last one is the forming bar. */
	#bars: TickBar[] = [];

	constructor(readonly tfMs: number, readonly maxBars: number) {}

	add(ts: number, price: number, size: number): BarChange {
		const time = ts - (((ts % this.tfMs) + this.tfMs) % this.tfMs);
		const last = this.#bars[this.#bars.length - 1];
		if (!last || time > last.time) {
			this.#bars.push({ time, open: price, high: price, low: price, close: price, volume: size, trades: 1, vwap: price });
			if (this.#bars.length > this.maxBars + 1) this.#bars.shift();
			return "opened";
		}
		const bar = time === last.time ? last : this.#find(time);
		if (!bar) return "too-old";
		const pv = bar.vwap * bar.volume + price * size;
		if (price > bar.high) bar.high = price;
		if (price < bar.low) bar.low = price;
		// A late tick changes high/low/volume but not the close, which belongs to the latest tick.
		if (bar === last) bar.close = price;
		bar.volume += size;
		bar.trades++;
		bar.vwap = bar.volume > 0 ? pv / bar.volume : price;
		return bar === last ? "updated" : "amended";
	}

	#find(time: number): TickBar | undefined {
		for (let i = this.#bars.length - 2; i >= 0; i--) {
			if (this.#bars[i].time === time) return this.#bars[i];
			if (this.#bars[i].time < time) return undefined;
		}
		return undefined;
	}

	get forming(): TickBar | null {
		return this.#bars[this.#bars.length - 1] ?? null;
	}

	/** The newest `limit` bars, oldest first, the forming bar last. */
	list(limit: number): TickBar[] {
		return this.#bars.slice(Math.max(0, this.#bars.length - limit)).map(b => ({ ...b }));
	}

	toJSON(): BarSeriesState {
		return { tfMs: this.tfMs, bars: this.#bars.map(b => ({ ...b })) };
	}

	static fromJSON(s: BarSeriesState, maxBars: number): BarSeries {
		const series = new BarSeries(s.tfMs, maxBars);
		series.#bars = s.bars.slice(-(maxBars + 1)).map(b => ({ ...b }));
		return series;
	}
}
