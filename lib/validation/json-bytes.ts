/**
 * JSON from a large UTF-8 body, parsed in pieces so that no string of the whole body is made.
 *
 * Why: V8 gives every string over 128 KiB its own mapping, so making one touches fresh pages, and
 * on the VMs this runs on (Firecracker) each page fault costs ~10 µs. The 322 KB text of a
 * 5,000-tick POST cost ~1.1 ms to make (a tenth of the batch endpoint's CPU), the JSON.parse after
 * it 1.4 ms.
 *
 * The usual body (`[…]`, or `{…, "ticks": […]}` whose last member holds the bulk) is cut without
 * a scan (`PieceParser.guess`): the big array is cut at commas found by a native search, each
 * piece JSON.parse'd as a list of elements in its place, and the depth limit checked on each
 * piece's values. A wrong cut cannot go unnoticed: a piece parsed from a point where the real
 * parse is reads as a whole list of elements only if the real parse is back at that level after
 * it, so the next cut starts where the real parse is too, and so on piece by piece. Any piece that
 * does not parse, and any other shape, goes to the scan, which decides as if no guess had been
 * made: one pass over the bytes (the depth limit, and where the big containers' commas and colons
 * are), then the containers larger than a piece parsed a group of elements or members at a time,
 * each group's text under 64 KiB.
 *
 * Same answer as `parseJson(text)` (lib/validation/json.ts) on the decoded text: the same value,
 * key order included, and the same refusals (depth, prototype keys); malformed JSON throws a
 * SyntaxError (its message may name another position). Anything the scan finds irregular (an
 * unclosed string, brackets that do not pair) is handed to `parseJson` whole.
 */
import { isAscii } from "node:buffer";
import { CLOSE, MAX_JSON_DEPTH, OPEN, QUOTE, bracketClasses, deeperThan, mayHoldPrototypeKey, parseJson, refusePrototypeKeys, tooDeep } from "./json.ts";

/** Bodies up to this many bytes are decoded and parsed whole; larger containers in groups this size. */
export const JSON_PIECE_BYTES = 64 * 1024;

/** A byte's class: json.ts's, and the comma and the colon. */
const SEPARATOR = 4;
const BYTE_CLASS = bracketClasses(256);
BYTE_CLASS[0x2c] = SEPARATOR;
BYTE_CLASS[0x3a] = SEPARATOR;

const COMMA = 0x2c;
const COLON = 0x3a;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** 3 when the bytes start with a UTF-8 BOM (which a decoder drops), else 0. */
export const bomLength = (b: Uint8Array): number => (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0);

/** The first position from `i` that is not JSON whitespace (the length when none is). */
export function skipSpace(b: Uint8Array, i: number): number {
	while (i < b.length && isSpace(b[i])) i++;
	return i;
}

/** Where the scan found the big containers' brackets and their own commas and colons, in order. */
interface Marks {
	at: Int32Array;
	n: number;
}

/** The scan's answer when the text nests deeper than the limit. */
const TOO_DEEP = -1;

/** Large bodies parsed so far: cut by the guess, or after a scan (tests: which path a body took). */
export const counted = { guessed: 0, scanned: 0 };

/**
 * Parses a UTF-8 JSON body (a leading BOM skipped) as `parseJson` parses its text. `pieceBytes`:
 * for tests, small pieces on small inputs.
 */
export function parseJsonBytes(bytes: Buffer, maxDepth = MAX_JSON_DEPTH, pieceBytes = JSON_PIECE_BYTES): unknown {
	const from = bomLength(bytes);
	const lo = skipSpace(bytes, from);
	let hi = bytes.length;
	while (hi > lo && isSpace(bytes[hi - 1])) hi--;
	const big = hi - lo > pieceBytes && BYTE_CLASS[bytes[lo]] === OPEN;
	let pieces = new PieceParser(bytes, pieceBytes, maxDepth);
	let value = big ? pieces.guess(lo, hi) : GIVE_UP;
	if (big) counted[value === GIVE_UP ? "scanned" : "guessed"]++;
	if (value === GIVE_UP) {
		const marks = big ? scan(bytes, lo, hi, maxDepth, pieceBytes) : null;
		if (marks === TOO_DEEP) throw tooDeep(maxDepth);
		// Small, not a container, or irregular: the whole text (whose parse says what is wrong).
		if (marks === null) return parseJson(bytes.toString("utf8", from), maxDepth);
		pieces = new PieceParser(bytes, pieceBytes, maxDepth);
		value = pieces.container(marks, 0).value;
	}
	// As secure-json-parse does when its test matches a text: a scan of the parsed value.
	return pieces.suspect ? refusePrototypeKeys(value) : value;
}

/** `PieceParser.guess`'s answer when the body is not of a shape it cuts, or a piece does not parse. */
const GIVE_UP: unique symbol = Symbol("give up");

/** Commas looked at, back from a piece's end, for one between two containers; past them the guess gives up. */
const CUT_TRIES = 64;

/**
 * Containers this deep or less (the top one is depth 1) get marks when they are big. A deeper big
 * container (rare: bodies put their bulk in the top container or one below it) is parsed alone as
 * its parent's element. Not marking the commas and colons of every tick object inside
 * `{"ticks": [...]}` keeps the scan near the cost of a depth scan alone.
 */
const MARKED_DEPTH = 2;

/**
 * One pass over [start, end), which opens a container: the depth limit, and the marks of every
 * container longer than a piece down to MARKED_DEPTH. Null when the bytes are irregular (an
 * unclosed string, brackets that do not pair, anything after the top container).
 */
function scan(b: Buffer, start: number, end: number, maxDepth: number, piece: number): Marks | null | typeof TOO_DEEP {
	let at = new Int32Array(1024);
	let n = 0;
	/** Per open container (by depth − 1): where it opened, and (marked depths) the index of its opening mark. */
	const openedAt = new Int32Array(Math.min(maxDepth, 1 << 20) + 1);
	const markOf = new Int32Array(MARKED_DEPTH);
	let depth = 0;
	for (let i = start; i < end; i++) {
		const k = BYTE_CLASS[b[i]];
		if (k === 0) continue;
		if (k === QUOTE) {
			for (i++; i < end; i++) {
				const s = b[i];
				if (s === 0x5c) i++;
				else if (s === 0x22) break;
			}
			if (i >= end) return null;
			continue;
		}
		if (k === OPEN) {
			if (depth >= maxDepth) return TOO_DEEP;
			openedAt[depth] = i;
			if (depth >= MARKED_DEPTH) {
				depth++;
				continue;
			}
			markOf[depth++] = n;
		} else if (k === CLOSE) {
			if (depth === 0) return null;
			const open = openedAt[--depth];
			// `{` pairs with `}` (0x7b, 0x7d), `[` with `]` (0x5b, 0x5d).
			if (b[i] !== b[open] + 2) return null;
			if (depth === 0 && i + 1 !== end) return null;
			if (depth >= MARKED_DEPTH) continue;
			// A container within one piece is parsed inside its parent's group: its marks go.
			if (i + 1 - open <= piece) {
				n = markOf[depth];
				continue;
			}
		} else if (depth > MARKED_DEPTH) continue;
		else if (depth === 0) return null; // a separator outside the top container: unreachable, as nothing may follow its close
		if (n === at.length) {
			const grown = new Int32Array(at.length * 2);
			grown.set(at);
			at = grown;
		}
		at[n++] = i;
	}
	return depth === 0 ? { at, n } : null;
}

const syntax = (what: string) => new SyntaxError(`Unexpected ${what} in JSON`);

/** Builds the value of the big containers from their marks, parsing the rest a group at a time. */
class PieceParser {
	/** A group's text may hold a prototype key: the result is scanned. */
	suspect = false;
	readonly #encoding: "latin1" | "utf8";

	constructor(
		readonly bytes: Buffer,
		readonly piece: number,
		/** The nesting limit `guess` refuses by (the scan has checked it before `container`). */
		readonly maxDepth: number,
	) {
		// ASCII decodes the same either way; latin1 skips the UTF-8 decoder.
		this.#encoding = isAscii(bytes) ? "latin1" : "utf8";
	}

	#text(from: number, to: number): string {
		return this.bytes.toString(this.#encoding, from, to);
	}

	/**
	 * JSON.parse of a piece's text, which marks the result suspect when the text may hold a
	 * prototype key: every piece, grouped or alone, or a key padded past a piece would slip by.
	 */
	#parse(text: string): unknown {
		if (mayHoldPrototypeKey(text)) this.suspect = true;
		return JSON.parse(text);
	}

	#blank(from: number, to: number): boolean {
		for (let i = from; i < to; i++) if (!isSpace(this.bytes[i])) return false;
		return true;
	}

	/**
	 * The value of the container at [lo, hi) when it is an array, or an object whose last member is
	 * the array (its value ends where the object does), cut without a scan; GIVE_UP otherwise.
	 * Refuses (throws) as soon as a piece nests deeper than `maxDepth` allows.
	 */
	guess(lo: number, hi: number): unknown {
		const { bytes: b, maxDepth } = this;
		if (b[hi - 1] !== b[lo] + 2) return GIVE_UP;
		if (b[lo] === 0x5b) return maxDepth < 1 ? GIVE_UP : this.#elements(lo + 1, hi - 1, maxDepth - 1);
		// `{…"key":[…]}`: the array opens at the first `[` if the text before it, given a value and a
		// close, parses; then its key is the string before the colon.
		const close = this.#lastSolid(hi - 2);
		const open = b.indexOf(0x5b, lo);
		if (b[close] !== 0x5d || open < 0 || open >= close || open - lo > this.piece || maxDepth < 2) return GIVE_UP;
		let head: Record<string, unknown>;
		try {
			head = this.#parse(`${this.#text(lo, open)}0}`) as Record<string, unknown>;
		} catch {
			return GIVE_UP;
		}
		if (deeperThan(head, maxDepth)) throw tooDeep(maxDepth);
		// As that parsed, a colon and the key are before the `[`. The key's opening quote is the
		// nearest quote before its end with no `\\` before it (a quote in the key has one; the
		// opening quote follows `{`, `,` or whitespace).
		const keyEnd = this.#lastSolid(this.#lastSolid(open - 1) - 1);
		let keyStart = b.lastIndexOf(0x22, keyEnd - 1);
		while (b[keyStart - 1] === 0x5c) keyStart = b.lastIndexOf(0x22, keyStart - 1);
		const elements = this.#elements(open + 1, close, maxDepth - 2);
		if (elements === GIVE_UP) return GIVE_UP;
		this.#set(head, this.#parse(this.#text(keyStart, keyEnd + 1)) as string, elements);
		return head;
	}

	/** The last position at or before `i` that is not whitespace. */
	#lastSolid(i: number): number {
		while (i > 0 && isSpace(this.bytes[i])) i--;
		return i;
	}

	/**
	 * An array's elements between its brackets, [from, to), a piece at a time, each at most
	 * `levels` deep; GIVE_UP when a piece does not parse.
	 */
	#elements(from: number, to: number, levels: number): unknown[] | typeof GIVE_UP {
		const out: unknown[] = [];
		const first = this.bytes[skipSpace(this.bytes, from)];
		const containers = first === 0x7b || first === 0x5b;
		for (;;) {
			const cut = to - from <= this.piece ? to : this.#cut(from, from + this.piece, containers);
			if (cut < 0) return GIVE_UP;
			let values: unknown[];
			try {
				values = this.#parse(`[${this.#text(from, cut)}]`) as unknown[];
			} catch {
				return GIVE_UP;
			}
			// An empty piece parses (`[]`) where its commas would not.
			if (values.length === 0) return GIVE_UP;
			for (let i = 0; i < values.length; i++) {
				if (deeperThan(values[i], levels)) throw tooDeep(this.maxDepth);
				out.push(values[i]);
			}
			if (cut === to) return out;
			from = cut + 1;
		}
	}

	/**
	 * A comma in (from, limit) to cut at, the last one; between containers when the elements are
	 * containers (`},{`), so that the cut is likely a real one. -1 when none is found.
	 */
	#cut(from: number, limit: number, containers: boolean): number {
		const b = this.bytes;
		let at = limit;
		for (let tries = 0; tries < CUT_TRIES && at - 1 > from; tries++) {
			at = b.lastIndexOf(COMMA, at - 1);
			if (at <= from) return -1;
			if (!containers) return at;
			const before = b[this.#lastSolid(at - 1)];
			const after = b[skipSpace(b, at + 1)];
			if ((before === 0x7d || before === 0x5d) && (after === 0x7b || after === 0x5b)) return at;
		}
		return -1;
	}

	/** The container opened at mark `m`: its value and the mark after its closing one. */
	container(marks: Marks, m: number): { value: unknown; next: number } {
		const bytes = this.bytes;
		const open = marks.at[m];
		const isArray = bytes[open] === 0x5b;
		const value: unknown[] | Record<string, unknown> = isArray ? [] : {};
		let groupFrom = -1;
		let groupTo = -1;
		const flush = () => {
			if (groupFrom < 0) return;
			const text = this.#text(groupFrom, groupTo);
			if (isArray) for (const v of this.#parse(`[${text}]`) as unknown[]) (value as unknown[]).push(v);
			else {
				const o = this.#parse(`{${text}}`) as Record<string, unknown>;
				for (const k of Object.keys(o)) this.#set(value as Record<string, unknown>, k, o[k]);
			}
			groupFrom = -1;
		};
		let from = open + 1;
		let colon = -1;
		let child: { value: unknown; open: number; close: number } | null = null;
		let separators = 0;
		for (let j = m + 1; ; ) {
			const pos = marks.at[j];
			const c = bytes[pos];
			if (BYTE_CLASS[c] === OPEN) {
				if (child) throw syntax("value");
				const inner = this.container(marks, j);
				child = { value: inner.value, open: pos, close: marks.at[inner.next - 1] };
				j = inner.next;
				continue;
			}
			if (c === COLON) {
				if (isArray || colon >= 0 || child) throw syntax("':'");
				colon = pos;
				j++;
				continue;
			}
			// A comma, or this container's closing bracket: one element or member ends at `pos`.
			const last = c !== COMMA;
			if (last && separators === 0 && !child && colon < 0 && this.#blank(from, pos)) return { value, next: j + 1 };
			if (child) {
				flush();
				const valueFrom = isArray ? from : colon + 1;
				if (!this.#blank(valueFrom, child.open) || !this.#blank(child.close + 1, pos)) throw syntax("value");
				if (isArray) (value as unknown[]).push(child.value);
				else this.#set(value as Record<string, unknown>, this.#key(from, colon), child.value);
			} else if (pos - from > this.piece) {
				// A long string or number: parsed alone.
				flush();
				if (isArray) (value as unknown[]).push(this.#parse(this.#text(from, pos)));
				else {
					if (colon < 0) throw syntax("member");
					this.#set(value as Record<string, unknown>, this.#key(from, colon), this.#parse(this.#text(colon + 1, pos)));
				}
			} else {
				if (this.#blank(from, pos)) throw syntax(last ? "']' or '}'" : "','");
				if (groupFrom >= 0 && pos - groupFrom > this.piece) flush();
				if (groupFrom < 0) groupFrom = from;
				groupTo = pos;
			}
			if (last) {
				flush();
				return { value, next: j + 1 };
			}
			separators++;
			from = pos + 1;
			colon = -1;
			child = null;
			j++;
		}
	}

	/** A member's key, its text before the colon. */
	#key(from: number, colon: number): string {
		if (colon < 0) throw syntax("member");
		const key = this.#parse(this.#text(from, colon));
		if (typeof key !== "string") throw syntax("key");
		return key;
	}

	#set(o: Record<string, unknown>, key: string, v: unknown): void {
		if (key === "__proto__" || key === "constructor") this.suspect = true;
		// JSON.parse makes `__proto__` an own property, as this does; `o[key] =` would set the prototype.
		if (key === "__proto__") Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
		else o[key] = v;
	}
}
