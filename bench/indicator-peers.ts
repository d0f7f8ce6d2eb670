/**
 * The peer libraries' streaming APIs behind one shape, so the bench drives all three the same way:
 * trading-signals' `add(input)` and technicalindicators' `nextValue(input)`. Each factory builds the
 * peer's closest equivalent of one of our indicators with the same parameters.
 */
import * as ti from "technicalindicators";
import * as ts from "trading-signals";
import type { Bar } from "../lib/bars/bar.ts";

export type Feed = (bar: Bar) => unknown;

/** spec → [trading-signals feed, technicalindicators feed]. */
export const PEERS: Record<string, () => [Feed, Feed]> = {
	"sma:20": () => {
		const a = new ts.SMA(20);
		const b = new ti.SMA({ period: 20, values: [] });
		return [x => a.add(x.close), x => b.nextValue(x.close)];
	},
	"ema:20": () => {
		const a = new ts.EMA(20);
		const b = new ti.EMA({ period: 20, values: [] });
		return [x => a.add(x.close), x => b.nextValue(x.close)];
	},
	"rsi:14": () => {
		const a = new ts.RSI(14);
		const b = new ti.RSI({ period: 14, values: [] });
		return [x => a.add(x.close), x => b.nextValue(x.close)];
	},
	"macd:12:26:9": () => {
		const a = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9));
		const b = new ti.MACD({ values: [], fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false });
		return [x => a.add(x.close), x => b.nextValue(x.close)];
	},
	"bbands:20:2": () => {
		const a = new ts.BollingerBands(20, 2);
		const b = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
		return [x => a.add(x.close), x => b.nextValue(x.close)];
	},
	"atr:14": () => {
		const a = new ts.ATR(14);
		const b = new ti.ATR({ period: 14, high: [], low: [], close: [] });
		return [x => a.add(x), x => b.nextValue(x as never)];
	},
	"stoch:14:3:3": () => {
		const a = new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 });
		// technicalindicators only has the fast stochastic (%K unsmoothed, %D = SMA 3): its closest match.
		const b = new ti.Stochastic({ period: 14, signalPeriod: 3, high: [], low: [], close: [] });
		return [x => a.add(x), x => b.nextValue(x as never)];
	},
	vwap: () => {
		// Neither peer resets per session; both are cumulative VWAPs, which is the same work per bar.
		const a = new ts.VWAP();
		const b = new ti.VWAP({ high: [], low: [], close: [], volume: [] });
		return [x => a.add(x), x => b.nextValue(x as never)];
	},
	obv: () => {
		const a = new ts.OBV(2);
		const b = new ti.OBV({ close: [], volume: [] });
		return [x => a.add(x), x => b.nextValue(x as never)];
	},
	"adx:14": () => {
		const a = new ts.ADX(14);
		const b = new ti.ADX({ period: 14, high: [], low: [], close: [] });
		return [x => a.add(x), x => b.nextValue(x as never)];
	},
};
