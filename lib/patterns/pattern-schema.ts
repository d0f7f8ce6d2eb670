/** The OpenAPI schemas of a pattern (the body is checked in check-pattern.ts; this documents it). */
import type { JsonSchema } from "../openapi/json-schema.ts";
import { EVENT_TYPES } from "../events/event-types.ts";
import { WINDOWS } from "../analytics/window-spec.ts";
import { OPS, PATTERN_KINDS, WINDOW_STATS } from "./pattern-types.ts";

const ms = { type: "integer", minimum: 1, maximum: 86_400_000 };
const source: JsonSchema = {
	oneOf: [
		{ type: "object", required: ["type", "field"], properties: { type: { const: "tick" }, field: { enum: ["price", "size"] } } },
		{ type: "object", required: ["type", "name"], properties: { type: { const: "indicator" }, name: { type: "string", description: "an indicator of the symbol's values, e.g. rsi:14" } } },
		{ type: "object", required: ["type", "metric", "window", "stat"], properties: { type: { const: "window" }, metric: { type: "string" }, window: { enum: [...WINDOWS] }, stat: { enum: [...WINDOW_STATS] } } },
		{ type: "object", required: ["type", "event_type"], properties: { type: { const: "event" }, event_type: { enum: [...EVENT_TYPES] }, field: { type: "string", description: "dotted path into data; absent: each event is the value 1" } } },
	],
};
const condition = { source, op: { enum: [...OPS] }, value: { type: "number" } };

export const PATTERN_BODY_SCHEMA: JsonSchema = {
	type: "object",
	required: ["kind"],
	description: "One of the kinds below; fields beyond a kind's are refused (422 naming them).",
	properties: {
		kind: { enum: [...PATTERN_KINDS] },
		name: { type: "string", maxLength: 128 },
		entity: { type: "string", description: "only this entity (symbol, metric, event entity); every entity when absent" },
		...condition,
		for_ms: { ...ms, minimum: 0, description: "threshold: held this long first" },
		steps: { type: "array", minItems: 2, maxItems: 16, items: { type: "object", properties: condition }, description: "sequence: in order, on one entity" },
		within_ms: ms,
		change_pct: { type: "number", minimum: 0, description: "rate: change of more than this within within_ms" },
		a: { type: "object", required: ["source", "entity"], properties: { source, entity: { type: "string" } }, description: "correlation: first series" },
		b: { type: "object", required: ["source", "entity"], properties: { source, entity: { type: "string" } }, description: "correlation: second series" },
	},
};

export const PATTERN_SCHEMA: JsonSchema = {
	type: "object",
	required: ["id", "kind", "created_at", "created_by"],
	properties: { ...(PATTERN_BODY_SCHEMA.properties as object), id: { type: "string" }, created_at: { type: "integer" }, created_by: { type: "string" } },
};

/** Spread into the create action (the gateway's OpenAPI builder reads `openapi`). */
export const CREATE_PATTERN_DOC = { openapi: { requestBody: PATTERN_BODY_SCHEMA, responses: { "201": { description: "created", schema: PATTERN_SCHEMA } } } };
