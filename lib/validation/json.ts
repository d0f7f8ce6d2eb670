/**
 * JSON from the network (REST bodies, WebSocket frames), parsed so that nothing past the parse
 * can be hurt by its shape: nesting deeper than a limit is refused before it is parsed (deep
 * values overflow the stack of every recursive reader after the parse: validation, String(),
 * JSON.stringify in an error path), and keys that would set an object's prototype (`__proto__`,
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
 * JSON.parse with the depth limit and prototype-poisoning keys refused (JsonRefusedError); other
 * bad JSON throws the parser's SyntaxError.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
	if (depthBeyond(text, maxDepth) >= 0) throw new JsonRefusedError("depth", `JSON nests deeper than ${maxDepth} levels`);
	try {
		return secureJson.parse(text, null, { protoAction: "error", constructorAction: "error" });
	} catch (err) {
		if ((err as Error).message === FORBIDDEN) throw new JsonRefusedError("prototype-key", "JSON must not contain a '__proto__' key or 'constructor.prototype'");
		throw err;
	}
}
