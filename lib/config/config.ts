/**
 * The node's configuration: one typed object, merged from defaults < JSON file < environment <
 * command-line flags, then validated. Nothing else in Rookery reads process.env.
 */
import { EVENT_TYPES, type EventType } from "../events/event-types.ts";
import os from "node:os";
import { readFileSync } from "node:fs";
import { Validator } from "../validation/validator.ts";
import { SYMBOL_PATTERN } from "../protocol/tick.ts";
import { TIMEFRAMES } from "../bars/timeframes.ts";
import type { AnalysisConfig } from "../symbols/symbol-analysis.ts";
import { createIndicator } from "../indicators/registry.ts";
import { IndicatorSet } from "../indicators/indicator-set.ts";
import { createStrategy } from "../strategies/index.ts";
import { vendorTypes, type VendorSpec } from "../vendors/index.ts";
import { DATA_TYPES, type DataType } from "../vendors/vendor.ts";
import { DEFAULT_TIERS, TIER_NAMES, type TierName, type TierSettings } from "../auth/tiers.ts";
import { SLOW_CLIENT_POLICIES } from "../streaming/send-queue.ts";
import { applySeedEnv, ENVIRONMENTS, fromSeedConfigFile, isSeedConfigFile, type Environment } from "./seed-compat.ts";
import { defaultTlsConfig, tlsConfigProblems, tlsConfigSchema, tlsFromEnv, type TlsSettings } from "./tls.ts";
import { agentsConfigSchema, agentsFromEnv, defaultAgentsConfig, defaultIntelligenceConfig, intelligenceConfigSchema, mergeAgentsLayer, type AgentsConfig, type IntelligenceSettings } from "../agents/agent-config.ts";
import { shownSettings } from "../agents/model.ts";
import { MASK, redactUrl } from "./redact.ts";

export const SERVICE_NAMES = ["gateway", "ingest", "symbols", "monitor", "agents.sentiment", "agents.forecast", "agents.explain", "agents.strategy", "intelligence", "config", "events", "analytics"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RookeryConfig {
	nodeId: string;
	/** Moleculer transporter URL (`nats://…`); null = embedded mode, one process. */
	transporter: string | null;
	/** Redis URL; null = in-memory store. */
	redisUrl: string | null;
	services: ServiceName[];
	port: number;
	/**
	 * Port of the probe listener (`/health`, `/health/live`, `/health/ready`, `/metrics` only), for
	 * nodes whose probes and scrapes cannot reach a gateway port; null = none. Needs `monitor`.
	 */
	healthPort: number | null;
	host: string;
	logLevel: LogLevel;
	/** `json` (one object per line), `pretty` (pino-pretty), or `auto`: pretty when stdout is a terminal. */
	logFormat: LogFormat;
	symbols: string[];
	/** `historyMinutes`: past ticks (one per `historyStepMs`) the synthetic feed writes before going live, for symbols with an empty log (warm start). */
	feed: { type: "synthetic" | "none"; ticksPerSecond: number; seed: number; historyMinutes: number; historyStepMs: number };
	store: { maxLen: number; latestTtlMs: number; snapshotEvery: number };
	ingest: { maxFutureMs: number; maxBodyBytes: string };
	symbolActor: {
		mailboxLimit: number;
		dedupWindow: number;
		passivateAfterMs: number;
		leaseMs: number;
		leaseWaitMs: number;
		/** Actor activations running at once on a node (lib/symbols/activation-gate.ts). */
		maxActivations: number;
		/** Activations that may wait for a slot; past this, 503 BUSY. */
		activationQueue: number;
	};
	/** Bars, indicators and strategies every symbol keeps, unless `instruments` says otherwise. */
	analysis: AnalysisSettings;
	/** Vendor instances by name (docs/ingestion.md). */
	vendors: Record<string, VendorSpec>;
	/** Plug-in modules loaded at start, before the rest is validated (docs/plugins.md). */
	plugins: string[];
	workers: WorkerSettings;
	/** Per-symbol overrides of `analysis`. */
	instruments: Record<string, Partial<Pick<AnalysisSettings, "timeframes" | "indicators" | "strategies">>>;
	/**
	 * WebSocket/SSE: `maxBufferedBytes` is what a socket may hold unsent before frames wait in the
	 * connection's own queue (bounded per tier); `authTimeoutMs` how long a connection that must
	 * authenticate may stay without; `maxReplay` how far back `since` is replayed from the log.
	 */
	ws: { maxBufferedBytes: number; heartbeatMs: number; authTimeoutMs: number; maxReplay: number };
	/**
	 * Gateway HTTP: CORS allow-list (`*` = any origin), the JSON body limit of /api/v1, whether REST
	 * reads skip moleculer-web's request pipeline (runtime/gateway-direct.ts; same answers), and the
	 * latest-quote cache (lib/streaming/quote-cache.ts; max age, 0 = off; max symbols).
	 */
	http: { corsOrigins: string[]; maxBodyBytes: string; directReads: boolean; quoteCacheMs: number; quoteCacheEntries: number };
	/**
	 * Credentials. With no JWT key and no API key, the node runs in development mode: anonymous
	 * requests are allowed (tier `internal`) and loopback ones get the admin role. Otherwise anonymous
	 * requests get `anonymousTier`, or 401 when it is null.
	 */
	/** Analysis agents (docs/agents.md): url (null = built-in model), limits, weight, enabled. */
	agents: AgentsConfig;
	/** Unified intelligence: deadline, cache, streams (docs/agents.md). */
	intelligence: IntelligenceSettings;
	/** Deployment name (seed 000's ENVIRONMENT), carried in every log line; null = not set. */
	environment: Environment | null;
	/** Certificate, creds and nkey files for Redis, NATS and the gateway (lib/config/tls.ts). */
	tls: TlsSettings;
	/** Platform events (docs/events.md): retention per type in ms, over the seed's TTL table. */
	events: { retentionMs: Partial<Record<EventType, number>> };
	/**
	 * The two-level answer cache (middlewares/two-level-cacher.ts, docs/operations.md "Cache"): L1 bounds
	 * per node, gzip above `compressAboveBytes` in Redis, TTL per data type (seed 003's table), and how
	 * many of the most requested symbols are warmed at start.
	 */
	cache: CacheSettings;
	auth: {
		jwtSecret: string | null;
		jwtPublicKey: string | null;
		jwtIssuer: string | null;
		jwtAudience: string | null;
		anonymousTier: TierName | null;
		tiers: Record<TierName, TierSettings>;
	};
}

/** Data workers (docs/ingestion.md): defaults of the cadences operators change at run time. */
export interface WorkerSettings {
	/** Start the workers with the node; null = when the synthetic feed is on (embedded default, opt-in in a cluster). */
	autoStart: boolean | null;
	/** Vendor chain per data type, first choice first. */
	chains: Record<DataType, string[]>;
	intervals: Record<DataType, number>;
	retryAttempts: number;
	retryMultiplier: number;
	retryInitialMs: number;
	retryMaxMs: number;
	jitter: "full" | "none";
	timeoutMs: number;
	concurrency: number;
	breaker: { failureThreshold: number; openMs: number; halfOpenMaxCalls: number };
	latestTtlMs: number;
	streamMaxLen: number;
	bufferLimit: number;
	bufferRetryMs: number;
	volatilityWindow: number;
	garchRefitEvery: number;
	telemetryLimit: number;
}

/** A symbol's bars, indicators and strategies (documented on AnalysisConfig). */
export type AnalysisSettings = AnalysisConfig;

/** The analysis settings of one symbol: the defaults with its `instruments` entry applied. */
export function analysisFor(cfg: RookeryConfig, symbol: string): AnalysisSettings {
	return { ...cfg.analysis, ...cfg.instruments[symbol] };
}

/** What the entry point was asked to do, besides configuring the node. */
export interface RunFlags {
	config?: string;
	showConfig: boolean;
	validateOnly: boolean;
	repl: boolean;
}

export interface CacheSettings {
	l1MaxEntries: number;
	l1MaxBytes: number;
	compressAboveBytes: number;
	ttlSeconds: { metrics: number; aggregations: number; insights: number; alerts: number };
	warmSymbols: number;
}

export function defaultConfig(): RookeryConfig {
	return {
		nodeId: `${os.hostname()}-${process.pid}`,
		transporter: null,
		redisUrl: null,
		services: [...SERVICE_NAMES],
		port: 3000,
		healthPort: null,
		host: "0.0.0.0",
		logLevel: "info",
		logFormat: "auto",
		symbols: ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA"],
		feed: { type: "synthetic", ticksPerSecond: 2, seed: 42, historyMinutes: 480, historyStepMs: 20_000 },
		store: { maxLen: 100_000, latestTtlMs: 3_600_000, snapshotEvery: 1000 },
		ingest: { maxFutureMs: 2000, maxBodyBytes: "4mb" },
		symbolActor: { mailboxLimit: 50_000, dedupWindow: 10_000, passivateAfterMs: 900_000, leaseMs: 2500, leaseWaitMs: 4000, maxActivations: 8, activationQueue: 10_000 },
		analysis: {
			timeframes: [...TIMEFRAMES],
			indicators: ["sma:20", "ema:20", "rsi:14", "macd:12:26:9", "bbands:20:2", "atr:14", "stoch:14:3:3", "vwap", "obv", "adx:14"],
			strategies: ["macd-rsi", "ma-cross", "rsi-trend", "bb-breakout", "sr-breakout"],
			lateToleranceMs: 5000,
			maxBars: 500,
			publishEveryMs: 250,
			signalHistory: 200,
		},
		instruments: {},
		vendors: { synthetic: { type: "synthetic" } },
		plugins: [],
	workers: {
			autoStart: null,
			chains: { market_data: ["synthetic"], news: ["synthetic"], fundamentals: ["synthetic"], analytics: ["synthetic"], insider_data: ["synthetic"] },
			intervals: { market_data: 60, news: 300, fundamentals: 3600, analytics: 600, insider_data: 1800 },
			retryAttempts: 3,
			retryMultiplier: 2,
			retryInitialMs: 1000,
			retryMaxMs: 60_000,
			jitter: "full",
			timeoutMs: 10_000,
			concurrency: 4,
			breaker: { failureThreshold: 5, openMs: 30_000, halfOpenMaxCalls: 1 },
			latestTtlMs: 3_600_000,
			streamMaxLen: 1000,
			bufferLimit: 10_000,
			bufferRetryMs: 1000,
			volatilityWindow: 60,
			garchRefitEvery: 20,
			telemetryLimit: 1000,
		},
		ws: { maxBufferedBytes: 512 * 1024, heartbeatMs: 30_000, authTimeoutMs: 10_000, maxReplay: 10_000 },
		http: { corsOrigins: [], maxBodyBytes: "64kb", directReads: true, quoteCacheMs: 1000, quoteCacheEntries: 10_000 },
		agents: defaultAgentsConfig(),
		intelligence: defaultIntelligenceConfig(),
		environment: null,
		tls: defaultTlsConfig(),
		events: { retentionMs: {} },
		cache: { l1MaxEntries: 10_000, l1MaxBytes: 64 * 2 ** 20, compressAboveBytes: 1024, ttlSeconds: { metrics: 60, aggregations: 300, insights: 1800, alerts: 86_400 }, warmSymbols: 5 },
		auth: { jwtSecret: null, jwtPublicKey: null, jwtIssuer: null, jwtAudience: null, anonymousTier: null, tiers: structuredClone(DEFAULT_TIERS) },
	};
}

type Partial2<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : Partial<T[K]>) : T[K] };
export type ConfigOverrides = Partial2<RookeryConfig>;

const list = (s: string) => s.split(",").map(x => x.trim()).filter(Boolean);
/** A number from text; text that is not one stays text, so the error shows what was given. */
const num = (s: string) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : s) as number;
/** A yes/no from text (1/0, true/false); anything else stays text, for the same reason. */
const flag = (s: string) => ({ "1": true, true: true, "0": false, false: false })[s.trim().toLowerCase()] ?? (s as unknown as boolean);

/** The environment variables a node reads, each with the config path it sets. */
export function fromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
	const o: ConfigOverrides = {};
	if (env.NODE_ID) o.nodeId = env.NODE_ID;
	if (env.TRANSPORTER) o.transporter = env.TRANSPORTER;
	if (env.REDIS_URL) o.redisUrl = env.REDIS_URL;
	if (env.SERVICES) o.services = list(env.SERVICES) as ServiceName[];
	if (env.PORT) o.port = num(env.PORT);
	if (env.HEALTH_PORT) o.healthPort = num(env.HEALTH_PORT);
	if (env.HOST) o.host = env.HOST;
	if (env.LOG_LEVEL) o.logLevel = env.LOG_LEVEL as LogLevel;
	if (env.LOG_FORMAT) o.logFormat = env.LOG_FORMAT as LogFormat;
	if (env.SYMBOLS) o.symbols = list(env.SYMBOLS);
	if (env.ROOKERY_PLUGINS) o.plugins = list(env.ROOKERY_PLUGINS);
	const agents = agentsFromEnv(env);
	if (agents) o.agents = agents as ConfigOverrides["agents"];
	const tls = tlsFromEnv(env);
	if (tls) o.tls = tls as ConfigOverrides["tls"];
	const feed: ConfigOverrides["feed"] = {};
	if (env.FEED) feed.type = env.FEED as "synthetic" | "none";
	if (env.FEED_RATE) feed.ticksPerSecond = num(env.FEED_RATE);
	if (env.FEED_SEED) feed.seed = num(env.FEED_SEED);
	if (env.FEED_HISTORY_MINUTES) feed.historyMinutes = num(env.FEED_HISTORY_MINUTES);
	if (Object.keys(feed).length) o.feed = feed;
	const auth: ConfigOverrides["auth"] = {};
	if (env.JWT_SECRET) auth.jwtSecret = env.JWT_SECRET;
	// A PEM in one env line may carry its newlines as `\n`.
	if (env.JWT_PUBLIC_KEY) auth.jwtPublicKey = env.JWT_PUBLIC_KEY.replaceAll("\\n", "\n");
	if (env.JWT_ISSUER) auth.jwtIssuer = env.JWT_ISSUER;
	if (env.JWT_AUDIENCE) auth.jwtAudience = env.JWT_AUDIENCE;
	if (env.AUTH_ANONYMOUS_TIER) auth.anonymousTier = (env.AUTH_ANONYMOUS_TIER === "none" ? null : env.AUTH_ANONYMOUS_TIER) as TierName | null;
	if (Object.keys(auth).length) o.auth = auth;
	const http: ConfigOverrides["http"] = {};
	if (env.CORS_ORIGINS) http.corsOrigins = list(env.CORS_ORIGINS);
	if (env.HTTP_DIRECT_READS) http.directReads = flag(env.HTTP_DIRECT_READS);
	if (env.HTTP_QUOTE_CACHE_MS) http.quoteCacheMs = num(env.HTTP_QUOTE_CACHE_MS);
	if (Object.keys(http).length) o.http = http;
	return o;
}

/** Command-line flags; unknown flags are an error rather than silently ignored. */
export function fromArgs(args: Record<string, string | boolean | undefined>): ConfigOverrides {
	const o: ConfigOverrides = {};
	if (typeof args.symbols === "string") o.symbols = list(args.symbols);
	if (typeof args["log-level"] === "string") o.logLevel = args["log-level"] as LogLevel;
	if (typeof args.port === "string") o.port = num(args.port);
	if (typeof args["node-id"] === "string") o.nodeId = args["node-id"];
	if (typeof args.services === "string") o.services = list(args.services) as ServiceName[];
	if (typeof args.feed === "string") o.feed = { type: args.feed as "synthetic" | "none" };
	return o;
}

export function fromFile(path: string): ConfigOverrides {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (err) {
		throw new ConfigError([`config file ${path}: ${(err as Error).message}`]);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (err) {
		throw new ConfigError([`config file ${path}: not valid JSON (${(err as Error).message})`]);
	}
	if (!isSeedConfigFile(json)) return json as ConfigOverrides;
	// Seed 004's format (lib/config/seed-compat.ts).
	const { overrides, problems } = fromSeedConfigFile(json);
	if (problems.length > 0) throw new ConfigError(problems.map(p => `config file ${path}: ${p}`));
	return overrides as ConfigOverrides;
}

/** Merge layers left to right; objects merge key by key, arrays and scalars replace. */
export function mergeConfig(base: RookeryConfig, ...layers: ConfigOverrides[]): RookeryConfig {
	const out = structuredClone(base) as unknown as Record<string, unknown>;
	for (const layer of layers) {
		for (const [k, v] of Object.entries(layer)) {
			if (v === undefined) continue;
			const cur = out[k];
			if ((k === "agents" || k === "tls" || k === "workers") && v && typeof v === "object" && cur && typeof cur === "object") out[k] = mergeAgentsLayer(cur, v);
			else out[k] = v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" ? { ...cur, ...v } : v;
		}
	}
	return out as unknown as RookeryConfig;
}

export class ConfigError extends Error {
	constructor(public readonly problems: string[]) {
		super(problems.join("\n"));
		this.name = "ConfigError";
	}
}

const url = (protocols: string[]) => ({
	type: "string",
	nullable: true,
	custom: (v: string | null, errors: unknown[]) => {
		if (v === null) return v;
		try {
			const p = new URL(v).protocol.replace(":", "");
			if (!protocols.includes(p)) (errors as object[]).push({ type: "url", actual: v, expected: protocols.join("|") });
		} catch {
			(errors as object[]).push({ type: "url", actual: v, expected: protocols.join("|") });
		}
		return v;
	},
});
const int = (min: number, max: number) => ({ type: "number", integer: true, min, max, convert: false });

/** A list of specs that `parse` must accept; its error message becomes the config problem. */
const specList = (parse: (s: string) => unknown, what: string, whole?: (v: string[]) => unknown) => ({
	type: "array",
	items: "string",
	max: 100,
	custom: (v: string[], errors: unknown[]) => {
		if (!Array.isArray(v)) return v;
		for (const spec of v) {
			try {
				parse(spec);
			} catch (err) {
				(errors as object[]).push({ type: "spec", actual: spec, expected: `${what}: ${(err as Error).message}` });
			}
		}
		if (errors.length === 0 && whole) {
			try {
				whole(v);
			} catch (err) {
				(errors as object[]).push({ type: "spec", actual: v.join(","), expected: `${what} list: ${(err as Error).message}` });
			}
		}
		return v;
	},
});
const analysisProps = {
	timeframes: { type: "array", min: 1, unique: true, items: { type: "enum", values: [...TIMEFRAMES] } },
	indicators: specList(createIndicator, "indicator", v => new IndicatorSet(v)),
	strategies: specList(createStrategy, "strategy"),
};

const checkConfig = new Validator({
	useNewCustomCheckerFunction: true,
	messages: {
		url: "The '{field}' field must be a URL with scheme {expected} (got '{actual}').",
		spec: "The '{field}' field has a bad {expected}",
		enumValue: "The '{field}' field must be one of: {expected} (got '{actual}').",
		stringPattern: "The '{field}' field has a bad value '{actual}' (must match {expected}).",
		number: "The '{field}' field must be a number (got '{actual}').",
	},
}).compile({
	$$strict: true,
	nodeId: { type: "string", pattern: /^[A-Za-z0-9._-]{1,64}$/ },
	transporter: url(["nats"]),
	redisUrl: url(["redis", "rediss"]),
	services: { type: "array", min: 1, unique: true, items: { type: "enum", values: [...SERVICE_NAMES] } },
	port: int(0, 65535),
	healthPort: { ...int(0, 65535), nullable: true },
	host: { type: "string", min: 1 },
	logLevel: { type: "enum", values: [...LOG_LEVELS] },
	logFormat: { type: "enum", values: [...LOG_FORMATS] },
	symbols: { type: "array", items: { type: "string", pattern: SYMBOL_PATTERN }, max: 10_000 },
	feed: {
		type: "object",
		strict: true,
		props: { type: { type: "enum", values: ["synthetic", "none"] }, ticksPerSecond: { type: "number", positive: true, max: 100_000, convert: false }, seed: int(0, 2 ** 32 - 1), historyMinutes: int(0, 7 * 1440), historyStepMs: int(100, 3_600_000) },
	},
	store: { type: "object", strict: true, props: { maxLen: int(100, 1e9), latestTtlMs: int(1000, 365 * 86_400_000), snapshotEvery: int(1, 1e9) } },
	ingest: { type: "object", strict: true, props: { maxFutureMs: int(0, 86_400_000), maxBodyBytes: { type: "string", pattern: /^\d+(b|kb|mb)$/ } } },
	symbolActor: { type: "object", strict: true, props: { mailboxLimit: int(1, 1e8), dedupWindow: int(0, 1e7), passivateAfterMs: int(1000, 7 * 86_400_000), leaseMs: int(300, 600_000), leaseWaitMs: int(0, 600_000), maxActivations: int(1, 10_000), activationQueue: int(0, 1e7) } },
	analysis: {
		type: "object",
		strict: true,
		props: { ...analysisProps, lateToleranceMs: int(0, 3_600_000), maxBars: int(10, 100_000), publishEveryMs: int(0, 3_600_000), signalHistory: int(1, 100_000) },
	},
	vendors: { type: "record", key: { type: "string", pattern: /^[a-z0-9_-]{1,32}$/ }, value: { type: "object", props: { type: { type: "string", custom: (v: string, errors: object[]) => (vendorTypes().includes(v) ? v : void errors.push({ type: "enumValue", actual: v, expected: vendorTypes().join(", ") })) } } } },
	plugins: { type: "array", max: 100, items: { type: "string", min: 1 } },
	workers: {
		type: "object",
		strict: true,
		props: {
			autoStart: { type: "boolean", nullable: true },
			chains: { type: "object", strict: true, props: Object.fromEntries(DATA_TYPES.map(dt => [dt, { type: "array", min: 1, items: "string" }])) },
			intervals: { type: "object", strict: true, props: Object.fromEntries(DATA_TYPES.map(dt => [dt, int(1, 86_400)])) },
			retryAttempts: int(1, 10),
			retryMultiplier: { type: "number", min: 1, max: 10, convert: false },
			retryInitialMs: int(0, 600_000),
			retryMaxMs: int(0, 3_600_000),
			jitter: { type: "enum", values: ["full", "none"] },
			timeoutMs: int(1, 600_000),
			concurrency: int(1, 256),
			breaker: { type: "object", strict: true, props: { failureThreshold: int(1, 1000), openMs: int(0, 3_600_000), halfOpenMaxCalls: int(1, 100) } },
			latestTtlMs: int(1000, 365 * 86_400_000),
			streamMaxLen: int(10, 1e7),
			bufferLimit: int(1, 1e7),
			bufferRetryMs: int(10, 600_000),
			volatilityWindow: int(3, 10_000),
			garchRefitEvery: int(1, 10_000),
			telemetryLimit: int(1, 100_000),
		},
	},
	instruments: {
		type: "record",
		key: { type: "string", pattern: SYMBOL_PATTERN },
		value: { type: "object", strict: true, props: { timeframes: { ...analysisProps.timeframes, optional: true }, indicators: { ...analysisProps.indicators, optional: true }, strategies: { ...analysisProps.strategies, optional: true } } },
	},
	ws: { type: "object", strict: true, props: { maxBufferedBytes: int(1024, 1 << 30), heartbeatMs: int(100, 3_600_000), authTimeoutMs: int(100, 3_600_000), maxReplay: int(0, 1e7) } },
	http: { type: "object", strict: true, props: { corsOrigins: { type: "array", items: { type: "string", min: 1 }, max: 1000 }, maxBodyBytes: { type: "string", pattern: /^\d+(b|kb|mb)$/ }, directReads: "boolean", quoteCacheMs: int(0, 60_000), quoteCacheEntries: int(1, 1_000_000) } },
	agents: agentsConfigSchema,
	intelligence: intelligenceConfigSchema,
	environment: { type: "enum", values: [...ENVIRONMENTS], nullable: true },
	tls: tlsConfigSchema,
	events: { type: "object", strict: true, props: { retentionMs: { type: "object", strict: true, props: Object.fromEntries(EVENT_TYPES.map(t => [t, { ...int(1000, 10 * 365 * 86_400_000), optional: true }])) } } },
	cache: {
		type: "object",
		strict: true,
		props: {
			l1MaxEntries: int(1, 10_000_000),
			l1MaxBytes: int(1024, 2 ** 40),
			compressAboveBytes: int(0, 2 ** 30),
			ttlSeconds: { type: "object", strict: true, props: { metrics: int(1, 31_536_000), aggregations: int(1, 31_536_000), insights: int(1, 31_536_000), alerts: int(1, 31_536_000) } },
			warmSymbols: int(0, 1000),
		},
	},
	auth: {
		type: "object",
		strict: true,
		props: {
			jwtSecret: { type: "string", min: 32, nullable: true, messages: { stringMin: "auth.jwtSecret must be at least 32 characters (HS256 needs a 256-bit key)" } },
			jwtPublicKey: { type: "string", nullable: true, pattern: /-----BEGIN PUBLIC KEY-----/ },
			jwtIssuer: { type: "string", min: 1, nullable: true },
			jwtAudience: { type: "string", min: 1, nullable: true },
			anonymousTier: { type: "enum", values: [...TIER_NAMES], nullable: true },
			tiers: {
				type: "object",
				strict: true,
				props: Object.fromEntries(
					TIER_NAMES.map(t => [
						t,
						{
							type: "object",
							strict: true,
							props: {
								ratePerSecond: { type: "number", min: 0, max: 1e7, convert: false },
								burst: int(1, 1e8),
								maxTopics: int(1, 1e6),
								wildcards: { type: "boolean" },
								slowClientPolicy: { type: "enum", values: [...SLOW_CLIENT_POLICIES] },
								queueBytes: int(1024, 1 << 30),
								queueMessages: int(1, 1e8),
								maxNewSymbols: int(0, 1e6),
							},
						},
					]),
				),
			},
		},
	},
}) as (v: unknown) => true | Array<{ message: string }>;

export function validateConfig(cfg: RookeryConfig): RookeryConfig {
	const r = checkConfig(cfg);
	if (r !== true) throw new ConfigError(r.map(e => e.message));
	// A tick from the future moves its symbol's newest-tick time ahead; were that allowed past the
	// late tolerance, every real-time tick after it would be refused as late until the clock caught up.
	const unknownVendors = Object.entries(cfg.workers.chains).flatMap(([dt, chain]) => chain.filter(v => !cfg.vendors[v]).map(v => `workers.chains.${dt}: unknown vendor '${v}'`));
	if (unknownVendors.length > 0) throw new ConfigError(unknownVendors);
	if (cfg.healthPort !== null && !cfg.services.includes("monitor")) throw new ConfigError([`healthPort (${cfg.healthPort}) needs the monitor service on this node (add monitor to services)`]);
	if (cfg.healthPort !== null && cfg.healthPort !== 0 && cfg.healthPort === cfg.port && cfg.services.includes("gateway")) throw new ConfigError([`healthPort and port are both ${cfg.port}: the probe listener needs a port of its own`]);
	const tlsProblems = tlsConfigProblems(cfg.tls, cfg);
	if (tlsProblems.length > 0) throw new ConfigError(tlsProblems);
	if (cfg.ingest.maxFutureMs > cfg.analysis.lateToleranceMs) {
		throw new ConfigError([`ingest.maxFutureMs (${cfg.ingest.maxFutureMs}) must not exceed analysis.lateToleranceMs (${cfg.analysis.lateToleranceMs})`]);
	}
	return cfg;
}

/** Resolve the configuration from all layers; throws ConfigError listing every problem. */
export function resolveConfig(opts: { env: NodeJS.ProcessEnv; args: Record<string, string | boolean | undefined>; notices?: string[] }): RookeryConfig {
	return validateConfig(mergedConfig(opts));
}

/** All layers merged, not yet validated (plug-ins named in it load before validation: lib/plugins). */
export function mergedConfig(opts: { env: NodeJS.ProcessEnv; args: Record<string, string | boolean | undefined>; notices?: string[] }): RookeryConfig {
	const file = typeof opts.args.config === "string" ? opts.args.config : opts.env.ROOKERY_CONFIG;
	const layers = [file ? fromFile(file) : {}, fromEnv(opts.env), fromArgs(opts.args)];
	// The predecessors' variables sit between the file and ours (lib/config/seed-compat.ts).
	const seeded = mergeConfig(defaultConfig(), layers[0]);
	const seedProblems = applySeedEnv(seeded, opts.env, opts.notices);
	if (seedProblems.length > 0) throw new ConfigError(seedProblems);
	const cfg = mergeConfig(seeded, ...layers.slice(1));
	// Every node runs its own feed, so in a cluster the synthetic feed is opt-in per node:
	// otherwise N nodes would each post every synthetic tick.
	if (cfg.transporter && !layers.some(l => l.feed?.type)) cfg.feed.type = "none";
	return cfg;
}

/** The config with its secrets masked (lib/config/redact.ts), for printing and logs. */
export function maskSecrets(cfg: RookeryConfig): RookeryConfig {
	const vendors = Object.fromEntries(
		Object.entries(cfg.vendors).map(([name, v]) => {
			if (v.type === "http-poll") return [name, { ...v, baseUrl: redactUrl(v.baseUrl) }];
			if (v.type === "rss") return [name, { ...v, urlTemplate: redactUrl(v.urlTemplate) }];
			if (v.type === "alpaca-stream") return [name, { ...v, url: redactUrl(v.url), key: MASK, secret: MASK }];
			return [name, v];
		}),
	);
	const agents = Object.fromEntries(Object.entries(cfg.agents).map(([name, a]) => [name, shownSettings(a)])) as RookeryConfig["agents"];
	return { ...cfg, transporter: redactUrl(cfg.transporter), redisUrl: redactUrl(cfg.redisUrl), vendors, agents, auth: { ...cfg.auth, jwtSecret: cfg.auth.jwtSecret ? MASK : null } };
}
