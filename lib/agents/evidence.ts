/**
 * How much evidence each agent's answer rests on, 0..1 (docs/agents.md, "Confidence"):
 *   bars      B = min(1, span / wanted): span = bars × the chosen timeframe, wanted = EVIDENCE_SPAN
 *               × steps × the horizon's first timeframe (a 10-step intraday call wants 100 min)
 *   news      N = 1 − exp(−Σ 2^(−age/halfLife) / NEWS_SATURATION) over the headlines read
 *   forecast  U = erf(|ln(mean_h/last)| / (σ_h √2)) = 2Φ(|move|/σ_h) − 1: the forecast's own
 *               probability that the price ends on the side it calls, rescaled 0..1 (a wide
 *               interval against a small move is near 0)
 *   per agent e: sentiment N; forecast B × U; explain and strategy B
 * The fusion multiplies the confidence by E = Σ w e / Σ w over the agents that answered. Pure
 * numbers from explicit inputs, so a test can pin each factor.
 */
import type { AgentName, ForecastOutput } from "./model.ts";

/** A call over `steps` bars wants this many times that span of history. */
export const EVIDENCE_SPAN = 10;
/** Fresh headlines that give N = 1 − 1/e ≈ 0.63. */
export const NEWS_SATURATION = 3;
/** A factor below this is named in the symbol's notes. */
export const LOW_EVIDENCE = 0.5;

export interface EvidenceInput {
	/** Bars of the chosen timeframe, and that timeframe's length. */
	bars: number;
	tfMs: number;
	/** History the horizon wants (EVIDENCE_SPAN × steps × its first timeframe), ms. */
	wantedMs: number;
	/** Age of each headline read (ms; null when it has no time: counted one half-life old). */
	headlineAgesMs: Array<number | null>;
	newsHalfLifeMs: number;
	/** The forecast's log move and σ at the horizon, when it answered. */
	forecast: { move: number; sigma: number } | null;
}

export interface Evidence {
	bars: number;
	news: number;
	/** null when there was no forecast. */
	forecast: number | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), for x ≥ 0. */
export function erf(x: number): number {
	const t = 1 / (1 + 0.3275911 * x);
	const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
	return x < 0 ? -y : y;
}

export function barsEvidence(bars: number, tfMs: number, wantedMs: number): number {
	return wantedMs > 0 ? Math.min(1, (Math.max(0, bars) * tfMs) / wantedMs) : 1;
}

export function newsEvidence(agesMs: Array<number | null>, halfLifeMs: number): number {
	const mass = agesMs.reduce<number>((a, age) => a + 2 ** (-(age === null ? halfLifeMs : Math.max(0, age)) / halfLifeMs), 0);
	return 1 - Math.exp(-mass / NEWS_SATURATION);
}

export function forecastCertainty(move: number, sigma: number): number {
	if (!(sigma > 0) || !Number.isFinite(move)) return 0;
	return erf(Math.abs(move) / (sigma * Math.SQRT2));
}

/** The forecast's move and σ at its last step, as the fusion reads its direction. */
export function forecastMoveOf(result: unknown): { move: number; sigma: number } | null {
	const f = result as ForecastOutput;
	const end = f?.points?.[f.points.length - 1];
	return end && f.last > 0 && end.mean > 0 ? { move: Math.log(end.mean / f.last), sigma: end.sigma } : null;
}

export function evidenceOf(input: EvidenceInput): Evidence {
	const bars = barsEvidence(input.bars, input.tfMs, input.wantedMs);
	return {
		bars: r3(bars),
		news: r3(newsEvidence(input.headlineAgesMs, input.newsHalfLifeMs)),
		forecast: input.forecast ? r3(bars * forecastCertainty(input.forecast.move, input.forecast.sigma)) : null,
	};
}

/** The evidence behind one agent's answer. */
export function agentEvidence(agent: AgentName, e: Evidence): number {
	switch (agent) {
		case "sentiment":
			return e.news;
		case "forecast":
			return e.forecast ?? 0;
		case "explain":
		case "strategy":
			return e.bars;
	}
}

const span = (ms: number): string => (ms >= 86_400_000 ? `${+(ms / 86_400_000).toFixed(1)} d` : ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`);

/** Why the evidence is thin, in words, for the agents that answered (empty when every factor is ≥ LOW_EVIDENCE). */
export function evidenceNotes(input: EvidenceInput, e: Evidence, answered: AgentName[]): string[] {
	const notes: string[] = [];
	const readsBars = answered.some(a => a === "explain" || a === "strategy" || a === "forecast");
	if (readsBars && e.bars < LOW_EVIDENCE) {
		notes.push(`little price history: ${input.bars} bar(s) = ${span(input.bars * input.tfMs)} of the ${span(input.wantedMs)} this horizon wants (bars evidence ${e.bars})`);
	}
	if (answered.includes("sentiment") && e.news < LOW_EVIDENCE) {
		const known = input.headlineAgesMs.filter((a): a is number => a !== null);
		const newest = known.length ? `, newest ${span(Math.max(0, Math.min(...known)))} old` : "";
		notes.push(`thin news: ${input.headlineAgesMs.length} headline(s)${newest}; ${NEWS_SATURATION} fresh ones give 0.63 (news evidence ${e.news})`);
	}
	const certainty = input.forecast ? forecastCertainty(input.forecast.move, input.forecast.sigma) : 1;
	if (answered.includes("forecast") && input.forecast && certainty < LOW_EVIDENCE) {
		const { move, sigma } = input.forecast;
		notes.push(`forecast uncertain: move ${(move * 100).toFixed(2)} % against σ ${(sigma * 100).toFixed(2)} % at the horizon, P(its direction) ${(0.5 + certainty / 2).toFixed(2)} (forecast evidence ${e.forecast})`);
	}
	return notes;
}
