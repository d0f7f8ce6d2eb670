/**
 * Reliability of the unified confidence (docs/agents.md, "Calibration"): replay a bar series walk-
 * forward, and at every origin run the real analysis (analyzeSymbol with the given agents) on what
 * a node would hold then: the last bars up to the origin, the indicators and signals computed bar by
 * bar, nothing after it. The call is the sign of the agents' weighted direction; it is a hit when
 * the close `steps` bars later moved that way. Origins are grouped by predicted confidence.
 */
import type { Bar } from "../bars/bar.ts";
import { directionOf } from "../agents/fusion.ts";
import type { AgentRunResult } from "../agents/agent-runner.ts";
import type { AgentName } from "../agents/model.ts";
import type { ViewSignal } from "../agents/market-view.ts";
import { IndicatorSet } from "../indicators/indicator-set.ts";
import { createStrategy } from "../strategies/index.ts";
import { agentsFor, HORIZON_PLAN, UNIFIED_DEFAULTS, type Horizon } from "./unified-request.ts";
import { analyzeSymbol, type AgentOutcome, type SymbolSource } from "./symbol-analysis.ts";

export interface CalibrationOptions {
	horizon: Horizon;
	indicators: string[];
	strategies: string[];
	/** Runs one agent, as `agents.{name}.run` would. */
	runAgent(agent: AgentName, params: object): Promise<AgentRunResult>;
	/** First origin (bars 0..from are history); default 1. */
	from?: number;
	/** Bucket edges of the predicted confidence, ascending, from 0 to 1. */
	edges?: number[];
}

export interface CalibrationRow {
	/** [lo, hi) of the predicted confidence (the last bucket includes 1). */
	lo: number;
	hi: number;
	calls: number;
	meanConfidence: number;
	hits: number;
	/** hits / calls, null for an empty bucket. */
	hitRate: number | null;
}

export interface CalibrationResult {
	origins: number;
	/** Origins where the agents had no direction (or the price did not move): not counted. */
	noCall: number;
	rows: CalibrationRow[];
	/** Every counted origin: its confidence and whether the call hit (for tests and plots). */
	points: Array<{ index: number; confidence: number; hit: boolean }>;
}

const DEFAULT_EDGES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1];
const BARS_LIMIT = 300;

export async function calibrate(bars: Bar[], opts: CalibrationOptions): Promise<CalibrationResult> {
	const plan = HORIZON_PLAN[opts.horizon];
	const tf = plan.tfs[0];
	const req = { ...UNIFIED_DEFAULTS, time_horizon: opts.horizon };
	const agents = agentsFor(req);
	const weights = Object.fromEntries(agents.map(a => [a, 1])) as Record<AgentName, number>;
	const set = new IndicatorSet(opts.indicators);
	const strategies = opts.strategies.map(createStrategy);
	const signals: ViewSignal[] = [];
	const points: CalibrationResult["points"] = [];
	let origins = 0;
	let noCall = 0;
	for (let t = 0; t + plan.steps < bars.length; t++) {
		const bar = bars[t];
		set.update(bar);
		for (const s of strategies) {
			const sig = s.update(bar);
			if (sig) signals.push({ strategy: sig.strategy, direction: sig.direction, strength: sig.strength, reason: sig.reason, barTime: sig.barTime });
		}
		if (t < (opts.from ?? 1)) continue;
		const known = bars.slice(Math.max(0, t + 1 - BARS_LIMIT), t + 1);
		const indicators = set.snapshot();
		const now = bar.time;
		const source: SymbolSource = {
			latest: async () => ({ seq: t, ts: now, price: bar.close }),
			bars: async (_s, frame) => (frame === tf ? known : []),
			news: async () => [],
			indicators: async () => indicators,
			signals: async (_s, _tf, limit) => signals.slice(-limit),
			runAgent: opts.runAgent,
		};
		const r = await analyzeSymbol("REPLAY", { req, agents, newsLimit: 10, weights, now: () => now, timings: { data_ms: 0, agents_ms: {} } }, source);
		origins++;
		const direction = fusedDirection(r.agents, weights);
		const move = bars[t + plan.steps].close - bar.close;
		if (direction === 0 || move === 0) {
			noCall++;
			continue;
		}
		points.push({ index: t, confidence: r.confidence.confidence, hit: Math.sign(move) === direction });
	}
	return { origins, noCall, rows: reliability(points, opts.edges ?? DEFAULT_EDGES), points };
}

/** The sign of Σ w·d over the agents that answered (the stance the confidence is about). */
export function fusedDirection(outcomes: Partial<Record<AgentName, AgentOutcome>>, weights: Record<AgentName, number>): -1 | 0 | 1 {
	let sum = 0;
	for (const [agent, o] of Object.entries(outcomes) as Array<[AgentName, AgentOutcome]>) if (o.status === "ok") sum += (weights[agent] ?? 1) * directionOf(agent, o.result);
	return sum > 0 ? 1 : sum < 0 ? -1 : 0;
}

/** Points grouped into [edges[i], edges[i+1]) buckets, the last closed at 1. */
export function reliability(points: Array<{ confidence: number; hit: boolean }>, edges: number[]): CalibrationRow[] {
	return edges.slice(0, -1).map((lo, i) => {
		const hi = edges[i + 1];
		const last = i === edges.length - 2;
		const inside = points.filter(p => p.confidence >= lo && (p.confidence < hi || (last && p.confidence <= hi)));
		const hits = inside.filter(p => p.hit).length;
		const mean = inside.length ? inside.reduce((a, p) => a + p.confidence, 0) / inside.length : 0;
		return { lo, hi, calls: inside.length, meanConfidence: Math.round(mean * 1000) / 1000, hits, hitRate: inside.length ? Math.round((hits / inside.length) * 1000) / 1000 : null };
	});
}

/** The table as docs/agents.md publishes it. */
export function reliabilityTable(r: CalibrationResult): string {
	const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);
	const lines = ["| predicted confidence | calls | mean predicted | hits | hit rate |", "|---|---|---|---|---|"];
	for (const row of r.rows) lines.push(`| ${row.lo.toFixed(1)}–${row.hi.toFixed(1)} | ${row.calls} | ${row.calls ? row.meanConfidence.toFixed(3) : "–"} | ${row.hits} | ${pct(row.hitRate)} |`);
	const hits = r.points.filter(p => p.hit).length;
	lines.push(`| all | ${r.points.length} | ${r.points.length ? (r.points.reduce((a, p) => a + p.confidence, 0) / r.points.length).toFixed(3) : "–"} | ${hits} | ${pct(r.points.length ? hits / r.points.length : null)} |`);
	return lines.join("\n");
}
