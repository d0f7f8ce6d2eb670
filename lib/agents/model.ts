/**
 * An agent's model: the built-in one (computes locally) or a remote one (a model server over
 * HTTP). The AgentRunner owns the timeout and statistics (limits and breaker are Moleculer's:
 * mixins/agent.mixin.ts); a model only computes or does I/O, and stops when `signal` is aborted.
 */
import { redactUrl } from "../config/redact.ts";
import type { SentimentLabel, SentimentSummary } from "./sentiment.ts";
import type { PriceForecast } from "./forecast.ts";
import type { RemoteForecast } from "./remote-forecast.ts";
import type { Stance } from "./explain.ts";
import type { Suggestion } from "./strategy.ts";
import type { MarketView } from "./market-view.ts";

export const AGENT_NAMES = ["sentiment", "forecast", "explain", "strategy"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** The predecessor's agent names (seed 000's agent configuration), accepted wherever an agent is named. */
export const PREDECESSOR_AGENT_NAMES: Readonly<Record<string, AgentName>> = { llama_explanation: "explain", gpt4_strategy: "strategy", tft_forecasting: "forecast" };
/** Every name an agent may be called by: ours, then the predecessor's. */
export const AGENT_NAME_ALIASES: readonly string[] = [...AGENT_NAMES, ...Object.keys(PREDECESSOR_AGENT_NAMES)];

/** Our name for an agent named either way (the name must be one of AGENT_NAME_ALIASES). */
export function canonicalAgentName(name: string): AgentName {
	return PREDECESSOR_AGENT_NAMES[name] ?? (name as AgentName);
}

export interface AgentSettings {
	/** Model server URL; null = the built-in model. */
	url: string | null;
	/** Model name sent to an OpenAI-compatible server (explain, strategy). */
	model: string | null;
	timeoutMs: number;
	maxConcurrent: number;
	queueLimit: number;
	/** How much this agent's opinion counts in the unified confidence. */
	weight: number;
	enabled: boolean;
	/** Moleculer CircuitBreaker options of this agent's `run` over mixins/agent.mixin.ts's defaults (absent: the defaults). */
	breaker?: Partial<AgentBreakerSettings>;
}

/**
 * Moleculer CircuitBreaker options of `agents.{name}.run`: it opens when at least `minRequestCount`
 * calls in the window (60 s, broker-wide) went to that node and `threshold` of them failed, and
 * lets one probe through after `halfOpenTime` ms.
 */
export interface AgentBreakerSettings {
	threshold: number;
	minRequestCount: number;
	halfOpenTime: number;
}

/** Settings as shown to callers (answers, status, REPL): the url's credentials masked. */
export function shownSettings(s: AgentSettings): AgentSettings {
	return { ...s, url: redactUrl(s.url) };
}

export abstract class AgentModel<I, O> {
	abstract readonly kind: "builtin" | "remote";
	abstract run(input: I, signal: AbortSignal): Promise<O>;
}

export interface SentimentInput {
	texts: string[];
}
export interface SentimentItem {
	text: string;
	label: SentimentLabel;
	score: number;
	reasons?: string[];
}
export interface SentimentOutput {
	items: SentimentItem[];
	summary: SentimentSummary;
}

export interface ForecastInput {
	closes: number[];
	horizon: number;
	/** Time of the first close (epoch ms), sent to a remote model as DeepAR's `start`. */
	start?: number;
}
export type ForecastOutput = PriceForecast | RemoteForecast;

export type ExplainInput = MarketView;
export interface ExplainOutput {
	stance: Stance;
	/** -1..1 */
	score: number;
	confidence: number;
	summary: string;
	reasons: string[];
}

export type StrategyInput = MarketView;
export interface StrategyOutput {
	stance: Stance;
	suggestions: Suggestion[];
}
