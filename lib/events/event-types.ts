/**
 * Platform event types (seed 003's EventType, plus `pattern_matched`), the shape of each type's
 * `data` (fastest-validator rules; extra fields are kept) and how long each type is retained.
 */
import { METRIC_NAME_PATTERN } from "../analytics/metric-name.ts";

export const EVENT_TYPES = ["benchmark_completed", "anomaly_detected", "competitive_update", "alert_triggered", "insight_generated", "performance_metric", "pattern_matched"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const isEventType = (s: unknown): s is EventType => (EVENT_TYPES as readonly unknown[]).includes(s);

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** An event as stored, returned by GET and published on the bus (`v` = wire schema version). */
export interface PlatformEvent {
	v: 1;
	id: string;
	seq: number;
	type: EventType;
	ts: number;
	entity: string | null;
	severity: Severity;
	data: Record<string, unknown>;
}

/** What POST answers per event (the first answer again for a repeated id). */
export interface EventAnswer {
	id: string;
	seq: number;
	type: EventType;
	ts: number;
}

const text = (max = 256, optional = false) => ({ type: "string", min: 1, max, optional });
const num = (optional = false) => ({ type: "number", optional });
const metricName = { type: "string", pattern: METRIC_NAME_PATTERN, max: 128 };
const numberRecord = (optional = false) => ({ type: "record", key: metricName, value: { type: "number" }, optional });

/** `data` rules per type. Not strict: fields beyond these are stored as sent. */
export const DATA_SCHEMAS: Record<EventType, Record<string, unknown>> = {
	// Seed: `metrics` feed the windows, one series per name.
	benchmark_completed: { benchmark: text(128), metrics: numberRecord(), success: { type: "boolean", optional: true }, duration_ms: { type: "number", min: 0, optional: true } },
	anomaly_detected: { metric: text(128), value: num(), expected: num(true), score: num(true), description: text(2000, true) },
	competitive_update: { competitor: text(128), change: text(2000), details: { type: "object", optional: true } },
	// Seed AlertEngine.create_alert: rule_id, rule_name, message, metrics.
	alert_triggered: { rule_id: text(128), rule_name: text(256, true), message: text(2000), metrics: numberRecord(true) },
	insight_generated: { title: text(256), summary: text(4000, true), confidence: { type: "number", min: 0, max: 1, optional: true } },
	// Seed: `metric_name` + `value` feed the window of that name.
	performance_metric: { metric_name: metricName, value: num(), unit: text(32, true) },
	pattern_matched: { pattern_id: text(128), entity: text(128, true), inputs: { type: "object" } },
};

const SECOND = 1000;
/**
 * Retention per type: seed 003's TTL table (RealTimeCache.cache_ttl: metrics 60 s, aggregations
 * 5 min, insights 30 min, alerts 24 h), each type in its class. Counted from the event's `ts`.
 * Overridable per type in config (`events.retentionMs`) for a longer audit trail.
 */
export const DEFAULT_RETENTION_MS: Record<EventType, number> = {
	performance_metric: 60 * SECOND,
	benchmark_completed: 300 * SECOND,
	insight_generated: 1800 * SECOND,
	competitive_update: 1800 * SECOND,
	alert_triggered: 86_400 * SECOND,
	anomaly_detected: 86_400 * SECOND,
	pattern_matched: 86_400 * SECOND,
};
