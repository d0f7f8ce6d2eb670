/**
 * Built-in strategy suggestions from the explanation and the volatility:
 * - trend: stance bullish → buy, bearish → sell; entry = price, stop = entry ∓ STOP_ATR × ATR,
 *   target = entry ± TARGET_ATR × ATR (reward/risk 2); confidence = explanation confidence × |score|,
 *   × 1.2 with ADX >= 25 (capped at 1).
 * - mean reversion (stance neutral): price at/below the lower Bollinger band with RSI <= 35 → buy,
 *   at/above the upper band with RSI >= 65 → sell; target = the middle band, stop = 1 ATR beyond entry.
 * - otherwise hold. ATR is the indicator's value, or the bars' average true range while it warms up.
 */
import { averageTrueRange, indicatorValue, type MarketView } from "./market-view.ts";
import { explain, type Explanation } from "./explain.ts";

export const STOP_ATR = 1.5;
export const TARGET_ATR = 3;

export interface Suggestion {
	action: "buy" | "sell" | "hold";
	style: "trend" | "mean-reversion" | "none";
	entry: number | null;
	stop: number | null;
	target: number | null;
	riskReward: number | null;
	confidence: number;
	reasons: string[];
}

export interface StrategyAdvice {
	symbol: string;
	stance: Explanation["stance"];
	suggestions: Suggestion[];
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function suggestStrategies(view: MarketView, explanation: Explanation = explain(view)): StrategyAdvice {
	const price = view.price;
	const atr = indicatorValue(view.indicators, "atr") ?? averageTrueRange(view.bars);
	const hold = (why: string): StrategyAdvice => ({
		symbol: view.symbol,
		stance: explanation.stance,
		suggestions: [{ action: "hold", style: "none", entry: null, stop: null, target: null, riskReward: null, confidence: Math.round((1 - Math.abs(explanation.score)) * 1000) / 1000, reasons: [why] }],
	});
	if (price === null || atr === null) return hold(`no ${price === null ? "price" : "volatility (ATR)"} yet for ${view.symbol}: no entry, stop or target can be set`);
	const adx = indicatorValue(view.indicators, "adx", "adx");
	const out: Suggestion[] = [];
	if (explanation.stance !== "neutral") {
		const side = explanation.stance === "bullish" ? 1 : -1;
		const stop = price - side * STOP_ATR * atr;
		const target = price + side * TARGET_ATR * atr;
		const confidence = Math.min(1, explanation.confidence * Math.abs(explanation.score) * (adx !== null && adx >= 25 ? 1.2 : 1));
		out.push({
			action: side > 0 ? "buy" : "sell",
			style: "trend",
			entry: r4(price),
			stop: r4(stop),
			target: r4(target),
			riskReward: TARGET_ATR / STOP_ATR,
			confidence: Math.round(confidence * 1000) / 1000,
			reasons: [`stance ${explanation.stance} (score ${explanation.score})`, `stop ${STOP_ATR} ATR and target ${TARGET_ATR} ATR from entry (ATR ${r4(atr)})`, ...explanation.reasons.slice(0, 4)],
		});
	}
	const upper = indicatorValue(view.indicators, "bbands", "upper");
	const middle = indicatorValue(view.indicators, "bbands", "middle");
	const lower = indicatorValue(view.indicators, "bbands", "lower");
	const rsi = indicatorValue(view.indicators, "rsi");
	if (upper !== null && middle !== null && lower !== null && rsi !== null && explanation.stance === "neutral") {
		if (price <= lower && rsi <= 35) {
			out.push({
				action: "buy",
				style: "mean-reversion",
				entry: r4(price),
				stop: r4(price - atr),
				target: r4(middle),
				riskReward: r4((middle - price) / atr),
				confidence: 0.4,
				reasons: [`price at/below the lower Bollinger band ${r4(lower)} with RSI ${r4(rsi)} <= 35`, `target the middle band ${r4(middle)}, stop 1 ATR below`],
			});
		} else if (price >= upper && rsi >= 65) {
			out.push({
				action: "sell",
				style: "mean-reversion",
				entry: r4(price),
				stop: r4(price + atr),
				target: r4(middle),
				riskReward: r4((price - middle) / atr),
				confidence: 0.4,
				reasons: [`price at/above the upper Bollinger band ${r4(upper)} with RSI ${r4(rsi)} >= 65`, `target the middle band ${r4(middle)}, stop 1 ATR above`],
			});
		}
	}
	if (out.length === 0) return hold(`stance ${explanation.stance} (score ${explanation.score}) and no band extreme: no edge, hold`);
	return { symbol: view.symbol, stance: explanation.stance, suggestions: out };
}
