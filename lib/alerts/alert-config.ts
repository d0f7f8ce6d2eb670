/**
 * The `alerts` section of the config (docs/alerts.md): history retention, whether webhooks may
 * point at private addresses, and the built-in system rules (seed 000's automatic alerts) with
 * their thresholds. Rule counts per owner are a tier setting (`auth.tiers.*.maxAlertRules`).
 */
import type { AlertRule, Op } from "./rule.ts";
import type { Severity } from "./types.ts";

/** One built-in rule on a figure of the node (see SYSTEM_FIGURES); `enabled: false` switches it off. */
export interface SystemRuleSettings {
	enabled: boolean;
	op: "gt" | "lt";
	value: number;
	severity: Severity;
}

export const SYSTEM_FIGURES = {
	cpu_percent: "process CPU use, % of one core, over the sample interval",
	memory_percent: "resident memory, % of the machine's",
	avg_response_time_ms: "mean action time over the sample interval (slow responses)",
	cache_hit_ratio: "answer cache hits / lookups since start (low hit ratio)",
	agent_health_min: "lowest health score of the analysis agents, 0..1 (agent failures, degraded health)",
	worker_errors: "symbols the data workers could not fetch from any vendor, in the interval",
	ws_dropped: "WebSocket frames dropped for slow clients, in the interval",
	ws_upgrade_refused: "WebSocket connections refused, in the interval",
} as const;
export type SystemFigure = keyof typeof SYSTEM_FIGURES;

export interface AlertsSettings {
	/** Alert history and the write-once alert ids are kept this long (a replay older than this could fire again). */
	historyRetentionMs: number;
	/** Firings queued for storing and publishing at most; past it they are dropped (policy `drop-newest`) and counted. */
	queueLimit: number;
	/** How often a node checks that its rules are the stored ones (a broadcast missed while joining). */
	resyncMs: number;
	system: {
		enabled: boolean;
		/** How often the node's figures are sampled and checked. */
		intervalMs: number;
		cooldownMs: number;
		rules: Record<SystemFigure, SystemRuleSettings>;
	};
}

export function defaultAlertsConfig(): AlertsSettings {
	const rule = (op: "gt" | "lt", value: number, severity: Severity): SystemRuleSettings => ({ enabled: true, op, value, severity });
	return {
		historyRetentionMs: 7 * 86_400_000,
		queueLimit: 10_000,
		resyncMs: 5000,
		system: {
			enabled: true,
			intervalMs: 10_000,
			cooldownMs: 300_000,
			rules: {
				cpu_percent: rule("gt", 90, "high"),
				memory_percent: rule("gt", 90, "high"),
				avg_response_time_ms: rule("gt", 1000, "medium"),
				cache_hit_ratio: rule("lt", 0.5, "low"),
				agent_health_min: rule("lt", 0.5, "high"),
				worker_errors: rule("gt", 0, "medium"),
				ws_dropped: rule("gt", 100, "medium"),
				ws_upgrade_refused: rule("gt", 20, "medium"),
			},
		},
	};
}

const int = (min: number, max: number) => ({ type: "number", integer: true, min, max, convert: false });
const systemRule = {
	type: "object",
	strict: true,
	props: { enabled: "boolean", op: { type: "enum", values: ["gt", "lt"] }, value: { type: "number", convert: false }, severity: { type: "enum", values: ["low", "medium", "high", "critical"] } },
};

export const alertsConfigSchema = {
	type: "object",
	strict: true,
	props: {
		historyRetentionMs: int(60_000, 366 * 86_400_000),
		queueLimit: int(1, 10_000_000),
		resyncMs: int(100, 3_600_000),
		system: {
			type: "object",
			strict: true,
			props: {
				enabled: "boolean",
				intervalMs: int(100, 3_600_000),
				cooldownMs: int(0, 86_400_000),
				rules: { type: "object", strict: true, props: Object.fromEntries(Object.keys(SYSTEM_FIGURES).map(f => [f, systemRule])) },
			},
		},
	},
};

/** The built-in rules the config enables, owned by `system`, published on `alerts:system-…` and NATS. */
export function systemRules(s: AlertsSettings["system"], now: number): AlertRule[] {
	if (!s.enabled) return [];
	return (Object.entries(s.rules) as Array<[SystemFigure, SystemRuleSettings]>)
		.filter(([, r]) => r.enabled)
		.map(([figure, r]) => ({
			id: `system-${figure.replaceAll("_", "-")}`,
			name: `${SYSTEM_FIGURES[figure]} ${r.op === "gt" ? "above" : "below"} ${r.value}`,
			owner: "system",
			condition: { source: "system", metric: figure, op: r.op as Op, value: r.value },
			severity: r.severity,
			cooldown_ms: s.cooldownMs,
			channels: [{ type: "ws" }, { type: "nats" }],
			created_at: now,
		}));
}
