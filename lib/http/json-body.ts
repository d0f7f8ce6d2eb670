/**
 * JSON request bodies for moleculer-web routes: body-parser reads the body (its limit and
 * content-encoding handling), then this route middleware parses it with lib/validation/json.ts
 * (depth limit, prototype-poisoning keys refused). body-parser's own JSON parser has no hook for
 * either. A UTF-8 body is read as bytes and parsed by lib/validation/json-bytes.ts, which makes
 * no string of a large body (each string over 128 KiB costs V8 fresh pages); a body in another
 * charset is read as text, decoded by body-parser.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJson } from "../validation/json.ts";
import { JSON_PIECE_BYTES, bomLength, parseJsonBytes, skipSpace } from "../validation/json-bytes.ts";

/**
 * The bodies parsed here, so a handler can tell a request's own body (made from its bytes, which
 * nothing else holds) from params an in-process caller built and may still hold.
 */
const parsedBodies = new WeakSet<object>();

/** Whether `body` is a request body this middleware parsed (see parsedBodies). */
export const isParsedBody = (body: unknown): boolean => typeof body === "object" && body !== null && parsedBodies.has(body);

/** Marks a parsed body (objects and arrays only; a bare value is copied wherever it goes). */
function parsed(body: unknown): unknown {
	if (typeof body === "object" && body !== null) parsedBodies.add(body);
	return body;
}

/** The content types parsed as JSON (body-parser's json default). */
export const JSON_TYPES = ["application/json"];

export type JsonBodyMiddleware = ((req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (err?: unknown) => void) => void) & {
	/** Only looks at a body: a request without one passes untouched (mixins/gateway/gateway-direct.mixin.ts). */
	readonly bodyOnly: true;
};

/** `application/json`, with no parameter but a UTF-8 charset: read as bytes. */
const UTF8_JSON = /^\s*application\/json\s*(?:;\s*charset\s*=\s*"?utf-?8"?\s*)?$/i;
const isUtf8Json = (req: IncomingMessage) => UTF8_JSON.test(req.headers["content-type"] ?? "");

type BodyParsers = { json: false; raw: { type: (req: IncomingMessage) => boolean; limit: string }; text: { type: string[]; limit: string; defaultCharset: string } };

/**
 * What moleculer-web's `bodyParsers` and `use` of a route get: a UTF-8 JSON body read as bytes,
 * any other JSON body as text (body-parser's charsets; the raw parser, first, leaves it unread),
 * then parsed here.
 */
export function jsonBodyRoute(limit: string, strict = true): { bodyParsers: BodyParsers; use: JsonBodyMiddleware[] } {
	return { bodyParsers: { json: false, raw: { type: isUtf8Json, limit }, text: { type: JSON_TYPES, limit, defaultCharset: "utf-8" } }, use: [jsonBody(strict)] };
}

/**
 * Parses a text body read by body-parser. Errors carry body-parser's `type` for bad JSON
 * (`entity.parse.failed`, 400) or are a JsonRefusedError (400 JSON_TOO_DEEP / JSON_FORBIDDEN_KEY).
 * `strict`: only an object or an array at the top (body-parser's json `strict`).
 */
export function jsonBody(strict = true): JsonBodyMiddleware {
	const mw = (req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: (err?: unknown) => void) => {
		const body = req.body;
		// A large UTF-8 body that opens an object or array is parsed from its bytes; any other is
		// decoded (a BOM dropped, as body-parser's decoder does) and goes the way text bodies go.
		if (Buffer.isBuffer(body) && body.length > JSON_PIECE_BYTES && opensContainer(body)) {
			try {
				req.body = parsed(parseJsonBytes(body));
			} catch (err) {
				return next(err instanceof SyntaxError ? Object.assign(err, { status: 400, type: "entity.parse.failed" }) : err);
			}
			return next();
		}
		const text = Buffer.isBuffer(body) ? body.toString("utf8", bomLength(body)) : body;
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
			req.body = parsed(parseJson(text));
		} catch (err) {
			if (err instanceof SyntaxError) return next(Object.assign(err, { status: 400, type: "entity.parse.failed" }));
			return next(err);
		}
		next();
	};
	return Object.assign(mw, { bodyOnly: true as const });
}

/** Whether the first byte past a BOM and JSON whitespace opens an object or an array. */
function opensContainer(b: Buffer): boolean {
	const c = b[skipSpace(b, bomLength(b))];
	return c === 0x7b || c === 0x5b;
}
