/**
 * The defaults layer of the configuration: every setting's value when nothing else sets it.
 */
import os from "node:os";
import { DEFAULT_TIERS } from "../auth/tiers.ts";
import { defaultTlsConfig } from "./tls.ts";
import { defaultAgentsConfig, defaultIntelligenceConfig } from "../agents/agent-config.ts";
import { SERVICE_NAMES, type RookeryConfig } from "./types.ts";
import { defaultAlertsConfig } from "../alerts/alert-config.ts";
import { TIMEFRAMES } from "../bars/timeframes.ts";
import { DEFAULT_ALERT_DELIVERY } from "../alerts/delivery/config.ts";

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
		latencyStages: false,
		symbols: ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA"],
		feed: { type: "synthetic", ticksPerSecond: 2, seed: 42, historyMinutes: 480, historyStepMs: 20_000 },
		store: { maxLen: 100_000, latestTtlMs: 3_600_000, snapshotEvery: 1000, snapshotMinIntervalMs: 1000 },
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
			garchRefitEvery: 60,
			garchRefitMinMs: 1000,
			telemetryLimit: 1000,
		},
		ws: { maxBufferedBytes: 512 * 1024, heartbeatMs: 30_000, authTimeoutMs: 10_000, maxReplay: 10_000 },
		http: { corsOrigins: [], maxBodyBytes: "64kb", directReads: true, quoteCacheMs: 1000, quoteCacheEntries: 10_000 },
		agents: defaultAgentsConfig(),
		intelligence: defaultIntelligenceConfig(),
		environment: null,
		tls: defaultTlsConfig(),
		events: { retentionMs: {}, memoryMaxRows: 2_000_000 },
		alerts: defaultAlertsConfig(),
		cache: { l1MaxEntries: 10_000, l1MaxBytes: 64 * 2 ** 20, compressAboveBytes: 1024, ttlSeconds: { metrics: 60, aggregations: 300, insights: 1800, alerts: 86_400 }, warmSymbols: 5 },
		alertDelivery: structuredClone(DEFAULT_ALERT_DELIVERY),
		auth: { jwtSecret: null, jwtPublicKey: null, jwtIssuer: null, jwtAudience: null, anonymousTier: null, tiers: structuredClone(DEFAULT_TIERS) },
	};
}
