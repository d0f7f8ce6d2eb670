/**
 * Settings of alert delivery (docs/alerts.md, "Delivery"): retries with exponential backoff and
 * jitter for `retryForMs` or `maxAttempts`, then a dead letter; which URLs a webhook may name; SMTP.
 * `RookeryConfig.alertDelivery` holds one of these; the schema below is part of the config check.
 */
import type { Severity } from "../types.ts";

export interface AlertDeliveryConfig {
	/** Deliveries one node sends at once (the channel's maxInFlight). */
	maxInFlight: number;
	/** One webhook POST or SMTP send; past it the attempt counts as failed and is retried. */
	timeoutMs: number;
	/** First retry after about this long; each next one `retryMultiplier` times later, at most `retryMaxMs`. */
	retryInitialMs: number;
	retryMultiplier: number;
	retryMaxMs: number;
	/** Give up (dead letter) this long after the first attempt… */
	retryForMs: number;
	/** …or after this many attempts, whichever comes first. */
	maxAttempts: number;
	/** How often each node looks for retries that are due. */
	pollMs: number;
	/** A claimed retry or an attempt in flight is this node's for this long; after a crash another node takes it then. */
	claimMs: number;
	/** How long a delivered id is remembered (never sent again meanwhile). */
	processedTtlMs: number;
	/** Retries waiting at once; past it a failing delivery is dead-lettered at once (policy `dead-letter`). */
	maxScheduled: number;
	/** Dead letters kept; past it the oldest is dropped (policy `drop-oldest`). */
	maxDeadLetters: number;
	/** Webhooks to private networks (10/8, 192.168/16, fc00::/7, …). */
	allowPrivate: boolean;
	/** Webhooks to loopback (127/8, ::1, localhost); null = only in development and test environments. */
	allowLoopback: boolean | null;
	/** Severities that go out by email; an email channel of another severity is recorded delivered with 0 attempts and the reason, no email sent. */
	emailSeverities: Severity[];
	/** `smtp://user:pass@host:port` or `smtps://…`; null = email channels fail (dead-lettered). */
	smtpUrl: string | null;
	emailFrom: string;
	/** Redis Streams: a message a crashed consumer held is claimed by another after this long idle. */
	claimIdleMs: number;
	/** Redis Streams: a message whose handler threw this many times goes to the channel's dead-letter stream. */
	maxHandlerFailures: number;
}

export const DEFAULT_ALERT_DELIVERY: AlertDeliveryConfig = {
	maxInFlight: 16,
	timeoutMs: 5000,
	retryInitialMs: 1000,
	retryMultiplier: 2,
	retryMaxMs: 300_000,
	retryForMs: 3_600_000,
	maxAttempts: 20,
	pollMs: 250,
	claimMs: 30_000,
	processedTtlMs: 7 * 86_400_000,
	maxScheduled: 100_000,
	maxDeadLetters: 10_000,
	allowPrivate: false,
	allowLoopback: null,
	emailSeverities: ["high", "critical"],
	smtpUrl: null,
	emailFrom: "Rookery <alerts@rookery.local>",
	claimIdleMs: 60_000,
	maxHandlerFailures: 10,
};

const int = (min: number, max: number) => ({ type: "number", integer: true, min, max, convert: false });

/** fastest-validator schema of `alertDelivery` (lib/config/config.ts). */
export const alertDeliveryConfigSchema = {
	type: "object",
	strict: true,
	props: {
		maxInFlight: int(1, 10_000),
		timeoutMs: int(100, 600_000),
		retryInitialMs: int(1, 3_600_000),
		retryMultiplier: { type: "number", min: 1, max: 10, convert: false },
		retryMaxMs: int(1, 86_400_000),
		retryForMs: int(0, 30 * 86_400_000),
		maxAttempts: int(1, 1000),
		pollMs: int(10, 60_000),
		claimMs: int(100, 3_600_000),
		processedTtlMs: int(60_000, 365 * 86_400_000),
		maxScheduled: int(1, 1e8),
		maxDeadLetters: int(1, 1e7),
		allowPrivate: "boolean",
		allowLoopback: { type: "boolean", nullable: true },
		emailSeverities: { type: "array", unique: true, items: { type: "enum", values: ["low", "medium", "high", "critical"] } },
		smtpUrl: { type: "string", nullable: true, pattern: /^smtps?:\/\// },
		emailFrom: { type: "string", min: 3 },
		claimIdleMs: int(100, 86_400_000),
		maxHandlerFailures: int(1, 1000),
	},
};

/** Whether loopback webhooks are allowed, with `null` resolved from the deployment environment. */
export function loopbackAllowed(cfg: Pick<AlertDeliveryConfig, "allowLoopback">, environment: string | null): boolean {
	return cfg.allowLoopback ?? (environment === "development" || environment === "test");
}

/** The URL policy webhooks are checked against (lib/alerts/delivery/url-check.ts), at rule creation and before each send. */
export function webhookUrlPolicy(cfg: Pick<AlertDeliveryConfig, "allowLoopback" | "allowPrivate">, environment: string | null): { allowPrivate: boolean; allowLoopback: boolean } {
	return { allowPrivate: cfg.allowPrivate, allowLoopback: loopbackAllowed(cfg, environment) };
}
