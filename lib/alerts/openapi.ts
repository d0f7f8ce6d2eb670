/** The alert actions' `params`, and the OpenAPI entries of those whose bodies and answers `params` cannot describe (lib/openapi). */
import type { JsonSchema } from "../openapi/json-schema.ts";
import { OPS, PRICE_FIELDS, SEVERITIES, SOURCES, WINDOW_FIELDS } from "./rule.ts";
import { SYMBOL_PATTERN } from "../protocol/tick.ts";
import { TIME_RANGE_PARAMS } from "../protocol/page.ts";
import { MAX_HISTORY_LIMIT } from "./alert-store.ts";
import { SUBSCRIPTION_TYPES } from "./firing.ts";

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: "string", description, ...extra });

const CHANNEL: JsonSchema = {
	oneOf: [
		{ type: "object", required: ["type"], properties: { type: { enum: ["ws", "nats"] } } },
		{
			type: "object",
			required: ["type", "url", "secret"],
			properties: { type: { const: "webhook" }, url: str("http(s) URL; loopback and private addresses refused unless alertDelivery.allowLoopback / allowPrivate"), secret: str("HMAC-SHA256 key, 16-256 characters") },
		},
		{ type: "object", required: ["type", "to"], properties: { type: { const: "email" }, to: str("email address") } },
	],
};

export const RULE_SCHEMA: JsonSchema = {
	type: "object",
	required: ["name", "condition"],
	additionalProperties: false,
	properties: {
		id: str("optional; [A-Za-z0-9_-]{1,64}, not 'me'"),
		name: str("1-200 characters"),
		condition: {
			type: "object",
			required: ["source"],
			additionalProperties: false,
			properties: {
				source: { enum: [...SOURCES] },
				symbol: str("price/indicator/signal: the symbol (signal: '*' = any); event/pattern: entity filter"),
				tf: str("indicator: timeframe (default 1m); window: window (default 5m)"),
				field: str(`price: ${PRICE_FIELDS.join("|")}; indicator: value name (rsi_14); window: ${WINDOW_FIELDS.join("|")}; signal: strategy; event: event type; pattern: pattern id`),
				metric: str("window: metric name"),
				op: { enum: [...OPS] },
				value: { type: "number" },
			},
		},
		severity: { enum: [...SEVERITIES], default: "medium" },
		cooldown_ms: { type: "integer", minimum: 0, default: 60_000 },
		channels: { type: "array", minItems: 1, maxItems: 8, items: CHANNEL, default: [{ type: "ws" }] },
	},
};

const DELIVERY: JsonSchema = { type: "object", properties: { channel: { type: "string" }, status: { enum: ["pending", "delivered", "retrying", "dead"] }, attempts: { type: "integer" }, last_error: { type: ["string", "null"] } } };

export const HISTORY_SCHEMA: JsonSchema = {
	type: "object",
	required: ["items", "next"],
	properties: {
		items: {
			type: "array",
			items: {
				type: "object",
				properties: {
					alert_id: { type: "string" },
					rule_id: { type: "string" },
					rule_name: { type: "string" },
					severity: { enum: [...SEVERITIES] },
					message: { type: "string" },
					ts: { type: "integer" },
					inputs: { type: "object" },
					deliveries: { type: "array", items: DELIVERY },
				},
			},
		},
		next: { type: ["string", "null"], description: "cursor of the next page" },
	},
};

export const CREATE_RULE_DOC = {
	description: "Create (or replace, by id) an alert rule owned by the caller; 422 names the field, 403 past the tier's rule count",
	openapi: { requestBody: RULE_SCHEMA, responses: { "201": { description: "created", schema: { type: "object", required: ["id"], properties: { id: { type: "string" } } } } } },
};
export const HISTORY_DOC = { description: "Fired alerts in time order with each delivery's state; the caller's own (admins: all)", openapi: { responses: { "200": { description: "a page of alerts", schema: HISTORY_SCHEMA } } } };

export const HISTORY_PARAMS = {
	rule: { type: "string", max: 64, optional: true },
	...TIME_RANGE_PARAMS,
	limit: { type: "number", integer: true, min: 1, max: MAX_HISTORY_LIMIT, convert: true, optional: true },
	cursor: { type: "string", max: 128, optional: true },
};

/** alerts.recordDelivery: a DeliveryResult (lib/alerts/types.ts). */
export const DELIVERY_RESULT_PARAMS = {
	alert_id: { type: "string", max: 64 },
	delivery_id: { type: "string", max: 80 },
	channel: { type: "enum", values: ["ws", "nats", "webhook", "email"] },
	status: { type: "enum", values: ["pending", "delivered", "retrying", "dead"] },
	attempts: { type: "number", integer: true, min: 0 },
	last_error: { type: "string", nullable: true, max: 4000 },
};

/** Seed 000's `POST /alerts/subscribe`. */
export const SUBSCRIBE_PARAMS = {
	user_id: { type: "string", max: 128, optional: true },
	symbols: { type: "array", max: 1000, optional: true, items: { type: "string", pattern: SYMBOL_PATTERN } },
	alert_types: { type: "array", max: SUBSCRIPTION_TYPES.length, optional: true, items: { type: "enum", values: [...SUBSCRIPTION_TYPES] } },
};
