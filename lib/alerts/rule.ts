/**
 * Alert rules (docs/alerts.md): what a rule is, and the whole check of a `POST /api/v1/alerts/rules`
 * body, every problem named by its field path (`condition.op`, `channels[1].url`), so a refused
 * rule is answered with 422 and nothing is stored.
 */
import type { FieldError } from "../protocol/errors.ts";
import { SYMBOL_PATTERN } from "../protocol/tick.ts";
import { TIMEFRAMES, isTimeframe, type Timeframe } from "../bars/timeframes.ts";
import { WINDOWS } from "../analytics/window-spec.ts";
import { isMetricName } from "../analytics/metric-name.ts";
import { EVENT_TYPES } from "../events/event-types.ts";
import type { AlertChannel, Severity } from "./types.ts";
import { checkWebhookUrl, type WebhookUrlPolicy } from "./delivery/url-check.ts";

export const SOURCES = ["price", "indicator", "signal", "window", "event", "pattern"] as const;
export type Source = (typeof SOURCES)[number] | "system";
export const OPS = ["gt", "lt", "eq", "gte", "lte", "crosses_above", "crosses_below"] as const;
export type Op = (typeof OPS)[number];
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const PRICE_FIELDS = ["price", "bid", "ask", "size"] as const;
export const WINDOW_FIELDS = ["count", "sum", "avg", "min", "max", "p50", "p95", "p99"] as const;
/** A rule id is one NATS token (`rookery.alerts.{id}`); `me` names the caller's topic `alerts:me`; `system-…` are the built-in rules. */
export const RULE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_COOLDOWN_MS = 60_000;
const MAX_COOLDOWN_MS = 7 * 86_400_000;
const MAX_CHANNELS = 8;

export interface AlertCondition {
	source: Source;
	/** price/indicator/signal: the symbol (signal: `*` for every symbol); event/pattern: an entity filter. */
	symbol?: string;
	/** indicator: the timeframe (default 1m); window: the window (default 5m). */
	tf?: string;
	/** price: price|bid|ask|size; indicator: the value name (rsi_14); window: the statistic; signal: a strategy; event: the type; pattern: the pattern id. */
	field?: string;
	/** window and system: the metric name. */
	metric?: string;
	op?: Op;
	value?: number;
}

export interface AlertRule {
	id: string;
	name: string;
	/** lib/auth/owner.ts: `jwt:<sub>`, the API key's id, `anonymous` or `system`. */
	owner: string;
	condition: AlertCondition;
	severity: Severity;
	cooldown_ms: number;
	channels: AlertChannel[];
	/** Epoch ms; updates older than this do not fire the rule (a replay of older history). */
	created_at: number;
}

/** Sources whose updates are states compared with `value` (the others fire on every matching update). */
export const needsComparison = (s: Source) => s === "price" || s === "indicator" || s === "window" || s === "system";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number) => typeof v === "string" && v.length >= 1 && v.length <= max;

export interface RuleCheckOptions {
	owner: string;
	now: number;
	/** Which webhook hosts are allowed: the delivery's policy, so a rule is refused where a send would be. */
	webhookPolicy: WebhookUrlPolicy;
	/** A generated id when the body has none. */
	newId: () => string;
}

function checkChannel(c: unknown, path: string, opts: RuleCheckOptions, errors: FieldError[]): AlertChannel | null {
	const bad = (field: string, message: string, actual?: unknown) => (errors.push({ field: `${path}${field}`, message, actual }), null);
	if (!isObject(c)) return bad("", "must be an object with a 'type'", c);
	if (c.type === "ws" || c.type === "nats") return { type: c.type };
	if (c.type === "webhook") {
		if (typeof c.url !== "string" || c.url.length > 2048) return bad(".url", "must be an http(s) URL", c.url);
		const refused = checkWebhookUrl(c.url, opts.webhookPolicy);
		if (refused !== null) return bad(".url", refused, c.url);
		if (!text(c.secret, 256) || (c.secret as string).length < 16) return bad(".secret", "must be a string of 16 to 256 characters (the HMAC key)");
		return { type: "webhook", url: c.url, secret: c.secret as string };
	}
	if (c.type === "email") {
		if (!text(c.to, 254) || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.to as string)) return bad(".to", "must be an email address", c.to);
		return { type: "email", to: c.to as string };
	}
	return bad(".type", "must be one of ws, nats, webhook, email", c.type);
}

function checkCondition(c: unknown, errors: FieldError[]): AlertCondition | null {
	const bad = (field: string, message: string, actual?: unknown) => void errors.push({ field: `condition${field}`, message, actual });
	if (!isObject(c)) return (bad("", "must be an object with a 'source'", c), null);
	const before = errors.length;
	const known = new Set(["source", "symbol", "tf", "field", "metric", "op", "value"]);
	for (const k of Object.keys(c)) if (!known.has(k)) bad(`.${k}`, "is not a condition field");
	const source = c.source as Source;
	if (!(SOURCES as readonly string[]).includes(c.source as string)) return (bad(".source", `must be one of ${SOURCES.join(", ")}`, c.source), null);
	const out: AlertCondition = { source };
	if (c.symbol !== undefined) {
		const wildcardOk = source === "signal" && c.symbol === "*";
		const entityOk = (source === "event" || source === "pattern") && text(c.symbol, 128);
		if (typeof c.symbol !== "string" || !(wildcardOk || entityOk || SYMBOL_PATTERN.test(c.symbol))) bad(".symbol", "must be a symbol", c.symbol);
		else out.symbol = c.symbol;
	} else if (source === "price" || source === "indicator" || source === "signal") bad(".symbol", `is required for a ${source} rule`);
	if (source === "indicator") {
		const tf = c.tf ?? "1m";
		if (typeof tf !== "string" || !isTimeframe(tf)) bad(".tf", `must be one of ${TIMEFRAMES.join(", ")}`, c.tf);
		else out.tf = tf as Timeframe;
	} else if (source === "window") {
		const tf = c.tf ?? "5m";
		if (!(WINDOWS as readonly unknown[]).includes(tf)) bad(".tf", `must be one of ${WINDOWS.join(", ")}`, c.tf);
		else out.tf = tf as string;
	} else if (c.tf !== undefined) bad(".tf", `is not used by a ${source} rule`, c.tf);
	const field = c.field;
	if (source === "price") {
		if (field !== undefined && !(PRICE_FIELDS as readonly unknown[]).includes(field)) bad(".field", `must be one of ${PRICE_FIELDS.join(", ")}`, field);
		else out.field = (field as string | undefined) ?? "price";
	} else if (source === "indicator") {
		if (!text(field, 64) || !/^[a-z][a-z0-9_.]*$/.test(field as string)) bad(".field", "must be an indicator value name such as rsi_14 or macd_12_26_9.hist", field);
		else out.field = field as string;
	} else if (source === "window") {
		if (!(WINDOW_FIELDS as readonly unknown[]).includes(field ?? "avg")) bad(".field", `must be one of ${WINDOW_FIELDS.join(", ")}`, field);
		else out.field = (field as string | undefined) ?? "avg";
		if (!isMetricName(c.metric)) bad(".metric", "must be a metric name such as api_response_time", c.metric);
		else out.metric = c.metric as string;
	} else if (source === "event") {
		if (!(EVENT_TYPES as readonly unknown[]).includes(field) || field === "alert_triggered") bad(".field", `must be an event type: ${EVENT_TYPES.filter(t => t !== "alert_triggered").join(", ")}`, field);
		else out.field = field as string;
	} else if (field !== undefined) {
		if (!text(field, 128)) bad(".field", source === "pattern" ? "must be a pattern id" : "must be a strategy name", field);
		else out.field = field as string;
	} else if (source === "pattern") bad(".field", "is required: the pattern id");
	if (source !== "window" && c.metric !== undefined) bad(".metric", `is not used by a ${source} rule`, c.metric);
	if (needsComparison(source)) {
		if (!(OPS as readonly unknown[]).includes(c.op)) bad(".op", `must be one of ${OPS.join(", ")}`, c.op);
		else out.op = c.op as Op;
		if (typeof c.value !== "number" || !Number.isFinite(c.value)) bad(".value", "must be a finite number", c.value);
		else out.value = c.value;
	} else {
		if (c.op !== undefined) bad(".op", `is not used by a ${source} rule (it fires on every matching ${source})`, c.op);
		if (c.value !== undefined) bad(".value", `is not used by a ${source} rule`, c.value);
	}
	return errors.length === before ? out : null;
}

/** The rule a body describes, or every problem with it. */
export function checkRule(body: unknown, opts: RuleCheckOptions): AlertRule | FieldError[] {
	const errors: FieldError[] = [];
	if (!isObject(body)) return [{ field: "body", message: "must be a JSON object", actual: body }];
	const known = new Set(["id", "name", "condition", "severity", "cooldown_ms", "channels"]);
	for (const k of Object.keys(body)) if (!known.has(k)) errors.push({ field: k, message: "is not a rule field" });
	if (body.id !== undefined && (typeof body.id !== "string" || !RULE_ID_PATTERN.test(body.id) || body.id === "me" || body.id.startsWith("system-"))) {
		errors.push({ field: "id", message: `must match ${RULE_ID_PATTERN}, not be 'me' and not start with 'system-' (the built-in rules')`, actual: body.id });
	}
	if (!text(body.name, 200)) errors.push({ field: "name", message: "must be a string of 1 to 200 characters", actual: body.name });
	const condition = checkCondition(body.condition, errors);
	const severity = body.severity ?? "medium";
	if (!(SEVERITIES as readonly unknown[]).includes(severity)) errors.push({ field: "severity", message: `must be one of ${SEVERITIES.join(", ")}`, actual: body.severity });
	const cooldown = body.cooldown_ms ?? DEFAULT_COOLDOWN_MS;
	if (typeof cooldown !== "number" || !Number.isInteger(cooldown) || cooldown < 0 || cooldown > MAX_COOLDOWN_MS) {
		errors.push({ field: "cooldown_ms", message: `must be an integer from 0 to ${MAX_COOLDOWN_MS}`, actual: body.cooldown_ms });
	}
	const channels: AlertChannel[] = [];
	const given = body.channels ?? [{ type: "ws" }];
	if (!Array.isArray(given) || given.length === 0 || given.length > MAX_CHANNELS) errors.push({ field: "channels", message: `must be an array of 1 to ${MAX_CHANNELS} channels` });
	else
		given.forEach((c, i) => {
			const ch = checkChannel(c, `channels[${i}]`, opts, errors);
			if (ch) channels.push(ch);
		});
	if (errors.length > 0 || !condition) return errors;
	return { id: (body.id as string | undefined) ?? opts.newId(), name: body.name as string, owner: opts.owner, condition, severity: severity as Severity, cooldown_ms: cooldown as number, channels, created_at: opts.now };
}
