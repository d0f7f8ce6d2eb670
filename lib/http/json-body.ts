/**
 * JSON request bodies for moleculer-web routes: body-parser reads the body as text (its limit,
 * charset and content-encoding handling), then this route middleware parses it with
 * lib/validation/json.ts (depth limit, prototype-poisoning keys refused). body-parser's own JSON
 * parser has no hook for either.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJson } from "../validation/json.ts";

/** The content types parsed as JSON (body-parser's json default). */
export const JSON_TYPES = ["application/json"];

export type JsonBodyMiddleware = ((req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (err?: unknown) => void) => void) & {
	/** Only looks at a body: a request without one passes untouched (mixins/gateway/gateway-direct.mixin.ts). */
	readonly bodyOnly: true;
};

/** What moleculer-web's `bodyParsers` and `use` of a route get: read as text, then parsed here. */
export function jsonBodyRoute(limit: string, strict = true): { bodyParsers: { json: false; text: { type: string[]; limit: string; defaultCharset: string } }; use: JsonBodyMiddleware[] } {
	return { bodyParsers: { json: false, text: { type: JSON_TYPES, limit, defaultCharset: "utf-8" } }, use: [jsonBody(strict)] };
}

/**
 * Parses a text body read by body-parser. Errors carry body-parser's `type` for bad JSON
 * (`entity.parse.failed`, 400) or are a JsonRefusedError (400 JSON_TOO_DEEP / JSON_FORBIDDEN_KEY).
 * `strict`: only an object or an array at the top (body-parser's json `strict`).
 */
export function jsonBody(strict = true): JsonBodyMiddleware {
	const mw = (req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: (err?: unknown) => void) => {
		const text = req.body;
		if (typeof text !== "string") return next();
		// An empty or whitespace-only body, a common client mistake, is read as {} (body-parser's json
		// does so for an empty one). A test for anything but whitespace (what trim removes) answers
		// that without making a trimmed string.
		if (!/\S/.test(text)) {
			req.body = {};
			return next();
		}
		if (strict && !/^[\s]*[[{]/.test(text)) return next(Object.assign(new SyntaxError("the body must be a JSON object or array"), { status: 400, type: "entity.parse.failed" }));
		try {
			req.body = parseJson(text);
		} catch (err) {
			if (err instanceof SyntaxError) return next(Object.assign(err, { status: 400, type: "entity.parse.failed" }));
			return next(err);
		}
		next();
	};
	return Object.assign(mw, { bodyOnly: true as const });
}
