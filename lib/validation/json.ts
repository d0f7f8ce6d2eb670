/**
 * JSON from the network (REST bodies, WebSocket frames), parsed so that nothing past the parse
 * can be hurt by its shape: nesting deeper than a limit is refused before anything reads the
 * parsed value (a long text before it is parsed: PARSE_FIRST_LENGTH; deep values overflow the
 * stack of every recursive reader after the parse: validation, String(), JSON.stringify in an
 * error path), and keys that would set an object's prototype (`__proto__`,
 * `constructor.prototype`) are refused by secure-json-parse.
 */
import secureJson from "secure-json-parse";
import { JsonRefusedError } from "../protocol/errors.ts";

export { JsonRefusedError, type JsonRefusal } from "../protocol/errors.ts";

/** Arrays and objects nested deeper than this are refused. Every wire message nests under 10. */
export const MAX_JSON_DEPTH = 64;

/** secure-json-parse's message for a poisoning key (its other errors are JSON.parse's). */
const FORBIDDEN = "Object contains forbidden prototype property";

/** What a character is to the depth scans (this one's over code units, json-bytes.ts's over bytes). */
export const QUOTE = 1;
export const OPEN = 2;
export const CLOSE = 3;

/** A class table of `size` entries: the quote and the brackets marked, the rest nothing (0), so one load and one test each. */
export function bracketClasses(size: number): Uint8Array {
	const table = new Uint8Array(size);
	table[0x22] = QUOTE;
	table[0x7b] = OPEN;
	table[0x5b] = OPEN;
	table[0x7d] = CLOSE;
	table[0x5d] = CLOSE;
	return table;
}

const CODE_CLASS = bracketClasses(0x10000);

/**
 * The first nesting level beyond `max`, or -1 when none is. One pass over the text; brackets
 * inside strings do not count. Malformed text is left to the parser to refuse. The code units are
 * classed through a table (one load and one test for all but five of them): a third to a half
 * faster than comparing each with the five, on 5,000-tick bodies, where the scan cost ~45 % of
 * what JSON.parse of the same body costs.
 */
export function depthBeyond(text: string, max = MAX_JSON_DEPTH): number {
	let depth = 0;
	const n = text.length;
	for (let i = 0; i < n; i++) {
		const k = CODE_CLASS[text.charCodeAt(i)];
		if (k === 0) continue;
		if (k === QUOTE) {
			// Skip the string: to the next quote not escaped.
			for (i++; i < n; i++) {
				const s = text.charCodeAt(i);
				if (s === 0x5c) i++;
				else if (s === 0x22) break;
			}
		} else if (k === OPEN) {
			if (++depth > max) return depth;
		} else depth--;
	}
	return -1;
}

/**
 * Texts up to this many code units are parsed first and their depth checked on the value; longer
 * ones are scanned first (depthBeyond), so that a deep one is refused before anything is built.
 * JSON.parse does not recurse, so a deep value is safe until something walks it, and a text this
 * short builds at most ~32,768 nested arrays (3-5 ms, as a piece of json-bytes.ts) before its
 * refusal: the order of what a flat text this long builds and is accepted with (`[[],[],…]`,
 * ~21,800 arrays). The limit is then on the value JSON.parse keeps, as in a piece of json-bytes.ts:
 * a deep value under a key repeated later in its object, which the parse drops, is not refused.
 * On the usual message (an Alpaca frame of 100 trades, 11 KB) the scan cost ~0.23 µs a trade of
 * the ~0.82 the scan and parse cost; the check on the value ~0.08.
 */
export const PARSE_FIRST_LENGTH = 64 * 1024;

/** secure-json-parse's test for a text that may hold `"__proto__":` or `"constructor":` (it scans the parse only then). */
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;
const SECURE = { protoAction: "error", constructorAction: "error" } as const;

/** Whether `text` may hold a prototype key: its parse must then go through refusePrototypeKeys. */
export const mayHoldPrototypeKey = (text: string): boolean => SUSPECT_PROTO.test(text) || SUSPECT_CONSTRUCTOR.test(text);

export const tooDeep = (maxDepth: number) => new JsonRefusedError("depth", `JSON nests deeper than ${maxDepth} levels`);

/**
 * Whether `value` (from JSON.parse, which does not recurse) nests deeper than `levels`, the
 * value itself being level 1 if a container: depthBeyond's test, made on a parsed value. It
 * recurses at most `levels` deep.
 */
export function deeperThan(value: unknown, levels: number): boolean {
	if (typeof value !== "object" || value === null) return false;
	if (levels < 1) return true;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) if (deeperThan(value[i], levels - 1)) return true;
	} else for (const k in value) if (deeperThan((value as Record<string, unknown>)[k], levels - 1)) return true;
	return false;
}

/** As secure-json-parse does when its test matches a text: `value` scanned, a prototype key refused. */
export function refusePrototypeKeys<T>(value: T): T {
	try {
		return secureJson.scan(value as Record<string, unknown>, SECURE) as T;
	} catch (err) {
		if ((err as Error).message === FORBIDDEN) throw new JsonRefusedError("prototype-key", "JSON must not contain a '__proto__' key or 'constructor.prototype'");
		throw err;
	}
}

/**
 * JSON.parse with the depth limit and prototype-poisoning keys refused (JsonRefusedError); other
 * bad JSON throws the parser's SyntaxError. As secure-json-parse, a leading BOM is skipped. Too deep
 * is refused first, malformed or not, then a prototype key.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
	const short = text.length <= PARSE_FIRST_LENGTH;
	if (!short && depthBeyond(text, maxDepth) >= 0) throw tooDeep(maxDepth);
	const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	let value: unknown;
	// As secure-json-parse does, a malformed text's SyntaxError carries no stack: it is only ever
	// answered as a refusal, and capturing one would cost on each bad frame a client cares to send.
	const { stackTraceLimit } = Error;
	Error.stackTraceLimit = 0;
	try {
		value = JSON.parse(body);
	} catch (err) {
		// Malformed and too deep is refused as too deep, as the scan before the parse did.
		if (short && depthBeyond(text, maxDepth) >= 0) throw tooDeep(maxDepth);
		throw err;
	} finally {
		Error.stackTraceLimit = stackTraceLimit;
	}
	if (short && deeperThan(value, maxDepth)) throw tooDeep(maxDepth);
	if (value === null || typeof value !== "object" || !mayHoldPrototypeKey(body)) return value;
	return refusePrototypeKeys(value);
}
