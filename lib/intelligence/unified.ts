/**
 * A unified answer (docs/agents.md, "Unified intelligence"): every symbol analysed in parallel
 * (symbol-analysis.ts), then `agents_used`, `agents_failed`, the mean confidence and the timings
 * assembled; and an answer served again from the cache. Also the agents' status aggregated over
 * the nodes running them.
 */
import { AGENT_NAMES, type AgentName } from "../agents/model.ts";
import type { AgentStatus } from "../agents/agent-runner.ts";
import { analyzeSymbol, type AgentOutcome, type AnalysisContext, type AnalysisTimings, type SymbolIntelligence, type SymbolSource } from "./symbol-analysis.ts";
import type { UnifiedRequest } from "./unified-request.ts";

export interface UnifiedResult {
	request_id: string;
	user_id: string | null;
	analysis_type: string;
	time_horizon: string;
	symbols: Record<string, SymbolIntelligence>;
	agents_used: AgentName[];
	agents_failed: Array<{ agent: AgentName; symbol: string; reason: string }>;
	confidence_score: number;
	news_available: boolean;
	cached: boolean;
	generated_at: string;
	timings: AnalysisTimings & { total_ms: number };
}

export interface UnifiedRun {
	agents: AgentName[];
	newsLimit: number;
	weights: Record<AgentName, number>;
	now: () => number;
	/** When the request started (its deadline and total_ms count from here). */
	started: number;
	requestId: string;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function analyzeUnified(req: UnifiedRequest, run: UnifiedRun, source: SymbolSource): Promise<UnifiedResult> {
	const timings: AnalysisTimings = { data_ms: 0, agents_ms: {} };
	const ctx: AnalysisContext = { req, agents: run.agents, newsLimit: run.newsLimit, weights: run.weights, now: run.now, timings };
	const per = await Promise.all([...req.symbols].sort().map(s => analyzeSymbol(s, ctx, source)));
	return assembleUnified(req, per, { requestId: run.requestId, generatedAt: run.now(), timings: { ...timings, total_ms: run.now() - run.started } });
}

/** The answer from the symbols' results: who answered, who failed and why, the mean confidence. */
export function assembleUnified(req: UnifiedRequest, per: SymbolIntelligence[], meta: { requestId: string; generatedAt: number; timings: UnifiedResult["timings"] }): UnifiedResult {
	const failed: UnifiedResult["agents_failed"] = [];
	const used = new Set<AgentName>();
	for (const r of per) {
		for (const [a, o] of Object.entries(r.agents) as Array<[AgentName, AgentOutcome]>) {
			if (o.status === "ok") used.add(a);
			else if (o.status === "failed") failed.push({ agent: a, symbol: r.symbol, reason: o.reason });
		}
	}
	return {
		request_id: meta.requestId,
		user_id: req.user_id ?? null,
		analysis_type: req.analysis_type,
		time_horizon: req.time_horizon,
		symbols: Object.fromEntries(per.map(r => [r.symbol, r])),
		agents_used: AGENT_NAMES.filter(a => used.has(a)),
		agents_failed: failed,
		confidence_score: per.length ? r3(per.reduce((a, r) => a + r.confidence.confidence, 0) / per.length) : 0,
		news_available: !per.some(r => r.notes.some(n => n.startsWith("news unavailable"))),
		cached: false,
		generated_at: new Date(meta.generatedAt).toISOString(),
		timings: meta.timings,
	};
}

/** A cached answer served to another request: its user, `cached: true`, this request's total time. */
export function fromCache(hit: UnifiedResult, req: UnifiedRequest, totalMs: number): UnifiedResult {
	return { ...hit, user_id: req.user_id ?? null, cached: true, timings: { ...hit.timings, total_ms: totalMs } };
}

export type NodeAgentStatus = AgentStatus & { node: string };

export interface AggregatedAgentStatus {
	available: boolean;
	health_score: number;
	utilization: number;
	/** Calls waiting in the nodes' bulkheads, summed. */
	queued: number;
	latency_ms: { p50: number | null; p99: number | null };
	error_rate: number;
	breaker_state: "open" | "half-open" | "closed" | null;
	calls: number;
	nodes: NodeAgentStatus[];
}

/** One agent over its nodes: mean health, utilization and error rate, max latencies, worst breaker, summed calls and queued calls. */
export function aggregateAgentStatus(nodes: NodeAgentStatus[]): AggregatedAgentStatus {
	const mean = (f: (s: AgentStatus) => number) => (nodes.length ? r3(nodes.reduce((a, s) => a + f(s), 0) / nodes.length) : 0);
	const worst = nodes.some(s => s.breaker.state === "open") ? "open" : nodes.some(s => s.breaker.state === "half-open") ? "half-open" : nodes.length ? "closed" : null;
	const max = (k: "p50" | "p99") => nodes.reduce<number | null>((a, s) => (s.latency_ms[k] === null ? a : Math.max(a ?? 0, s.latency_ms[k]!)), null);
	return {
		available: nodes.length > 0,
		health_score: mean(s => s.health_score),
		utilization: mean(s => s.utilization),
		queued: nodes.reduce((a, s) => a + s.queued, 0),
		latency_ms: { p50: max("p50"), p99: max("p99") },
		error_rate: mean(s => s.error_rate),
		breaker_state: worst,
		calls: nodes.reduce((a, s) => a + s.calls, 0),
		nodes,
	};
}
