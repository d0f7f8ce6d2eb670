/**
 * The configuration's shape (lib/config/config.ts): one typed object per node, and the partial
 * objects the layers (defaults < file < environment < flags) are made of.
 */
import type { EventType } from "../events/event-types.ts";
import type { AnalysisConfig } from "../symbols/symbol-analysis.ts";
import type { VendorSpec } from "../vendors/index.ts";
import type { DataType } from "../vendors/vendor.ts";
import type { TierName, TierSettings } from "../auth/tiers.ts";
import type { Environment } from "./seed-compat.ts";
import type { TlsSettings } from "./tls.ts";
import type { AgentsConfig, IntelligenceSettings } from "../agents/agent-config.ts";
import type { AlertsSettings } from "../alerts/alert-config.ts";
import type { AlertDeliveryConfig } from "../alerts/delivery/config.ts";

export const SERVICE_NAMES = [
	"gateway",
	"ingest",
	"symbols",
	"monitor",
	"agents.sentiment",
	"agents.forecast",
	"agents.explain",
	"agents.strategy",
	"intelligence",
	"config",
	"events",
	"analytics",
	"alerts",
	"alert-delivery",
	"patterns",
] as const;
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
	/**
	 * Per-hop latency of ticks (lib/metrics/stages.ts): stamps carried with each batch, stage
	 * histograms, GC and event-loop delay per node (`GET /metrics/stages`). Off: no stamp is taken.
	 */
	latencyStages: boolean;
	symbols: string[];
	/** `historyMinutes`: past ticks (one per `historyStepMs`) the synthetic feed writes before going live, for symbols with an empty log (warm start). */
	feed: { type: "synthetic" | "none"; ticksPerSecond: number; seed: number; historyMinutes: number; historyStepMs: number };
	/** `snapshotEvery` updates and `snapshotMinIntervalMs` between a symbol's snapshots (docs/operations.md). */
	store: { maxLen: number; latestTtlMs: number; snapshotEvery: number; snapshotMinIntervalMs: number };
	ingest: { maxFutureMs: number; maxBodyBytes: string };
	symbolActor: {
		mailboxLimit: number;
		dedupWindow: number;
		passivateAfterMs: number;
		leaseMs: number;
		leaseWaitMs: number;
		/** Actor activations running at once on a node (lib/keyed/activation-gate.ts). */
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
	 * reads skip moleculer-web's request pipeline (mixins/gateway/gateway-direct.mixin.ts; same answers), and the
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
	/**
	 * Platform events (docs/events.md): retention per type in ms, over the seed's TTL table, and the
	 * rows an embedded (in-memory) trail holds at most, all types together (drop-oldest past it).
	 */
	events: { retentionMs: Partial<Record<EventType, number>>; memoryMaxRows: number };
	/** Alert rules, history and the built-in system rules (docs/alerts.md). */
	alerts: AlertsSettings;
	/**
	 * The two-level answer cache (middlewares/two-level-cacher.ts, docs/operations.md "Cache"): L1 bounds
	 * per node, gzip above `compressAboveBytes` in Redis, TTL per data type (seed 003's table), and how
	 * many of the most requested symbols are warmed at start.
	 */
	cache: CacheSettings;
	/** Webhook and email delivery of alerts: retries, dead letters, allowed URLs, SMTP (docs/alerts.md). */
	alertDelivery: AlertDeliveryConfig;
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
	/** Vendor time (ms) a refit also waits for after `garchRefitEvery` prices (docs/ingestion.md). */
	garchRefitMinMs: number;
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

type Partial2<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : Partial<T[K]>) : T[K] };
export type ConfigOverrides = Partial2<RookeryConfig>;

export class ConfigError extends Error {
	constructor(public readonly problems: string[]) {
		super(problems.join("\n"));
		this.name = "ConfigError";
	}
}
