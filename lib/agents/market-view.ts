/**
 * What the explain and strategy agents see of a symbol: the latest price, indicator values of one
 * timeframe (as `symbols.indicators` names them: `rsi_14`, `macd_12_26_9.hist`, …), recent
 * signals, recent bars and, when there is news, its headlines and their sentiment.
 */
import type { Bar } from "../bars/bar.ts";

export interface ViewSignal {
	strategy: string;
	direction: "long" | "short";
	strength: number;
	reason: string;
	barTime: number;
	tf?: string;
}

/** The agents read plain OHLCV bars (symbols.bars answers more fields; these are the ones used). */
export type ViewBar = Bar;

export interface MarketView {
	symbol: string;
	tf: string;
	price: number | null;
	indicators: Record<string, number | null>;
	signals: ViewSignal[];
	bars: ViewBar[];
	news: Array<{ title: string; ts?: number }>;
	/** Mean news polarity -1..1 from the sentiment agent, when it ran. */
	newsPolarity?: number | null;
}

/** The first indicator whose name starts with `prefix` (`rsi`, `macd`…), optionally one of its fields. */
export function indicatorValue(values: Record<string, number | null>, prefix: string, field?: string): number | null {
	for (const [k, v] of Object.entries(values)) {
		const [name, sub] = k.split(".");
		if (name !== prefix && !name.startsWith(`${prefix}_`)) continue;
		if ((field ?? null) !== (sub ?? null)) continue;
		return typeof v === "number" && Number.isFinite(v) ? v : null;
	}
	return null;
}

/** Average true range over the last `n` bars, for when the ATR indicator is still warming up. */
export function averageTrueRange(bars: ViewBar[], n = 14): number | null {
	if (bars.length < 2) return null;
	const from = Math.max(1, bars.length - n);
	let sum = 0;
	for (let i = from; i < bars.length; i++) {
		const b = bars[i];
		const prev = bars[i - 1].close;
		sum += Math.max(b.high - b.low, Math.abs(b.high - prev), Math.abs(b.low - prev));
	}
	const atr = sum / (bars.length - from);
	return atr > 0 ? atr : null;
}
