/**
 * JSON Schemas of `POST /api/v1/ticks` for the OpenAPI document: its body is checked by
 * lib/protocol/tick.ts rather than action params, so the schema is written here from the same
 * constants, and the answers (200, and 503 naming per symbol what was written) are described.
 */
import { MAX_BATCH, PRICE_MAX, PRICE_MIN, SIZE_MAX } from "../protocol/tick.ts";
import type { JsonSchema } from "./json-schema.ts";

const price: JsonSchema = { type: "number", minimum: PRICE_MIN, maximum: PRICE_MAX };

const TICK: JsonSchema = {
	type: "object",
	additionalProperties: false,
	required: ["symbol", "price", "size", "ts"],
	properties: {
		symbol: { type: "string", pattern: "^[A-Za-z0-9.:/-]{1,24}$", description: "upper-cased; nothing trimmed" },
		price,
		size: { type: "number", minimum: 0, maximum: SIZE_MAX },
		ts: {
			oneOf: [
				{ type: "integer", minimum: 1, description: "epoch ms" },
				{ type: "string", format: "date-time" },
			],
		},
		bid: price,
		ask: price,
		id: {
			oneOf: [
				{ type: "string", minLength: 1, maxLength: 64 },
				{ type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
			],
		},
	},
};

const SYMBOL_RESULT: JsonSchema = {
	type: "object",
	required: ["symbol", "accepted", "duplicates", "late", "firstSeq", "lastSeq"],
	properties: {
		symbol: { type: "string" },
		accepted: { type: "integer" },
		duplicates: { type: "integer" },
		late: { type: "integer" },
		firstSeq: { type: ["integer", "null"] },
		lastSeq: { type: "integer" },
		refused: { type: "array", items: { type: "object", properties: { index: { type: "integer" }, reason: { type: "string" } } } },
	},
};

export const TICKS_REQUEST: JsonSchema = {
	oneOf: [
		TICK,
		{ type: "array", minItems: 1, maxItems: MAX_BATCH, items: TICK },
		{ type: "object", additionalProperties: false, required: ["ticks"], properties: { ticks: { type: "array", minItems: 1, maxItems: MAX_BATCH, items: TICK } } },
	],
};

export const TICKS_ANSWER: JsonSchema = {
	type: "object",
	required: ["accepted", "duplicates", "late", "symbols"],
	properties: {
		accepted: { type: "integer" },
		duplicates: { type: "integer" },
		late: { type: "integer" },
		refused: { type: "array", items: { type: "object", properties: { index: { type: "integer" }, symbol: { type: "string" }, reason: { type: "string" } } } },
		symbols: { type: "array", items: SYMBOL_RESULT, description: "one entry per symbol written" },
	},
};

/** 503: `details.accepted` were written, `details.failed` were not; every symbol is in one of them. */
export const TICKS_PARTIAL_FAILURE: JsonSchema = {
	type: "object",
	required: ["error"],
	properties: {
		error: {
			type: "object",
			required: ["code", "message", "details"],
			properties: {
				code: { enum: ["BUSY", "SERVICE_UNAVAILABLE"] },
				message: { type: "string" },
				details: {
					type: "object",
					required: ["accepted", "failed"],
					properties: {
						accepted: { type: "array", items: SYMBOL_RESULT },
						failed: {
							type: "array",
							items: { type: "object", required: ["symbol", "ticks", "code", "reason"], properties: { symbol: { type: "string" }, ticks: { type: "integer" }, code: { type: "string" }, reason: { type: "string" } } },
						},
					},
				},
			},
		},
	},
};

/** The `openapi` property of the `ingest.ticks` action (lib/openapi/openapi.ts reads it). */
export const TICKS_DOC = {
	openapi: {
		requestBody: TICKS_REQUEST,
		responses: {
			"200": { description: "every tick is in its symbol's log (late ones listed in `refused`)", schema: TICKS_ANSWER },
			"503": { description: "some symbols were not written: `details.accepted` were, `details.failed` were not (resend those); Retry-After", schema: TICKS_PARTIAL_FAILURE },
		},
	},
} as const;
