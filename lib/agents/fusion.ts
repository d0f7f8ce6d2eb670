/**
 * Fusing agent answers into one confidence (docs/agents.md, "Confidence"):
 *   direction d_a in [-1, 1] per agent that answered (sentiment: polarity; forecast: the h-step log
 *   move over its sigma, clipped; explain: score; strategy: +confidence buy, -confidence sell, 0 hold)
 *   A (agreement) = |Σ w_a d_a| / Σ w_a |d_a|   (0.5 when no agent has an opinion)
 *   C (coverage)  = Σ w_a over agents that answered / Σ w_a over agents asked
 *   H (health)    = weighted mean health_score of the agents that answered
 *   F (freshness) = exp(-age / freshnessMs), age = now - the symbol's last tick time (0 without one)
 *   E (evidence)  = Σ w_a e_a / Σ w_a over agents that answered, e_a from evidence.ts (bars vs the
 *                   horizon, headlines and their age, the forecast's own interval)
 *   confidence    = (0.4 A + 0.3 C + 0.3 H) × (0.5 + 0.5 F) × E
 * The request's confidence_score is the mean over its symbols.
 */
import type { AgentName, ExplainOutput, ForecastOutput, SentimentOutput, StrategyOutput } from "./model.ts";

export interface AgentOpinion {
	agent: AgentName;
	weight: number;
	/** null: the agent failed or was skipped. */
	direction: number | null;
	health: number;
	/** 0..1: how much evidence the answer rests on (evidence.ts). */
	evidence: number;
}

export interface ConfidenceParts {
	agreement: number;
	coverage: number;
	health: number;
	freshness: number;
	evidence: number;
	confidence: number;
}

const clip = (x: number) => (x > 1 ? 1 : x < -1 ? -1 : Number.isFinite(x) ? x : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function directionOf(agent: AgentName, result: unknown): number {
	switch (agent) {
		case "sentiment":
			return clip((result as SentimentOutput).summary.polarity);
		case "forecast": {
			const f = result as ForecastOutput;
			const end = f.points[f.points.length - 1];
			return end && end.sigma > 0 ? clip(Math.log(end.mean / f.last) / end.sigma) : 0;
		}
		case "explain":
			return clip((result as ExplainOutput).score);
		case "strategy": {
			const s = (result as StrategyOutput).suggestions[0];
			return !s || s.action === "hold" ? 0 : clip((s.action === "buy" ? 1 : -1) * s.confidence);
		}
	}
}

export function freshnessOf(ageMs: number | null, freshnessMs: number): number {
	return ageMs === null ? 0 : Math.exp(-Math.max(0, ageMs) / freshnessMs);
}

export function fuseConfidence(opinions: AgentOpinion[], freshness: number): ConfidenceParts {
	const asked = opinions.reduce((a, o) => a + o.weight, 0);
	const answered = opinions.filter(o => o.direction !== null);
	const wAnswered = answered.reduce((a, o) => a + o.weight, 0);
	const coverage = asked > 0 ? wAnswered / asked : 0;
	const health = wAnswered > 0 ? answered.reduce((a, o) => a + o.weight * o.health, 0) / wAnswered : 0;
	const sumAbs = answered.reduce((a, o) => a + o.weight * Math.abs(o.direction!), 0);
	const agreement = sumAbs > 0 ? Math.abs(answered.reduce((a, o) => a + o.weight * o.direction!, 0)) / sumAbs : 0.5;
	const evidence = wAnswered > 0 ? answered.reduce((a, o) => a + o.weight * o.evidence, 0) / wAnswered : 0;
	const confidence = answered.length === 0 ? 0 : (0.4 * agreement + 0.3 * coverage + 0.3 * health) * (0.5 + 0.5 * freshness) * evidence;
	return { agreement: r3(agreement), coverage: r3(coverage), health: r3(health), freshness: r3(freshness), evidence: r3(evidence), confidence: r3(confidence) };
}
