/**
 * One symbol of a unified request: read its data through a SymbolSource (the service backs it with
 * `symbols.*`, `ingest.messages` and `agents.*.run` calls under the request's deadline), build the
 * view the agents see, run the agents (sentiment first: its polarity is the explanation's news
 * vote), and fuse their answers into the symbol's confidence. A source call that fails degrades
 * the answer (a note, a skipped or failed agent); it never fails the symbol.
 */
import type { AgentName, SentimentOutput } from "../agents/model.ts";
import type { AgentRunResult } from "../agents/agent-runner.ts";
import { directionOf, freshnessOf, fuseConfidence, type AgentOpinion, type ConfidenceParts } from "../agents/fusion.ts";
import { agentEvidence, EVIDENCE_SPAN, evidenceNotes, evidenceOf, forecastMoveOf, type Evidence } from "../agents/evidence.ts";
import { TIMEFRAME_MS, type Timeframe } from "../bars/timeframes.ts";
import type { MarketView, ViewBar, ViewSignal } from "../agents/market-view.ts";
import { HORIZON_PLAN, MIN_BARS, needsNews, type UnifiedOptions } from "./unified-request.ts";

export interface LatestQuote {
	seq: number;
	ts: number;
	price: number;
}

/** A stored news StreamMessage, as far as it is read here. */
export interface NewsMessage {
	data?: Record<string, unknown>;
	/** ISO-8601 time of the item (StreamMessage.timestamp). */
	timestamp?: string;
}

export interface SymbolSource {
	latest(symbol: string): Promise<LatestQuote>;
	bars(symbol: string, tf: string, limit: number): Promise<ViewBar[]>;
	news(symbol: string, limit: number): Promise<NewsMessage[]>;
	indicators(symbol: string, tf: string): Promise<Record<string, number | null>>;
	signals(symbol: string, tf: string, limit: number): Promise<ViewSignal[]>;
	runAgent(agent: AgentName, params: object): Promise<AgentRunResult>;
}

export type AgentOutcome = { status: "ok"; node: string; mode: string; latency_ms: number; result: unknown } | { status: "failed"; reason: string } | { status: "skipped"; reason: string };

export interface SymbolIntelligence {
	symbol: string;
	tf: string | null;
	seq: number | null;
	price: number | null;
	data_age_ms: number | null;
	agents: Partial<Record<AgentName, AgentOutcome>>;
	confidence: ConfidenceParts;
	/** The evidence factors behind the confidence (lib/agents/evidence.ts). */
	evidence: Evidence & { bars_count: number; headlines: number };
	notes: string[];
}

/** Slowest data fetch and slowest call per agent over a request's symbols (ms), filled in as they finish. */
export interface AnalysisTimings {
	data_ms: number;
	agents_ms: Partial<Record<AgentName, number>>;
}

export interface AnalysisContext {
	req: UnifiedOptions;
	agents: AgentName[];
	newsLimit: number;
	/** Each agent's weight in the confidence. */
	weights: Record<AgentName, number>;
	now: () => number;
	timings: AnalysisTimings;
}

const BARS_LIMIT = 300;
const SIGNALS_LIMIT = 10;
/** Bars and headline length the explain and strategy agents are sent. */
const VIEW_BARS = 50;
const MAX_HEADLINE = 2000;

export const errorReason = (err: unknown): string => {
	const e = err as { name?: string; type?: string; message?: string };
	return `${e.name ?? e.type ?? "Error"}: ${e.message ?? String(err)}`;
};

/** The first timeframe with at least MIN_BARS bars, else the one with the most (the first on a tie). */
export function chooseBars(sets: Array<{ tf: string; bars: ViewBar[] }>): { tf: string; bars: ViewBar[] } {
	return sets.find(b => b.bars.length >= MIN_BARS) ?? sets.reduce((a, b) => (b.bars.length > a.bars.length ? b : a));
}

/** The headline of each news message (vendors name it title, headline, text or summary). */
export function headlinesOf(messages: NewsMessage[]): string[] {
	return newsItemsOf(messages).map(n => n.title);
}

/** Headlines with their time (ms; undefined when the message has none or it does not parse). */
export function newsItemsOf(messages: NewsMessage[]): Array<{ title: string; ts?: number }> {
	const out: Array<{ title: string; ts?: number }> = [];
	for (const m of messages) {
		const t = m.data?.title ?? m.data?.headline ?? m.data?.text ?? m.data?.summary;
		if (typeof t !== "string" || t.length === 0) continue;
		const ts = m.timestamp === undefined ? NaN : Date.parse(m.timestamp);
		out.push(Number.isFinite(ts) ? { title: t.slice(0, MAX_HEADLINE), ts } : { title: t.slice(0, MAX_HEADLINE) });
	}
	return out;
}

export async function analyzeSymbol(symbol: string, ctx: AnalysisContext, source: SymbolSource): Promise<SymbolIntelligence> {
	const { req, agents, now, timings } = ctx;
	const plan = HORIZON_PLAN[req.time_horizon];
	const notes: string[] = [];
	const dataStarted = now();
	const [latest, barSets, news] = await Promise.all([
		source.latest(symbol).catch(() => null),
		Promise.all(
			plan.tfs.map(tf =>
				source.bars(symbol, tf, BARS_LIMIT).then(
					bars => ({ tf, bars }),
					() => ({ tf, bars: [] as ViewBar[] }),
				),
			),
		),
		needsNews(agents)
			? source.news(symbol, ctx.newsLimit).catch(err => {
					notes.push(`news unavailable (${errorReason(err)}); analysed without news`);
					return [];
				})
			: Promise.resolve([]),
	]);
	const chosen = chooseBars(barSets);
	const tf = chosen.bars.length > 0 ? chosen.tf : null;
	const [indicators, signals] = tf ? await Promise.all([source.indicators(symbol, tf).catch(() => null), source.signals(symbol, tf, SIGNALS_LIMIT).catch(() => null)]) : [null, null];
	timings.data_ms = Math.max(timings.data_ms, now() - dataStarted);
	if (!latest) notes.push(`no live quote for ${symbol}`);
	const headlines = newsItemsOf(news);
	const view: MarketView = {
		symbol,
		tf: tf ?? plan.tfs[0],
		price: latest?.price ?? chosen.bars.at(-1)?.close ?? null,
		indicators: indicators ?? {},
		signals: (signals ?? []).map(s => ({ strategy: s.strategy, direction: s.direction, strength: s.strength, reason: s.reason, barTime: s.barTime })),
		bars: chosen.bars.slice(-VIEW_BARS).map(b => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })),
		news: headlines.map(n => ({ title: n.title })),
	};
	const { outcomes, opinions } = await runAgents(ctx, source, view, chosen.bars, plan.steps);
	const age = latest ? now() - latest.ts : null;
	const t = now();
	const input = {
		bars: chosen.bars.length,
		tfMs: TIMEFRAME_MS[(tf ?? plan.tfs[0]) as Timeframe],
		wantedMs: EVIDENCE_SPAN * plan.steps * TIMEFRAME_MS[plan.tfs[0] as Timeframe],
		headlineAgesMs: outcomes.sentiment?.status === "ok" ? headlines.map(n => (n.ts === undefined ? null : t - n.ts)) : [],
		newsHalfLifeMs: plan.newsHalfLifeMs,
		forecast: outcomes.forecast?.status === "ok" ? forecastMoveOf(outcomes.forecast.result) : null,
	};
	const evidence = evidenceOf(input);
	const weighed: AgentOpinion[] = opinions.map(o => ({ ...o, evidence: agentEvidence(o.agent, evidence) }));
	const confidence = fuseConfidence(weighed, freshnessOf(age, plan.freshnessMs));
	notes.push(
		...evidenceNotes(
			input,
			evidence,
			weighed.filter(o => o.direction !== null).map(o => o.agent),
		),
	);
	return { symbol, tf, seq: latest?.seq ?? null, price: view.price, data_age_ms: age, agents: outcomes, confidence, evidence: { ...evidence, bars_count: input.bars, headlines: input.headlineAgesMs.length }, notes };
}

/**
 * The fan-out for one symbol: sentiment (when there are headlines) and forecast (with ≥ MIN_BARS
 * bars) at once; explain and strategy once sentiment has answered, with its mean polarity in the
 * view. Skipped agents are not asked (no opinion); failed ones count as asked with no answer.
 */
export async function runAgents(ctx: AnalysisContext, source: SymbolSource, view: MarketView, bars: ViewBar[], steps: number): Promise<{ outcomes: SymbolIntelligence["agents"]; opinions: Array<Omit<AgentOpinion, "evidence">> }> {
	const { agents, now, timings } = ctx;
	const outcomes: SymbolIntelligence["agents"] = {};
	const opinions: Array<Omit<AgentOpinion, "evidence">> = [];
	const run = async (agent: AgentName, params: object) => {
		const weight = ctx.weights[agent];
		const t0 = now();
		try {
			const r = await source.runAgent(agent, params);
			outcomes[agent] = { status: "ok", node: r.node, mode: r.mode, latency_ms: r.latencyMs, result: r.result };
			opinions.push({ agent, weight, direction: directionOf(agent, r.result), health: r.health });
		} catch (err) {
			outcomes[agent] = { status: "failed", reason: errorReason(err) };
			opinions.push({ agent, weight, direction: null, health: 0 });
		}
		timings.agents_ms[agent] = Math.max(timings.agents_ms[agent] ?? 0, now() - t0);
	};
	const sentimentDone = !agents.includes("sentiment")
		? Promise.resolve()
		: view.news.length === 0
			? Promise.resolve(void (outcomes.sentiment = { status: "skipped", reason: "no recent news for this symbol" }))
			: run("sentiment", { texts: view.news.map(n => n.title) });
	await Promise.all(
		agents.map(async agent => {
			if (agent === "sentiment") return sentimentDone;
			if (agent === "forecast") {
				if (bars.length < MIN_BARS) return void (outcomes.forecast = { status: "skipped", reason: `not enough bars yet (${bars.length} of ${MIN_BARS})` });
				return run("forecast", { closes: bars.map(b => b.close), horizon: steps, start: bars[0].time });
			}
			await sentimentDone;
			const s = outcomes.sentiment;
			return run(agent, { view: s?.status === "ok" ? { ...view, newsPolarity: (s.result as SentimentOutput).summary.polarity } : view });
		}),
	);
	return { outcomes, opinions };
}
