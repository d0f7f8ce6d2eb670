/**
 * The `agents` and `intelligence` config sections: defaults, validation schema and environment
 * variables (read by lib/config/config.ts, the only reader of process.env).
 * Agent defaults follow the predecessor (seed 000): sentiment (FinBERT) 10 s / 20 concurrent,
 * forecast (TFT) 15 s / 12, explain (Llama) 30 s / 5, strategy (GPT-4) 20 s / 8; queues twice that.
 */
import { AGENT_NAMES, type AgentName, type AgentSettings } from "./model.ts";

export interface IntelligenceSettings {
	/** One deadline for the whole fan-out of a unified request. */
	deadlineMs: number;
	/** Identical requests within this window (and with the same symbol seqs) are served from cache. */
	cacheTtlMs: number;
	cacheMaxEntries: number;
	/** Headlines per symbol given to the sentiment agent. */
	newsLimit: number;
	/** A stream's owner renews its lease every leaseMs/3; another node takes it over once it lapses. */
	streamLeaseMs: number;
	minStreamIntervalMs: number;
	maxStreams: number;
}

export type AgentsConfig = Record<AgentName, AgentSettings>;

export function defaultAgentsConfig(): AgentsConfig {
	const agent = (timeoutMs: number, maxConcurrent: number): AgentSettings => ({ url: null, model: null, timeoutMs, maxConcurrent, queueLimit: 2 * maxConcurrent, weight: 1, enabled: true });
	return { sentiment: agent(10_000, 20), forecast: agent(15_000, 12), explain: agent(30_000, 5), strategy: agent(20_000, 8) };
}

export function defaultIntelligenceConfig(): IntelligenceSettings {
	return { deadlineMs: 8000, cacheTtlMs: 5000, cacheMaxEntries: 1000, newsLimit: 10, streamLeaseMs: 6000, minStreamIntervalMs: 1000, maxStreams: 1000 };
}

const int = (min: number, max: number) => ({ type: "number", integer: true, min, max, convert: false });
// Fresh objects per use: fastest-validator runs a custom checker shared by several fields for only one of them.
const urlSchema = () => ({
	type: "string",
	nullable: true,
	custom: (v: string | null | undefined, errors: unknown[]) => {
		// fastest-validator runs a custom check on a missing optional field too (a partial PUT).
		if (v === null || v === undefined) return v;
		try {
			const p = new URL(v).protocol;
			if (p !== "http:" && p !== "https:") (errors as object[]).push({ type: "url", actual: v, expected: "http|https" });
		} catch {
			(errors as object[]).push({ type: "url", actual: v, expected: "http|https" });
		}
		return v;
	},
});

/** Schema of one agent's settings (also used by the config API, with every field optional). */
const settingsProps = () => ({
	url: urlSchema(),
	model: { type: "string", nullable: true, min: 1, max: 200 },
	timeoutMs: int(10, 600_000),
	maxConcurrent: int(1, 10_000),
	queueLimit: int(0, 1_000_000),
	weight: { type: "number", min: 0, max: 100, convert: false },
	enabled: { type: "boolean", convert: false },
	breaker: {
		type: "object",
		optional: true,
		strict: true,
		props: { threshold: { type: "number", min: 0.01, max: 1, convert: false, optional: true }, minRequestCount: { ...int(1, 100_000), optional: true }, halfOpenTime: { ...int(100, 3_600_000), optional: true } },
	},
});
export const agentSettingsProps = settingsProps();

export const agentsConfigSchema = {
	type: "object",
	strict: true,
	props: Object.fromEntries(AGENT_NAMES.map(n => [n, { type: "object", strict: true, props: settingsProps() }])),
};

export const intelligenceConfigSchema = {
	type: "object",
	strict: true,
	props: {
		deadlineMs: int(100, 600_000),
		cacheTtlMs: int(0, 3_600_000),
		cacheMaxEntries: int(0, 1_000_000),
		newsLimit: int(0, 100),
		streamLeaseMs: int(500, 600_000),
		minStreamIntervalMs: int(100, 3_600_000),
		maxStreams: int(0, 1_000_000),
	},
};

/** AGENT_SENTIMENT_URL, AGENT_FORECAST_URL, AGENT_EXPLAIN_URL, AGENT_STRATEGY_URL, AGENT_LLM_MODEL (explain + strategy). */
export function agentsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<AgentName, Partial<AgentSettings>>> | undefined {
	const o: Partial<Record<AgentName, Partial<AgentSettings>>> = {};
	for (const n of ["sentiment", "forecast", "explain", "strategy"] as const) {
		const url = env[`AGENT_${n.toUpperCase()}_URL`];
		if (url) o[n] = { url };
	}
	if (env.AGENT_LLM_MODEL) for (const n of ["explain", "strategy"] as const) o[n] = { ...o[n], model: env.AGENT_LLM_MODEL };
	return Object.keys(o).length ? o : undefined;
}

/** Config layers merge agents one level deeper: `{agents: {explain: {url}}}` keeps explain's other settings. */
export function mergeAgentsLayer(current: unknown, layer: unknown): unknown {
	const out: Record<string, unknown> = { ...(current as Record<string, unknown>) };
	for (const [name, v] of Object.entries(layer as Record<string, unknown>)) {
		const cur = out[name];
		out[name] = v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" ? { ...cur, ...v } : v;
	}
	return out;
}
