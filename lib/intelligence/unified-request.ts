/**
 * A unified-intelligence request (the predecessor's shape, seed 000) and what it asks for: the
 * agents to fan out to, the timeframes tried per horizon, and the key its answer is cached under.
 */
import { AGENT_NAMES, type AgentName } from "../agents/model.ts";
import { symbolRule } from "../protocol/tick.ts";

export const ANALYSIS_TYPES = ["comprehensive", "sentiment", "technical", "forecast"] as const;
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];
export const HORIZONS = ["intraday", "short_term", "medium_term", "long_term"] as const;
export type Horizon = (typeof HORIZONS)[number];

export interface HorizonPlan {
	/** Timeframes tried in order; the first with at least MIN_BARS bars wins. */
	tfs: string[];
	/** Forecast steps. */
	steps: number;
	/** The freshness window of the confidence (docs/agents.md). */
	freshnessMs: number;
	/** A headline this old counts half in the news evidence (lib/agents/evidence.ts). */
	newsHalfLifeMs: number;
}

export const HORIZON_PLAN: Record<Horizon, HorizonPlan> = {
	intraday: { tfs: ["1m", "1s"], steps: 10, freshnessMs: 60_000, newsHalfLifeMs: 3_600_000 },
	short_term: { tfs: ["1h", "15m", "5m", "1m"], steps: 8, freshnessMs: 900_000, newsHalfLifeMs: 86_400_000 },
	medium_term: { tfs: ["1d", "1h"], steps: 5, freshnessMs: 86_400_000, newsHalfLifeMs: 3 * 86_400_000 },
	long_term: { tfs: ["1d"], steps: 20, freshnessMs: 86_400_000, newsHalfLifeMs: 7 * 86_400_000 },
};

/** Bars a timeframe needs to be chosen, and the forecast to run. */
export const MIN_BARS = 21;

export interface UnifiedOptions {
	user_id?: string;
	analysis_type: AnalysisType;
	time_horizon: Horizon;
	include_explanations: boolean;
	include_strategies: boolean;
	include_forecasts: boolean;
	real_time_data: boolean;
}

export interface UnifiedRequest extends UnifiedOptions {
	symbols: string[];
}

/** The predecessor's defaults, also those of a stream's options. */
export const UNIFIED_DEFAULTS: Omit<UnifiedOptions, "user_id"> = {
	analysis_type: "comprehensive",
	time_horizon: "intraday",
	include_explanations: true,
	include_strategies: true,
	include_forecasts: true,
	real_time_data: true,
};

/** The agents a request asks, in AGENT_NAMES order. */
export function agentsFor(req: UnifiedOptions): AgentName[] {
	const want = new Set<AgentName>();
	const t = req.analysis_type;
	if (t === "comprehensive" || t === "sentiment") want.add("sentiment");
	if ((t === "comprehensive" || t === "technical") && req.include_explanations) want.add("explain");
	if ((t === "comprehensive" || t === "technical") && req.include_strategies) want.add("strategy");
	if ((t === "comprehensive" || t === "forecast") && (req.include_forecasts || t === "forecast")) want.add("forecast");
	return AGENT_NAMES.filter(a => want.has(a));
}

/** Whether any of these agents reads the news (sentiment scores it; explain and strategy see it). */
export function needsNews(agents: AgentName[]): boolean {
	return agents.some(a => a !== "forecast");
}

/**
 * The cache key of an answer: sorted symbols, agents asked, horizon, `real_time_data` and, for a
 * real-time request, each (sorted) symbol's last seq, so that any new tick is a miss.
 */
export function unifiedCacheKey(req: UnifiedRequest, agents: AgentName[], seqs: Array<number | null>): string {
	return JSON.stringify([[...req.symbols].sort(), agents, req.time_horizon, req.real_time_data, req.real_time_data ? seqs : []]);
}

/** Validation rules (fastest-validator) of a request's symbols and its options. */
export const symbolsParam = { type: "array", min: 1, max: 20, unique: true, items: symbolRule() };
export const optionParams = {
	user_id: { type: "string", max: 128, optional: true },
	analysis_type: { type: "enum", values: [...ANALYSIS_TYPES], default: UNIFIED_DEFAULTS.analysis_type },
	time_horizon: { type: "enum", values: [...HORIZONS], default: UNIFIED_DEFAULTS.time_horizon },
	include_explanations: { type: "boolean", default: true },
	include_strategies: { type: "boolean", default: true },
	include_forecasts: { type: "boolean", default: true },
	real_time_data: { type: "boolean", default: true },
};
