/**
 * lib/intelligence without a broker: the fan-out plan, the cache key, one symbol analysed through an
 * in-memory SymbolSource with the real built-in agents (AgentRunner), degraded answers, the
 * assembled unified answer and the agents' status over nodes.
 */
import { expect } from "chai";
import { AgentRunner, type AgentRunResult, type AgentStatus } from "../../../lib/agents/agent-runner.ts";
import { createModel } from "../../../lib/agents/models.ts";
import { defaultAgentsConfig } from "../../../lib/agents/agent-config.ts";
import { AGENT_NAMES, type AgentName } from "../../../lib/agents/model.ts";
import type { ViewBar, ViewSignal } from "../../../lib/agents/market-view.ts";
import { agentsFor, HORIZON_PLAN, UNIFIED_DEFAULTS, unifiedCacheKey, type UnifiedRequest } from "../../../lib/intelligence/unified-request.ts";
import { analyzeSymbol, chooseBars, headlinesOf, type AnalysisContext, type LatestQuote, type NewsMessage, type SymbolSource } from "../../../lib/intelligence/symbol-analysis.ts";
import { aggregateAgentStatus, analyzeUnified, fromCache, type NodeAgentStatus } from "../../../lib/intelligence/unified.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";

const M = 60_000;
const NOW = 1_700_000_000_000;
const req = (over: Partial<UnifiedRequest> = {}): UnifiedRequest => ({ ...UNIFIED_DEFAULTS, symbols: ["AAA"], ...over });
const barsOf = (n: number, step = 0.2): ViewBar[] => Array.from({ length: n }, (_, i) => ({ time: NOW - (n - i) * M, open: 100 + i * step, high: 100.5 + i * step, low: 99.5 + i * step, close: 100 + i * step + 0.1, volume: 10 }));

/** A market held in memory: each method answers from its maps, or throws when told to fail. */
class MemorySource implements SymbolSource {
	quotes = new Map<string, LatestQuote>();
	barSets = new Map<string, ViewBar[]>(); // `${symbol}:${tf}`
	newsBy = new Map<string, NewsMessage[]>();
	failing = new Set<string>(); // method names, or `agent:<name>`
	agentCalls: Array<{ agent: AgentName; params: any }> = [];
	readonly runners = Object.fromEntries(AGENT_NAMES.map(n => [n, new AgentRunner(n, defaultAgentsConfig()[n], s => createModel(n, s), { now: () => NOW })])) as Record<AgentName, AgentRunner<any, any>>;

	#check(what: string) {
		if (this.failing.has(what)) throw new UnavailableError(`${what} is down`);
	}
	async latest(symbol: string) {
		this.#check("latest");
		const q = this.quotes.get(symbol);
		if (!q) throw new Error("no quote");
		return q;
	}
	async bars(symbol: string, tf: string) {
		this.#check("bars");
		return this.barSets.get(`${symbol}:${tf}`) ?? [];
	}
	async news(symbol: string, limit: number) {
		this.#check("news");
		return (this.newsBy.get(symbol) ?? []).slice(-limit);
	}
	async indicators() {
		this.#check("indicators");
		return { rsi_14: 55, "macd_12_26_9.hist": 0.05, atr_14: 0.6 } as Record<string, number | null>;
	}
	async signals(): Promise<ViewSignal[]> {
		this.#check("signals");
		return [];
	}
	async runAgent(agent: AgentName, params: object): Promise<AgentRunResult> {
		this.agentCalls.push({ agent, params });
		this.#check(`agent:${agent}`);
		const input = agent === "sentiment" || agent === "forecast" ? params : (params as { view: unknown }).view;
		const r = await this.runners[agent].run(input);
		return { agent, node: "n1", mode: r.mode, latencyMs: r.latencyMs, health: this.runners[agent].status().health_score, result: r.result };
	}
}

const weights = Object.fromEntries(AGENT_NAMES.map(a => [a, 1])) as Record<AgentName, number>;
const ctxOf = (r: UnifiedRequest): AnalysisContext => ({ req: r, agents: agentsFor(r), newsLimit: 10, weights, now: () => NOW, timings: { data_ms: 0, agents_ms: {} } });

describe("lib/intelligence: unified analysis", () => {
	let src: MemorySource;
	beforeEach(() => {
		src = new MemorySource();
		src.quotes.set("AAA", { seq: 41, ts: NOW - 5000, price: 108.1 });
		src.barSets.set("AAA:1m", barsOf(40));
		src.newsBy.set("AAA", [{ data: { headline: "AAA beats estimates and raises guidance" } }, { data: { title: "AAA shares jump on record profit" } }, { data: { id: "x" } }]);
	});

	it("plans the fan-out from analysis_type and the include_* flags, in AGENT_NAMES order", () => {
		expect(agentsFor(req())).to.deep.equal(["sentiment", "forecast", "explain", "strategy"]);
		expect(agentsFor(req({ analysis_type: "sentiment" }))).to.deep.equal(["sentiment"]);
		expect(agentsFor(req({ analysis_type: "technical" }))).to.deep.equal(["explain", "strategy"]);
		expect(agentsFor(req({ analysis_type: "technical", include_strategies: false }))).to.deep.equal(["explain"]);
		expect(agentsFor(req({ analysis_type: "forecast", include_forecasts: false }))).to.deep.equal(["forecast"]);
		expect(agentsFor(req({ include_explanations: false, include_forecasts: false }))).to.deep.equal(["sentiment", "strategy"]);
	});

	it("keys the cache by sorted symbols, agents, horizon and (real-time only) the seqs", () => {
		const a = unifiedCacheKey(req({ symbols: ["B", "A"] }), ["explain"], [1, 2]);
		expect(a).to.equal(unifiedCacheKey(req({ symbols: ["A", "B"] }), ["explain"], [1, 2]));
		expect(a).to.not.equal(unifiedCacheKey(req({ symbols: ["A", "B"] }), ["explain"], [1, 3]));
		expect(a).to.not.equal(unifiedCacheKey(req({ symbols: ["A", "B"], time_horizon: "long_term" }), ["explain"], [1, 2]));
		expect(a).to.not.equal(unifiedCacheKey(req({ symbols: ["A", "B"] }), ["explain", "strategy"], [1, 2]));
		expect(unifiedCacheKey(req({ real_time_data: false }), ["explain"], [7])).to.equal(unifiedCacheKey(req({ real_time_data: false }), ["explain"], [8]));
		expect(unifiedCacheKey(req({ user_id: "u1" }), ["explain"], [1])).to.equal(unifiedCacheKey(req({ user_id: "u2" }), ["explain"], [1]));
	});

	it("chooses the first timeframe with enough bars, else the longest; reads headlines under any vendor's field name", () => {
		expect(
			chooseBars([
				{ tf: "1h", bars: barsOf(5) },
				{ tf: "15m", bars: barsOf(30) },
				{ tf: "1m", bars: barsOf(300) },
			]).tf,
		).to.equal("15m");
		expect(
			chooseBars([
				{ tf: "1h", bars: barsOf(5) },
				{ tf: "15m", bars: barsOf(9) },
				{ tf: "1m", bars: barsOf(9) },
			]).tf,
		).to.equal("15m");
		expect(headlinesOf([{ data: { title: "t" } }, { data: { headline: "h" } }, { data: { text: "x" } }, { data: { summary: "s" } }, { data: { title: "" } }, {}, { data: { headline: "y".repeat(3000) } }]).map(h => h.length)).to.deep.equal([
			1, 1, 1, 1, 2000,
		]);
	});

	it("runs every agent on the symbol's data; sentiment's polarity reaches explain and strategy as the news vote", async () => {
		const r = await analyzeSymbol("AAA", ctxOf(req()), src);
		expect(r).to.include({ symbol: "AAA", tf: "1m", seq: 41, price: 108.1, data_age_ms: 5000 });
		// 40 one-minute bars of the 100 min an intraday call wants, 2 headlines without a time: the notes are the evidence's.
		expect(r.notes).to.deep.equal(["little price history: 40 bar(s) = 40 min of the 1.7 h this horizon wants (bars evidence 0.4)", "thin news: 2 headline(s); 3 fresh ones give 0.63 (news evidence 0.283)"]);
		for (const a of AGENT_NAMES) expect(r.agents[a]!.status, a).to.equal("ok");
		const sentiment = r.agents.sentiment as { result: { summary: { polarity: number } } };
		expect(sentiment.result.summary.polarity).to.be.greaterThan(0.3);
		expect(src.agentCalls.find(c => c.agent === "sentiment")!.params).to.deep.equal({ texts: ["AAA beats estimates and raises guidance", "AAA shares jump on record profit"] });
		for (const a of ["explain", "strategy"]) expect(src.agentCalls.find(c => c.agent === a)!.params.view.newsPolarity, a).to.equal(sentiment.result.summary.polarity);
		expect((r.agents.explain as { result: { reasons: string[] } }).result.reasons).to.include(`news sentiment ${sentiment.result.summary.polarity.toPrecision(3)} over 2 headline(s)`);
		expect(src.agentCalls.find(c => c.agent === "forecast")!.params.horizon).to.equal(HORIZON_PLAN.intraday.steps);
		expect(r.confidence.coverage).to.equal(1);
		expect(r.confidence.freshness).to.be.closeTo(Math.exp(-5000 / 60_000), 1e-3);
	});

	it("degrades instead of failing: news down is a note, a failed sentiment leaves explain without the news vote, few bars skip the forecast", async () => {
		src.failing.add("news");
		src.barSets.set("AAA:1m", barsOf(10));
		const r = await analyzeSymbol("AAA", ctxOf(req()), src);
		expect(r.notes[0]).to.match(/^news unavailable \(UnavailableError: news is down\); analysed without news$/);
		expect(r.agents.sentiment).to.deep.equal({ status: "skipped", reason: "no recent news for this symbol" });
		expect(r.agents.forecast).to.deep.equal({ status: "skipped", reason: "not enough bars yet (10 of 21)" });
		expect(r.confidence.coverage).to.equal(1); // skipped agents are not asked

		src.failing.delete("news");
		src.failing.add("agent:sentiment");
		src.failing.add("latest");
		src.agentCalls = [];
		const s = await analyzeSymbol("AAA", ctxOf(req()), src);
		expect(s.agents.sentiment).to.deep.equal({ status: "failed", reason: "UnavailableError: agent:sentiment is down" });
		expect(src.agentCalls.find(c => c.agent === "explain")!.params.view).to.not.have.property("newsPolarity");
		expect(s.agents.explain!.status).to.equal("ok");
		expect(s.notes.filter(n => !n.includes("evidence"))).to.deep.equal(["no live quote for AAA"]);
		expect(s.confidence.freshness).to.equal(0);
		expect(s.confidence.coverage).to.equal(0.667);
	});

	it("assembles the answer: agents_used, agents_failed with reasons, mean confidence; a cached answer keeps its id", async () => {
		src.quotes.set("BBB", { seq: 3, ts: NOW, price: 50 });
		src.failing.add("agent:forecast");
		src.barSets.set("BBB:1m", barsOf(30));
		const r = await analyzeUnified(req({ symbols: ["BBB", "AAA"], user_id: "u1" }), { agents: agentsFor(req()), newsLimit: 10, weights, now: () => NOW, started: NOW - 12, requestId: "rid-1" }, src);
		expect(Object.keys(r.symbols)).to.deep.equal(["AAA", "BBB"]);
		expect(r).to.include({ request_id: "rid-1", user_id: "u1", analysis_type: "comprehensive", time_horizon: "intraday", cached: false, news_available: true, generated_at: new Date(NOW).toISOString() });
		expect(r.agents_used).to.deep.equal(["sentiment", "explain", "strategy"]);
		expect(r.agents_failed).to.deep.equal([
			{ agent: "forecast", symbol: "AAA", reason: "UnavailableError: agent:forecast is down" },
			{ agent: "forecast", symbol: "BBB", reason: "UnavailableError: agent:forecast is down" },
		]);
		expect(r.confidence_score).to.be.closeTo((r.symbols.AAA.confidence.confidence + r.symbols.BBB.confidence.confidence) / 2, 0.001);
		expect(r.timings.total_ms).to.equal(12);
		expect(Object.keys(r.timings.agents_ms).sort()).to.deep.equal(["explain", "forecast", "sentiment", "strategy"]);
		const again = fromCache(r, req({ user_id: "u2" }), 1);
		expect(again).to.include({ request_id: "rid-1", user_id: "u2", cached: true });
		expect(again.timings.total_ms).to.equal(1);
		expect(r.cached).to.equal(false);
	});

	it("aggregates an agent's status over its nodes: mean health/utilization/error rate, max latencies, worst breaker", () => {
		const node = (n: string, health: number, p99: number | null, state: "closed" | "open" | "half-open", calls: number): NodeAgentStatus =>
			({ node: n, health_score: health, utilization: health / 2, error_rate: 1 - health, latency_ms: { p50: p99 === null ? null : p99 / 2, p99 }, breaker: { state } as AgentStatus["breaker"], calls }) as NodeAgentStatus;
		const s = aggregateAgentStatus([node("a", 1, 40, "closed", 10), node("b", 0.5, null, "half-open", 5), node("c", 0, 90, "closed", 1)]);
		expect(s).to.deep.include({ available: true, health_score: 0.5, utilization: 0.25, error_rate: 0.5, breaker_state: "half-open", calls: 16, latency_ms: { p50: 45, p99: 90 } });
		expect(aggregateAgentStatus([node("a", 1, 40, "open", 1), node("b", 1, 40, "half-open", 1)]).breaker_state).to.equal("open");
		expect(aggregateAgentStatus([])).to.deep.include({ available: false, health_score: 0, breaker_state: null, latency_ms: { p50: null, p99: null } });
	});
});
