/**
 * The predecessors' configuration, accepted as they wrote it (docs/compat.md, "Configuration"):
 * environment variables of seeds 000, 002 and 004, and seed 004's JSON config file
 * (`{"indicators": [...], "strategies": [...], "system": {...}}`), each turned into Rookery's
 * own settings. Rookery's own variables win over the seeds' when both are set.
 */
import type { RookeryConfig } from "./config.ts";
import { parseSpec } from "../indicators/registry.ts";
import { createStrategy } from "../strategies/index.ts";

export const ENVIRONMENTS = ["development", "staging", "production", "test"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
const ENVIRONMENT_ALIASES: Record<string, Environment> = { dev: "development", stage: "staging", prod: "production" };

/** The predecessors' variables a node reads (besides Rookery's own). */
export const SEED_ENV = [
	"WATCHLIST_SYMBOLS",
	"DATA_PROVIDER",
	"DATA_UPDATE_INTERVAL",
	"CALCULATION_WORKERS",
	"REDIS_STREAMS_MAXLEN",
	"ENABLE_ALERTS",
	"REDIS_HOST",
	"REDIS_PORT",
	"REDIS_ENABLED",
	"STREAMING_ENABLED",
	"AUTO_START_WORKERS",
	"ENVIRONMENT",
	"MAX_WORKERS",
];

const BOOL: Record<string, boolean> = { "1": true, true: true, yes: true, on: true, "0": false, false: false, no: false, off: false };

/**
 * Seed env applied to a config already merged from defaults and file; returns the problems.
 * `_notices` collects what a user should read at start (none at present; the callers keep passing it).
 */
export function applySeedEnv(cfg: RookeryConfig, env: NodeJS.ProcessEnv, _notices: string[] = []): string[] {
	const problems: string[] = [];
	const bool = (name: string): boolean | undefined => {
		const v = env[name];
		if (v === undefined || v === "") return undefined;
		const b = BOOL[v.trim().toLowerCase()];
		if (b === undefined) problems.push(`${name} must be true or false (got '${v}')`);
		return b;
	};
	const int = (name: string): number | undefined => {
		const v = env[name];
		if (v === undefined || v === "") return undefined;
		if (!/^\d+$/.test(v.trim())) problems.push(`${name} must be a whole number (got '${v}')`);
		return Number(v);
	};
	// seed 004
	if (env.WATCHLIST_SYMBOLS)
		cfg.symbols = env.WATCHLIST_SYMBOLS.split(",")
			.map(s => s.trim())
			.filter(Boolean);
	if (env.DATA_PROVIDER) cfg.workers.chains.market_data = [env.DATA_PROVIDER.trim() === "mock" ? "synthetic" : env.DATA_PROVIDER.trim()];
	// the same settings as the `system` section of its config file (fromSeedConfigFile)
	const interval = int("DATA_UPDATE_INTERVAL");
	if (interval !== undefined) cfg.workers.intervals.market_data = interval;
	const calcWorkers = int("CALCULATION_WORKERS");
	if (calcWorkers !== undefined) cfg.workers.concurrency = calcWorkers;
	const maxLen = int("REDIS_STREAMS_MAXLEN");
	if (maxLen !== undefined) {
		cfg.store.maxLen = maxLen;
		cfg.workers.streamMaxLen = maxLen;
	}
	// seed 004's automatic alerts are the built-in system rules (docs/alerts.md); rules users create are not affected
	const alerts = bool("ENABLE_ALERTS");
	if (alerts !== undefined) cfg.alerts.system.enabled = alerts;
	// seed 000 and 002's Redis address
	if (!env.REDIS_URL && env.REDIS_HOST) cfg.redisUrl = `redis://${env.REDIS_HOST.trim()}:${env.REDIS_PORT?.trim() || "6379"}`;
	const redis = bool("REDIS_ENABLED");
	if (redis === false && env.REDIS_URL) problems.push("REDIS_ENABLED=false and REDIS_URL contradict each other");
	if (redis === false) cfg.redisUrl = null;
	if (redis === true && !cfg.redisUrl) problems.push("REDIS_ENABLED=true needs REDIS_URL (or REDIS_HOST/REDIS_PORT)");
	// seed 002: without streaming the data workers do not start (WS/SSE stay: they are Rookery's API)
	const streaming = bool("STREAMING_ENABLED");
	const autoStart = bool("AUTO_START_WORKERS");
	if (streaming === false && autoStart === true) problems.push("STREAMING_ENABLED=false and AUTO_START_WORKERS=true contradict each other");
	if (streaming === false) cfg.workers.autoStart = false;
	if (autoStart !== undefined) cfg.workers.autoStart = autoStart;
	// seed 000
	if (env.ENVIRONMENT) {
		const given = env.ENVIRONMENT.trim().toLowerCase();
		const e = ENVIRONMENT_ALIASES[given] ?? given;
		if ((ENVIRONMENTS as readonly string[]).includes(e)) cfg.environment = e as Environment;
		else problems.push(`ENVIRONMENT must be one of ${ENVIRONMENTS.join(", ")} (got '${env.ENVIRONMENT}')`);
	}
	const maxWorkers = int("MAX_WORKERS");
	if (maxWorkers !== undefined && calcWorkers !== undefined && maxWorkers !== calcWorkers) problems.push("MAX_WORKERS and CALCULATION_WORKERS contradict each other (both set workers.concurrency)");
	if (maxWorkers !== undefined) cfg.workers.concurrency = maxWorkers;
	return problems;
}

/** Seed 004 indicator names → our kind, and its parameter names in our order (aliases per position). */
const INDICATORS: Record<string, { kind: string; params: string[][] }> = {};
const period = [["period", "window", "length"]];
for (const k of ["sma", "ema", "rsi", "atr", "adx", "donchian", "wma", "dema", "tema", "roc", "willr", "mfi"]) INDICATORS[k] = { kind: k, params: period };
Object.assign(INDICATORS, {
	macd: {
		kind: "macd",
		params: [
			["fast_period", "fast"],
			["slow_period", "slow"],
			["signal_period", "signal"],
		],
	},
	bbands: {
		kind: "bbands",
		params: [
			["period", "window"],
			["std_dev", "num_std", "std", "deviations"],
		],
	},
	stoch: {
		kind: "stoch",
		params: [
			["k_period", "fastk_period"],
			["slowk_period", "smooth_k"],
			["d_period", "slowd_period"],
		],
	},
	keltner: { kind: "keltner", params: [["period", "ema_period"], ["multiplier"], ["atr_period"]] },
	vwap: { kind: "vwap", params: [] },
	obv: { kind: "obv", params: [] },
});
for (const [alias, k] of Object.entries({ bollinger: "bbands", bollinger_bands: "bbands", bb: "bbands", stochastic: "stoch", williams_r: "willr" })) INDICATORS[alias] = INDICATORS[k];

const STRATEGIES: Record<string, { spec: string; params: string[][] }> = {};
const strategy = (spec: string, names: string[], params: string[][]) => names.forEach(n => (STRATEGIES[n] = { spec, params }));
strategy("macd-rsi", ["macd_rsi"], [["fast_period", "fast"], ["slow_period", "slow"], ["signal_period", "signal"], ["rsi_period"], ["rsi_overbought", "overbought"], ["rsi_oversold", "oversold"]]);
strategy("ma-cross", ["ma_crossover", "moving_average_crossover", "ma_cross"], [["fast_period", "fast"], ["slow_period", "slow"], ["exponential"]]);
strategy("rsi-trend", ["rsi_trend", "rsi_trend_following"], [["rsi_period", "period"], ["trend_period"]]);
strategy("bb-breakout", ["bollinger_breakout", "bollinger_band_breakout", "bb_breakout"], [["period"], ["std_dev", "deviations", "num_std"]]);
strategy("sr-breakout", ["support_resistance_breakout", "sr_breakout", "level_breakout"], [["lookback", "lookback_period", "period"]]);

/**
 * `name` + `parameters` → `kind:p1:p2`; parameters named, in our order; one left out before a given
 * one takes its default (seed 004's own example names only `rsi_overbought` and `rsi_oversold` of
 * macd_rsi); `fromName` fills a lone period ("sma_50").
 */
function specOf(where: string, kind: string, names: string[][], parameters: unknown, fromName: number[], defaults: readonly number[], problems: string[]): string | null {
	const given: Record<string, unknown> = parameters && typeof parameters === "object" && !Array.isArray(parameters) ? (parameters as Record<string, unknown>) : {};
	if (parameters !== undefined && parameters !== given) problems.push(`${where}.parameters must be an object`);
	const known = new Set(names.flat());
	for (const k of Object.keys(given)) if (!known.has(k)) problems.push(`${where}.parameters.${k} is not a parameter of ${kind} (known: ${[...known].join(", ") || "none"})`);
	const values: unknown[] = names.map(aliases => aliases.map(a => given[a]).find(v => v !== undefined));
	if (!values.some(v => v !== undefined)) values.splice(0, fromName.length, ...fromName);
	const last = values.findLastIndex(v => v !== undefined);
	const used = values.slice(0, last + 1).map((v, i) => v ?? defaults[i]);
	for (const [i, v] of used.entries()) if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) problems.push(`${where}.parameters.${names[i][0]} must be a number`);
	return [kind, ...used].join(":");
}

/**
 * Seed 004's config file: `indicators` → `analysis.indicators` (`update_frequency_seconds` → the
 * smallest becomes `analysis.publishEveryMs`, `ttl_seconds` → the largest becomes
 * `store.latestTtlMs`), `strategies` → `analysis.strategies`, `system` → workers settings. Other
 * keys pass through as Rookery's own. Throws the list of problems.
 */
export function fromSeedConfigFile(json: Record<string, unknown>): { overrides: Record<string, unknown>; problems: string[] } {
	const { indicators, strategies, system, ...rest } = json;
	const problems: string[] = [];
	const analysis: Record<string, unknown> = { ...(rest.analysis as object) };
	const out: Record<string, unknown> = { ...rest };
	const list = (x: unknown, what: string): Array<Record<string, unknown>> => {
		if (!Array.isArray(x) || x.some(e => !e || typeof e !== "object" || Array.isArray(e))) return (problems.push(`${what} must be an array of objects`), []);
		return x as Array<Record<string, unknown>>;
	};
	if (indicators !== undefined) {
		const specs: string[] = [];
		const freq: number[] = [];
		const ttl: number[] = [];
		for (const [i, ind] of list(indicators, "indicators").entries()) {
			const where = `indicators[${i}]`;
			if (ind.enabled === false) continue;
			const m = /^([a-z_]+?)(?:_(\d+(?:_\d+)*))?$/.exec(String(ind.name ?? "").toLowerCase());
			const entry = m && Object.hasOwn(INDICATORS, m[1]) ? INDICATORS[m[1]] : undefined;
			if (!m || !entry) {
				problems.push(`${where}.name '${String(ind.name)}' is not a known indicator (known: ${Object.keys(INDICATORS).join(", ")}, optionally with _period as in sma_50)`);
				continue;
			}
			const spec = specOf(where, entry.kind, entry.params, ind.parameters, m[2] ? m[2].split("_").map(Number) : [], parseSpec(entry.kind).params, problems);
			if (spec) specs.push(spec);
			for (const [key, into] of [
				["update_frequency_seconds", freq],
				["ttl_seconds", ttl],
			] as const) {
				const v = ind[key];
				if (v === undefined) continue;
				if (typeof v !== "number" || !(v > 0)) problems.push(`${where}.${key} must be a positive number`);
				else into.push(v);
			}
		}
		analysis.indicators = [...new Set(specs)];
		if (freq.length) analysis.publishEveryMs = Math.round(Math.min(...freq) * 1000);
		if (ttl.length) out.store = { ...(rest.store as object), latestTtlMs: Math.round(Math.max(...ttl) * 1000) };
	}
	if (strategies !== undefined) {
		const specs: string[] = [];
		for (const [i, s] of list(strategies, "strategies").entries()) {
			if (s.enabled === false) continue;
			const name = String(s.name ?? "")
				.toLowerCase()
				.replace(/_strategy$/, "");
			const entry = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
			if (!entry) problems.push(`strategies[${i}].name '${String(s.name)}' is not a known strategy (known: ${Object.keys(STRATEGIES).join(", ")})`);
			else specs.push(specOf(`strategies[${i}]`, entry.spec, entry.params, s.parameters, [], createStrategy(entry.spec).params, problems)!);
		}
		analysis.strategies = specs;
	}
	if (system !== undefined) {
		const sys = system && typeof system === "object" && !Array.isArray(system) ? (system as Record<string, unknown>) : (problems.push("system must be an object"), {});
		const workers: Record<string, unknown> = { ...(rest.workers as object) };
		for (const k of Object.keys(sys)) if (!["max_concurrent_calculations", "data_update_interval_seconds", "calculation_workers"].includes(k)) problems.push(`system.${k} is not a setting of seed 004's system section`);
		if (sys.calculation_workers !== undefined) workers.concurrency = sys.calculation_workers;
		if (sys.data_update_interval_seconds !== undefined) workers.intervals = { ...(workers.intervals as object), market_data: sys.data_update_interval_seconds };
		if (Object.keys(workers).length) out.workers = workers;
	}
	if (Object.keys(analysis).length) out.analysis = analysis;
	return { overrides: out, problems };
}

/** Whether a config file is (or contains) seed 004's format. */
export const isSeedConfigFile = (json: unknown): json is Record<string, unknown> => Boolean(json && typeof json === "object" && !Array.isArray(json) && ("indicators" in json || "strategies" in json || "system" in json));
