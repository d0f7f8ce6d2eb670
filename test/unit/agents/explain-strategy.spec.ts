import { expect } from "chai";
import { explain } from "../../../lib/agents/explain.ts";
import { suggestStrategies, STOP_ATR, TARGET_ATR } from "../../../lib/agents/strategy.ts";
import { averageTrueRange, indicatorValue, type MarketView } from "../../../lib/agents/market-view.ts";

const bullish: MarketView = {
	symbol: "AAPL",
	tf: "1m",
	price: 110,
	indicators: {
		sma_20: 100,
		ema_20: 102,
		rsi_14: 62,
		"macd_12_26_9.macd": 1.2,
		"macd_12_26_9.signal": 0.8,
		"macd_12_26_9.hist": 0.4,
		atr_14: 2,
		"adx_14.adx": 30,
		"adx_14.plusDI": 28,
		"adx_14.minusDI": 12,
		"bbands_20_2.upper": 112,
		"bbands_20_2.middle": 100,
		"bbands_20_2.lower": 88,
		vwap: 105,
	},
	signals: [{ strategy: "ma-cross", direction: "long", strength: 0.7, reason: "SMA10 crossed above SMA30", barTime: 0 }],
	bars: [],
	news: [],
};
const mirror = (v: MarketView): MarketView => ({
	...v,
	price: 90,
	indicators: { ...v.indicators, rsi_14: 38, "macd_12_26_9.hist": -0.4, "adx_14.plusDI": 12, "adx_14.minusDI": 28, vwap: 95 },
	signals: [{ ...v.signals[0], direction: "short" }],
});

describe("lib/agents/explain + strategy", () => {
	it("indicatorValue finds values by name prefix and field", () => {
		expect(indicatorValue(bullish.indicators, "rsi")).to.equal(62);
		expect(indicatorValue(bullish.indicators, "macd", "hist")).to.equal(0.4);
		expect(indicatorValue(bullish.indicators, "macd")).to.equal(null);
		expect(indicatorValue({ rsi_14: null }, "rsi")).to.equal(null);
	});

	it("explains a bullish set-up with its reasons, and the mirror image as bearish", () => {
		const e = explain(bullish);
		expect(e.stance).to.equal("bullish");
		expect(e.score).to.be.greaterThan(0.5);
		expect(e.reasons.join("\n"))
			.to.match(/MACD 1\.20 above its signal line/)
			.and.match(/ADX 30\.00 shows a strong trend/)
			.and.match(/signal ma-cross long/);
		expect(e.summary).to.match(/^AAPL on 1m looks bullish/);
		const m = explain(mirror(bullish));
		expect(m.stance).to.equal("bearish");
		expect(m.score).to.be.lessThan(-0.5);
	});

	it("says so when indicators are still warming up", () => {
		const e = explain({ symbol: "X", tf: "1m", price: null, indicators: { rsi_14: null }, signals: [], bars: [], news: [] });
		expect(e).to.deep.include({ stance: "neutral", score: 0, confidence: 0 });
		expect(e.summary).to.match(/not enough data/);
	});

	it("suggests a trend trade with stop and target from the ATR", () => {
		const s = suggestStrategies(bullish);
		expect(s.suggestions).to.have.length(1);
		const [buy] = s.suggestions;
		expect(buy).to.deep.include({ action: "buy", style: "trend", entry: 110, stop: 110 - STOP_ATR * 2, target: 110 + TARGET_ATR * 2, riskReward: 2 });
		expect(buy.confidence).to.be.within(0.01, 1);
		const [sell] = suggestStrategies(mirror(bullish)).suggestions;
		expect(sell).to.deep.include({ action: "sell", entry: 90, stop: 93, target: 84 });
	});

	it("mean reversion at a band extreme when the stance is neutral; hold otherwise", () => {
		const v: MarketView = { symbol: "X", tf: "1m", price: 87, indicators: { rsi_14: 30, sma_20: 95, atr_14: 1, "bbands_20_2.upper": 112, "bbands_20_2.middle": 100, "bbands_20_2.lower": 88 }, signals: [], bars: [], news: [] };
		const e = explain(v);
		expect(e.stance).to.equal("neutral");
		const [s] = suggestStrategies(v, e).suggestions;
		expect(s).to.deep.include({ action: "buy", style: "mean-reversion", entry: 87, stop: 86, target: 100, riskReward: 13 });
		const none = suggestStrategies({ ...v, price: 100, indicators: { ...v.indicators, rsi_14: 50, sma_20: 100 } });
		expect(none.suggestions[0].action).to.equal("hold");
	});

	it("without a price or ATR it holds and says why; the bars' true range stands in for a warming ATR", () => {
		expect(suggestStrategies({ ...bullish, price: null }).suggestions[0].reasons[0]).to.match(/no price yet/);
		const bars = [
			{ time: 0, open: 10, high: 11, low: 9, close: 10, volume: 1 },
			{ time: 1, open: 10, high: 12, low: 10, close: 11, volume: 1 },
		];
		expect(averageTrueRange(bars)).to.equal(2);
		const s = suggestStrategies({ ...bullish, indicators: { ...bullish.indicators, atr_14: null }, bars });
		expect(s.suggestions[0]).to.deep.include({ stop: 107, target: 116 });
	});
});
