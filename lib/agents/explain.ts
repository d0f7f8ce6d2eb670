/**
 * Built-in explanation: each rule reads one indicator (or the signals, or the news) and votes
 * bullish (+1), bearish (-1) or neutral (0) with a weight. The stance score is
 *   sum(vote * weight) / sum(weight)   over the rules that could vote,
 * bullish above +STANCE_BAND, bearish below -STANCE_BAND. Every vote is listed as a reason.
 */
import { indicatorValue, type MarketView } from "./market-view.ts";

export type Stance = "bullish" | "bearish" | "neutral";

export interface Factor {
	factor: string;
	vote: -1 | 0 | 1;
	weight: number;
	text: string;
}

export interface Explanation {
	symbol: string;
	stance: Stance;
	/** -1..1 */
	score: number;
	/** How much of the evidence agrees with the stance, 0..1. */
	confidence: number;
	summary: string;
	reasons: string[];
	factors: Factor[];
}

export const STANCE_BAND = 0.15;
const f2 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

function factors(view: MarketView): Factor[] {
	const v = view.indicators;
	const price = view.price;
	const out: Factor[] = [];
	const add = (factor: string, vote: -1 | 0 | 1, weight: number, text: string) => out.push({ factor, vote, weight, text });

	const rsi = indicatorValue(v, "rsi");
	if (rsi !== null) {
		if (rsi >= 70) add("rsi", -1, 0.6, `RSI ${f2(rsi)} is overbought (>= 70): pullback risk`);
		else if (rsi <= 30) add("rsi", 1, 0.6, `RSI ${f2(rsi)} is oversold (<= 30): rebound potential`);
		else if (rsi > 50) add("rsi", 1, 0.4, `RSI ${f2(rsi)} above 50: momentum up`);
		else if (rsi < 50) add("rsi", -1, 0.4, `RSI ${f2(rsi)} below 50: momentum down`);
		else add("rsi", 0, 0.4, `RSI ${f2(rsi)} at 50: no momentum`);
	}
	const hist = indicatorValue(v, "macd", "hist");
	if (hist !== null) {
		const macd = indicatorValue(v, "macd", "macd");
		add("macd", hist > 0 ? 1 : hist < 0 ? -1 : 0, 0.8, `MACD ${macd === null ? "" : `${f2(macd)} `}${hist > 0 ? "above" : hist < 0 ? "below" : "on"} its signal line (histogram ${f2(hist)})`);
	}
	if (price !== null) {
		for (const name of ["sma", "ema"]) {
			const ma = indicatorValue(v, name);
			if (ma !== null) add(name, price > ma ? 1 : price < ma ? -1 : 0, 0.5, `price ${f2(price)} ${price > ma ? "above" : price < ma ? "below" : "at"} ${name.toUpperCase()} ${f2(ma)}`);
		}
		const vwap = indicatorValue(v, "vwap");
		if (vwap !== null) add("vwap", price > vwap ? 1 : price < vwap ? -1 : 0, 0.3, `price ${price > vwap ? "above" : price < vwap ? "below" : "at"} VWAP ${f2(vwap)}`);
		const upper = indicatorValue(v, "bbands", "upper");
		const lower = indicatorValue(v, "bbands", "lower");
		if (upper !== null && lower !== null && upper > lower) {
			const pctB = (price - lower) / (upper - lower);
			if (pctB > 1) add("bbands", 1, 0.3, `price above the upper Bollinger band (%B ${f2(pctB)}): breakout, but stretched`);
			else if (pctB < 0) add("bbands", -1, 0.3, `price below the lower Bollinger band (%B ${f2(pctB)}): breakdown, but stretched`);
			else add("bbands", 0, 0.2, `price inside the Bollinger bands (%B ${f2(pctB)})`);
		}
	}
	const adx = indicatorValue(v, "adx", "adx");
	const plusDI = indicatorValue(v, "adx", "plusDI");
	const minusDI = indicatorValue(v, "adx", "minusDI");
	if (adx !== null && plusDI !== null && minusDI !== null) {
		if (adx >= 25) add("adx", plusDI > minusDI ? 1 : -1, 0.7, `ADX ${f2(adx)} shows a strong trend, ${plusDI > minusDI ? "+DI over -DI (up)" : "-DI over +DI (down)"}`);
		else add("adx", 0, 0.3, `ADX ${f2(adx)} below 25: no strong trend`);
	}
	const k = indicatorValue(v, "stoch", "k");
	const d = indicatorValue(v, "stoch", "d");
	if (k !== null) {
		if (k >= 80) add("stoch", -1, 0.3, `Stochastic %K ${f2(k)} overbought (>= 80)`);
		else if (k <= 20) add("stoch", 1, 0.3, `Stochastic %K ${f2(k)} oversold (<= 20)`);
		else if (d !== null) add("stoch", k > d ? 1 : k < d ? -1 : 0, 0.2, `Stochastic %K ${f2(k)} ${k > d ? "above" : k < d ? "below" : "at"} %D ${f2(d)}`);
	}
	const atr = indicatorValue(v, "atr");
	if (atr !== null && price) add("atr", 0, 0, `ATR ${f2(atr)} (${f2((100 * atr) / price)}% of price) sets the stop distance`);
	for (const s of view.signals.slice(0, 3)) {
		add(`signal:${s.strategy}`, s.direction === "long" ? 1 : -1, 0.5 + 0.5 * s.strength, `signal ${s.strategy} ${s.direction} (strength ${f2(s.strength)}): ${s.reason}`);
	}
	if (view.newsPolarity !== undefined && view.newsPolarity !== null && view.news.length > 0) {
		const p = view.newsPolarity;
		add("news", p > 0.1 ? 1 : p < -0.1 ? -1 : 0, 0.6 * Math.min(1, Math.abs(p) * 2), `news sentiment ${f2(p)} over ${view.news.length} headline(s)`);
	}
	return out;
}

export function explain(view: MarketView): Explanation {
	const fs = factors(view);
	const voting = fs.filter(f => f.weight > 0);
	const total = voting.reduce((a, f) => a + f.weight, 0);
	const score = total > 0 ? voting.reduce((a, f) => a + f.vote * f.weight, 0) / total : 0;
	const stance: Stance = score > STANCE_BAND ? "bullish" : score < -STANCE_BAND ? "bearish" : "neutral";
	const wanted = stance === "bullish" ? 1 : stance === "bearish" ? -1 : 0;
	const agreeing = voting.filter(f => f.vote === wanted).reduce((a, f) => a + f.weight, 0);
	const confidence = total > 0 ? agreeing / total : 0;
	const lead = [...voting]
		.filter(f => f.vote === wanted && wanted !== 0)
		.sort((a, b) => b.weight - a.weight)
		.slice(0, 2)
		.map(f => f.text);
	const summary = fs.length === 0 ? `${view.symbol}: not enough data yet for an explanation (indicators warming up)` : `${view.symbol} on ${view.tf} looks ${stance} (score ${score.toFixed(2)})${lead.length ? `: ${lead.join("; ")}` : ""}`;
	return { symbol: view.symbol, stance, score: Math.round(score * 1000) / 1000, confidence: Math.round(confidence * 1000) / 1000, summary, reasons: fs.map(f => f.text), factors: fs };
}
