/**
 * The prompt sent to an OpenAI-compatible chat server by the explain and strategy agents, and the
 * validation of its answer. The text is reproduced in docs/agents.md; change both together.
 */
import { Validator } from "../validation/validator.ts";
import type { MarketView } from "./market-view.ts";
import type { ExplainOutput, StrategyOutput } from "./model.ts";
import type { Suggestion } from "./strategy.ts";

export const SYSTEM_PROMPT =
	"You are a market analyst. You are given one symbol's latest price, technical indicators, recent trading signals and recent news headlines. " +
	"Answer with one JSON object only, no prose and no code fences, exactly in the schema you are given. Base every reason on the data given; do not invent numbers.";

const EXPLAIN_SCHEMA = `{"stance": "bullish" | "bearish" | "neutral", "score": number from -1 (bearish) to 1 (bullish), "confidence": number 0..1, "summary": string (one sentence), "reasons": [string, ...] (1 to 8 items)}`;
const STRATEGY_SCHEMA = `{"stance": "bullish" | "bearish" | "neutral", "suggestions": [{"action": "buy" | "sell" | "hold", "entry": number | null, "stop": number | null, "target": number | null, "confidence": number 0..1, "reasons": [string, ...]}] (1 to 3 items; stop and target are prices, null for hold)}`;

function describe(view: MarketView): string {
	const ind = Object.entries(view.indicators)
		.filter(([, v]) => v !== null)
		.map(([k, v]) => `${k}=${Number((v as number).toPrecision(6))}`)
		.join(", ");
	const signals = view.signals.slice(0, 5).map(s => `- ${s.strategy} ${s.direction} strength ${s.strength.toFixed(2)}: ${s.reason}`);
	const news = view.news.slice(0, 10).map(n => `- ${n.title}`);
	return [
		`Symbol: ${view.symbol}`,
		`Timeframe: ${view.tf}`,
		`Last price: ${view.price ?? "unknown"}`,
		`Indicators: ${ind || "none yet (warming up)"}`,
		`Recent signals:\n${signals.length ? signals.join("\n") : "- none"}`,
		`Recent news:\n${news.length ? news.join("\n") : "- none"}`,
	].join("\n");
}

export function explainPrompt(view: MarketView): { system: string; user: string } {
	return { system: SYSTEM_PROMPT, user: `${describe(view)}\n\nExplain what the data says about ${view.symbol} now. Answer in this JSON schema:\n${EXPLAIN_SCHEMA}` };
}

export function strategyPrompt(view: MarketView): { system: string; user: string } {
	return { system: SYSTEM_PROMPT, user: `${describe(view)}\n\nSuggest up to three trades for ${view.symbol} with entry, stop and target prices. Answer in this JSON schema:\n${STRATEGY_SCHEMA}` };
}

const v = new Validator({ useNewCustomCheckerFunction: true });
const checkExplain = v.compile({
	$$root: true,
	type: "object",
	props: {
		stance: { type: "enum", values: ["bullish", "bearish", "neutral"] },
		score: { type: "number", min: -1, max: 1 },
		confidence: { type: "number", min: 0, max: 1 },
		summary: { type: "string", min: 1, max: 2000 },
		reasons: { type: "array", min: 1, max: 8, items: { type: "string", min: 1, max: 1000 } },
	},
}) as (x: unknown) => true | Array<{ message: string }>;
const price = { type: "number", positive: true, nullable: true, optional: true };
const checkStrategy = v.compile({
	$$root: true,
	type: "object",
	props: {
		stance: { type: "enum", values: ["bullish", "bearish", "neutral"] },
		suggestions: {
			type: "array",
			min: 1,
			max: 3,
			items: {
				type: "object",
				props: {
					action: { type: "enum", values: ["buy", "sell", "hold"] },
					entry: price,
					stop: price,
					target: price,
					confidence: { type: "number", min: 0, max: 1 },
					reasons: { type: "array", min: 1, max: 8, items: { type: "string", min: 1, max: 1000 } },
				},
			},
		},
	},
}) as (x: unknown) => true | Array<{ message: string }>;

/** The JSON object in a chat answer: the whole content, or the part inside a ``` fence or the outer braces. */
export function extractJson(content: string): unknown {
	const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(content);
	const text = fenced ? fenced[1] : content;
	try {
		return JSON.parse(text);
	} catch {
		const start = text.indexOf("{");
		const end = text.lastIndexOf("}");
		if (start >= 0 && end > start) return JSON.parse(text.slice(start, end + 1));
		throw new SyntaxError("no JSON object in the answer");
	}
}

/** A validated answer, or the list of problems. */
export function parseExplainAnswer(x: unknown): { ok: true; value: ExplainOutput } | { ok: false; problems: string[] } {
	const r = checkExplain(x);
	if (r !== true) return { ok: false, problems: r.map(e => e.message) };
	const a = x as ExplainOutput;
	return { ok: true, value: { stance: a.stance, score: a.score, confidence: a.confidence, summary: a.summary, reasons: a.reasons } };
}

export function parseStrategyAnswer(x: unknown): { ok: true; value: StrategyOutput } | { ok: false; problems: string[] } {
	const r = checkStrategy(x);
	if (r !== true) return { ok: false, problems: r.map(e => e.message) };
	const a = x as { stance: StrategyOutput["stance"]; suggestions: Array<{ action: Suggestion["action"]; entry?: number | null; stop?: number | null; target?: number | null; confidence: number; reasons: string[] }> };
	return {
		ok: true,
		value: {
			stance: a.stance,
			suggestions: a.suggestions.map(s => {
				const entry = s.entry ?? null;
				const stop = s.stop ?? null;
				const target = s.target ?? null;
				const risk = entry !== null && stop !== null ? Math.abs(entry - stop) : 0;
				return {
					action: s.action,
					style: "none" as const,
					entry,
					stop,
					target,
					riskReward: risk > 0 && target !== null && entry !== null ? Math.round((Math.abs(target - entry) / risk) * 1000) / 1000 : null,
					confidence: s.confidence,
					reasons: s.reasons,
				};
			}),
		},
	};
}
