/**
 * The configuration's validation: every field's type and range, and the checks across fields.
 * A failed check is a ConfigError listing every problem.
 */
import { EVENT_TYPES } from "../events/event-types.ts";
import { Validator } from "../validation/validator.ts";
import { SYMBOL_PATTERN } from "../protocol/tick.ts";
import { createIndicator } from "../indicators/registry.ts";
import { IndicatorSet } from "../indicators/indicator-set.ts";
import { createStrategy } from "../strategies/index.ts";
import { vendorTypes } from "../vendors/index.ts";
import { DATA_TYPES } from "../vendors/vendor.ts";
import { TIER_NAMES } from "../auth/tiers.ts";
import { tlsConfigProblems, tlsConfigSchema } from "./tls.ts";
import { agentsConfigSchema, intelligenceConfigSchema } from "../agents/agent-config.ts";
import { alertsConfigSchema } from "../alerts/alert-config.ts";
import { alertDeliveryConfigSchema } from "../alerts/delivery/config.ts";
import { ConfigError, LOG_FORMATS, LOG_LEVELS, SERVICE_NAMES, type RookeryConfig } from "./types.ts";
import { TIMEFRAMES } from "../bars/timeframes.ts";
import { ENVIRONMENTS } from "./seed-compat.ts";
import { SLOW_CLIENT_POLICIES } from "../streaming/send-queue.ts";

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
	latencyStages: "boolean",
	symbols: { type: "array", items: { type: "string", pattern: SYMBOL_PATTERN }, max: 10_000 },
	feed: {
		type: "object",
		strict: true,
		props: {
			type: { type: "enum", values: ["synthetic", "none"] },
			ticksPerSecond: { type: "number", positive: true, max: 100_000, convert: false },
			seed: int(0, 2 ** 32 - 1),
			historyMinutes: int(0, 7 * 1440),
			historyStepMs: int(100, 3_600_000),
		},
	},
	store: { type: "object", strict: true, props: { maxLen: int(100, 1e9), latestTtlMs: int(1000, 365 * 86_400_000), snapshotEvery: int(1, 1e9), snapshotMinIntervalMs: int(0, 3_600_000) } },
	ingest: { type: "object", strict: true, props: { maxFutureMs: int(0, 86_400_000), maxBodyBytes: { type: "string", pattern: /^\d+(b|kb|mb)$/ } } },
	symbolActor: {
		type: "object",
		strict: true,
		props: { mailboxLimit: int(1, 1e8), dedupWindow: int(0, 1e7), passivateAfterMs: int(1000, 7 * 86_400_000), leaseMs: int(300, 600_000), leaseWaitMs: int(0, 600_000), maxActivations: int(1, 10_000), activationQueue: int(0, 1e7) },
	},
	analysis: {
		type: "object",
		strict: true,
		props: { ...analysisProps, lateToleranceMs: int(0, 3_600_000), maxBars: int(10, 100_000), publishEveryMs: int(0, 3_600_000), signalHistory: int(1, 100_000) },
	},
	vendors: {
		type: "record",
		key: { type: "string", pattern: /^[a-z0-9_-]{1,32}$/ },
		value: { type: "object", props: { type: { type: "string", custom: (v: string, errors: object[]) => (vendorTypes().includes(v) ? v : void errors.push({ type: "enumValue", actual: v, expected: vendorTypes().join(", ") })) } } },
	},
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
			garchRefitMinMs: int(0, 86_400_000),
			telemetryLimit: int(1, 100_000),
		},
	},
	instruments: {
		type: "record",
		key: { type: "string", pattern: SYMBOL_PATTERN },
		value: { type: "object", strict: true, props: { timeframes: { ...analysisProps.timeframes, optional: true }, indicators: { ...analysisProps.indicators, optional: true }, strategies: { ...analysisProps.strategies, optional: true } } },
	},
	ws: { type: "object", strict: true, props: { maxBufferedBytes: int(1024, 1 << 30), heartbeatMs: int(100, 3_600_000), authTimeoutMs: int(100, 3_600_000), maxReplay: int(0, 1e7) } },
	http: {
		type: "object",
		strict: true,
		props: {
			corsOrigins: { type: "array", items: { type: "string", min: 1 }, max: 1000 },
			maxBodyBytes: { type: "string", pattern: /^\d+(b|kb|mb)$/ },
			directReads: "boolean",
			quoteCacheMs: int(0, 60_000),
			quoteCacheEntries: int(1, 1_000_000),
		},
	},
	agents: agentsConfigSchema,
	intelligence: intelligenceConfigSchema,
	environment: { type: "enum", values: [...ENVIRONMENTS], nullable: true },
	tls: tlsConfigSchema,
	alerts: alertsConfigSchema,
	events: {
		type: "object",
		strict: true,
		props: { retentionMs: { type: "object", strict: true, props: Object.fromEntries(EVENT_TYPES.map(t => [t, { ...int(1000, 10 * 365 * 86_400_000), optional: true }])) }, memoryMaxRows: int(1000, 1e9) },
	},
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
	alertDelivery: alertDeliveryConfigSchema,
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
								maxAlertRules: int(0, 1e7),
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
