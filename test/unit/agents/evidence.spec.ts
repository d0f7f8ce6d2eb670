/**
 * Confidence from evidence (docs/agents.md, "Confidence"): each factor from explicit inputs, the
 * documented constants are the code's, and the cold start the issue reported (11 one-second bars,
 * one synthetic headline, every agent agreeing) now answers well below 0.5 with notes saying why.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { AgentRunner, type AgentRunResult } from "../../../lib/agents/agent-runner.ts";
import { defaultAgentsConfig } from "../../../lib/agents/agent-config.ts";
import { createModel } from "../../../lib/agents/models.ts";
import { AGENT_NAMES, type AgentName } from "../../../lib/agents/model.ts";
import type { ViewBar } from "../../../lib/agents/market-view.ts";
import { barsEvidence, erf, EVIDENCE_SPAN, evidenceNotes, evidenceOf, forecastCertainty, NEWS_SATURATION, newsEvidence } from "../../../lib/agents/evidence.ts";
import { analyzeSymbol, type AnalysisContext, type NewsMessage, type SymbolSource } from "../../../lib/intelligence/symbol-analysis.ts";
import { agentsFor, HORIZON_PLAN, UNIFIED_DEFAULTS, type Horizon } from "../../../lib/intelligence/unified-request.ts";

const doc = readFileSync(new URL("../../../docs/agents.md", import.meta.url), "utf8");
const NOW = 1_800_000_000_000;
const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Bars of `tfMs` ending now, drifting down 0.05 % a bar with a little noise (every agent reads bearish). */
const falling = (n: number, tfMs: number): ViewBar[] =>
	Array.from({ length: n }, (_, i) => {
		const close = 100 * (1 - 0.0005 * i) + 0.01 * Math.sin(i * 1.7);
		return { time: NOW - (n - i) * tfMs, open: close + 0.02, high: close + 0.05, low: close - 0.05, close, volume: 10 };
	});

/** One symbol's bars and news in memory; the agents are the real built-ins. */
function sourceOf(bars: Record<string, ViewBar[]>, news: NewsMessage[]): SymbolSource {
	const runners = Object.fromEntries(AGENT_NAMES.map(n => [n, new AgentRunner(n, defaultAgentsConfig()[n], s => createModel(n, s), { now: () => NOW })])) as Record<AgentName, AgentRunner<unknown, unknown>>;
	return {
		latest: async () => ({ seq: 11, ts: NOW - 500, price: Object.values(bars)[0].at(-1)!.close }),
		bars: async (_s, tf) => bars[tf] ?? [],
		news: async () => news,
		indicators: async () => ({ rsi_14: 35, "macd_12_26_9.hist": -0.02, "macd_12_26_9.macd": -0.05 }),
		signals: async () => [],
		runAgent: async (agent, params): Promise<AgentRunResult> => {
			const input = agent === "sentiment" || agent === "forecast" ? params : (params as { view: unknown }).view;
			const r = await runners[agent].run(input);
			return { agent, node: "n1", mode: r.mode, latencyMs: r.latencyMs, health: 1, result: r.result };
		},
	};
}

const ctxOf = (horizon: Horizon = "intraday"): AnalysisContext => {
	const req = { ...UNIFIED_DEFAULTS, time_horizon: horizon };
	return { req, agents: agentsFor(req), newsLimit: 10, weights: Object.fromEntries(AGENT_NAMES.map(a => [a, 1])) as Record<AgentName, number>, now: () => NOW, timings: { data_ms: 0, agents_ms: {} } };
};
const headline = (title: string, ageMs: number): NewsMessage => ({ data: { title }, timestamp: new Date(NOW - ageMs).toISOString() });

describe("lib/agents/evidence: confidence from evidence", () => {
	it("the cold start (11 one-second bars, one fresh headline) answers well below 0.5, and the notes say why", async () => {
		const r = await analyzeSymbol("GOOG", ctxOf(), sourceOf({ "1s": falling(11, S) }, [headline("GOOG shares slump as regulators open probe", 2 * S)]));
		expect(r.tf).to.equal("1s");
		expect(r.agents.sentiment!.status).to.equal("ok");
		expect(r.agents.forecast).to.deep.equal({ status: "skipped", reason: "not enough bars yet (11 of 21)" });
		// Without evidence the same answer scored 0.4 A + 0.3 C + 0.3 H at freshness ~1: near 1.
		const { agreement, coverage, health, freshness } = r.confidence;
		expect((0.4 * agreement + 0.3 * coverage + 0.3 * health) * (0.5 + 0.5 * freshness)).to.be.greaterThan(0.9);
		expect(r.evidence).to.deep.include({ bars: 0.002, news: 0.283, forecast: null, bars_count: 11, headlines: 1 });
		expect(r.confidence.confidence).to.be.lessThan(0.15);
		expect(r.notes).to.deep.equal(["little price history: 11 bar(s) = 11 s of the 1.7 h this horizon wants (bars evidence 0.002)", "thin news: 1 headline(s), newest 2 s old; 3 fresh ones give 0.63 (news evidence 0.283)"]);
	});

	it("the same agents on 300 one-minute bars and six fresh headlines have the evidence and the confidence that go with it", async () => {
		const news = Array.from({ length: 6 }, (_, i) => headline(`GOOG shares slump as regulators open probe ${i}`, (i + 1) * M));
		const r = await analyzeSymbol("GOOG", ctxOf(), sourceOf({ "1m": falling(300, M) }, news));
		expect(r.evidence.bars).to.equal(1);
		expect(r.evidence.news).to.be.greaterThan(0.8);
		expect(r.agents.forecast!.status).to.equal("ok");
		expect(r.evidence.forecast).to.be.greaterThan(0.5);
		expect(r.confidence.evidence).to.be.greaterThan(0.8);
		expect(r.confidence.confidence).to.be.greaterThan(0.6);
		expect(r.notes).to.deep.equal([]);
	});

	it("bars: the span held against 10 × steps of the horizon's first timeframe", () => {
		expect(EVIDENCE_SPAN).to.equal(10);
		expect(doc).to.include("wanted = 10 × steps × the\n    horizon's first timeframe (intraday: 10 × 10 × 1 min = 100 min; short 80 h; medium 50 d; long 200 d)");
		const wanted = (h: Horizon) => EVIDENCE_SPAN * HORIZON_PLAN[h].steps * { "1m": M, "1h": H, "1d": 24 * H }[HORIZON_PLAN[h].tfs[0] as "1m"];
		expect([wanted("intraday"), wanted("short_term"), wanted("medium_term"), wanted("long_term")]).to.deep.equal([100 * M, 80 * H, 50 * 24 * H, 200 * 24 * H]);
		expect(barsEvidence(11, S, 100 * M)).to.be.closeTo(11 / 6000, 1e-12);
		expect(barsEvidence(50, M, 100 * M)).to.equal(0.5);
		expect(barsEvidence(500, M, 100 * M)).to.equal(1);
	});

	it("news: more and fresher headlines give more evidence, saturating; half-lives as documented", () => {
		expect(NEWS_SATURATION).to.equal(3);
		expect(doc).to.include("news N = 1 − exp(−Σ 2^(−age / half-life) / 3)");
		expect(doc).to.include("half-life 1 h (intraday),\n    1 d (short), 3 d (medium), 7 d (long)");
		expect(Object.values(HORIZON_PLAN).map(p => p.newsHalfLifeMs)).to.deep.equal([H, 24 * H, 72 * H, 168 * H]);
		expect(newsEvidence([], H)).to.equal(0);
		expect(newsEvidence([0], H)).to.be.closeTo(1 - Math.exp(-1 / 3), 1e-12);
		expect(newsEvidence([0, 0, 0], H)).to.be.closeTo(1 - Math.exp(-1), 1e-12);
		expect(newsEvidence([H], H)).to.be.closeTo(1 - Math.exp(-0.5 / 3), 1e-12);
		expect(newsEvidence([null], H)).to.equal(newsEvidence([H], H));
		expect(newsEvidence([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], H)).to.be.greaterThan(0.96);
		expect(newsEvidence([10 * H, 10 * H, 10 * H], H)).to.be.lessThan(0.01);
	});

	it("forecast: its own interval; a small move in a wide interval is little evidence", () => {
		expect(doc).to.include("forecast U = erf(|ln(mean_h / last)| / (σ_h √2)) = 2 Φ(|move| / σ_h) − 1");
		expect(erf(0)).to.be.closeTo(0, 1e-7);
		expect(erf(1)).to.be.closeTo(0.8427007929, 2e-7);
		expect(erf(2)).to.be.closeTo(0.995322265, 2e-7);
		// 2Φ(1.96) − 1 = 0.95: a move 1.96 σ away is called with 97.5 % probability.
		expect(forecastCertainty(0.0196, 0.01)).to.be.closeTo(0.95, 1e-4);
		expect(forecastCertainty(-0.0196, 0.01)).to.be.closeTo(0.95, 1e-4);
		expect(forecastCertainty(0.001, 0.05)).to.be.lessThan(0.02);
		expect(forecastCertainty(0.01, 0)).to.equal(0);
		const ev = evidenceOf({ bars: 300, tfMs: M, wantedMs: 100 * M, headlineAgesMs: [], newsHalfLifeMs: H, forecast: { move: 0.001, sigma: 0.05 } });
		expect(ev.forecast).to.be.lessThan(0.02);
		const notes = evidenceNotes({ bars: 300, tfMs: M, wantedMs: 100 * M, headlineAgesMs: [], newsHalfLifeMs: H, forecast: { move: 0.001, sigma: 0.05 } }, ev, ["forecast"]);
		expect(notes).to.deep.equal(["forecast uncertain: move 0.10 % against σ 5.00 % at the horizon, P(its direction) 0.51 (forecast evidence 0.016)"]);
	});
});
