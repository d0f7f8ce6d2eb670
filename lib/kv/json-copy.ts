/**
 * A deep copy of plain data with exactly what `JSON.parse(JSON.stringify(value))` gives, without
 * the text: the in-process stores (MemoryStore, MemoryKv) keep a copy of their own, as Redis keeps
 * bytes, so no caller can change stored state through a reference it still holds (unless it handed
 * the value over: AppendOptions); and reads hand out copies again. Turning a tick into JSON text and
 * back was the largest single cost of the embedded batch endpoint (bench/profile-ingest.ts: 14 % of
 * its CPU in MemoryStore.append).
 *
 * Plain data: `null`, booleans, strings, numbers, arrays, and objects whose prototype is
 * Object.prototype or null, nested at most MAX_COPY_DEPTH deep. Anything else (a Date or other
 * class instance, a `toJSON` method, a BigInt, a cycle, deeper nesting, an own `__proto__` key)
 * gets `NOT_PLAIN`, and the caller keeps JSON text for that value, so such values still behave
 * exactly as through Redis.
 * As JSON does: non-finite numbers become null, -0 becomes 0, `undefined`, functions and symbols
 * are left out of objects and become null in arrays (array holes too), only own enumerable string
 * keys are copied, in JSON's order. Not as JSON does, for values no store here is given: a getter
 * runs twice when its object turns out not to be plain (the copy read it, then JSON does); a proxy
 * or a boxed primitive given another prototype is copied as an object; and plain data whose JSON
 * would pass V8's string limit (~512 MB) is kept where JSON.stringify throws.
 */

/** Marks a value that is not plain data (see the module comment). */
export const NOT_PLAIN: unique symbol = Symbol("not plain data");

/** Nesting copied at most; deeper values (ticks and messages nest 3 deep) take the JSON path. */
export const MAX_COPY_DEPTH = 16;

const OBJECT_PROTO = Object.prototype;

/**
 * The JSON round trip's copy of `value`, or NOT_PLAIN. At the top, a value JSON makes no text of
 * (undefined, a function, a symbol) is NOT_PLAIN too.
 */
export function jsonCopy(value: unknown): unknown {
	const copied = copy(value, 0);
	return copied === undefined ? NOT_PLAIN : copied;
}

function copy(value: unknown, depth: number): unknown {
	switch (typeof value) {
		case "string":
		case "boolean":
			return value;
		case "number":
			// JSON writes -0 as 0 and NaN, ±Infinity as null.
			return Number.isFinite(value) ? value + 0 : null;
		case "object":
			if (value === null) return null;
			if (depth >= MAX_COPY_DEPTH) return NOT_PLAIN;
			return Array.isArray(value) ? copyArray(value, depth + 1) : copyObject(value as Record<string, unknown>, depth + 1);
		default:
			// bigint (JSON.stringify throws), undefined/function/symbol (left out or null: the caller decides).
			return typeof value === "bigint" ? NOT_PLAIN : undefined;
	}
}

function copyArray(a: unknown[], depth: number): unknown {
	if (Object.getPrototypeOf(a) !== Array.prototype || typeof (a as { toJSON?: unknown }).toJSON === "function") return NOT_PLAIN;
	const n = a.length;
	const out = new Array<unknown>(n);
	for (let i = 0; i < n; i++) {
		const v = copy(a[i], depth);
		if (v === NOT_PLAIN) return NOT_PLAIN;
		out[i] = v === undefined ? null : v;
	}
	return out;
}

function copyObject(o: Record<string, unknown>, depth: number): unknown {
	const proto = Object.getPrototypeOf(o);
	if ((proto !== OBJECT_PROTO && proto !== null) || typeof o.toJSON === "function") return NOT_PLAIN;
	const out: Record<string, unknown> = {};
	// Own enumerable string keys, in JSON's order (Object.keys' order). `for…in` and an own check
	// rather than Object.keys: as fast, without a new array of keys per object copied, which was
	// ~400 bytes of garbage a vendor message.
	for (const k in o) {
		if (!Object.hasOwn(o, k)) continue;
		// An own `__proto__` key (JSON.parse makes one) would set the copy's prototype here.
		if (k === "__proto__") return NOT_PLAIN;
		const v = copy(o[k], depth);
		if (v === NOT_PLAIN) return NOT_PLAIN;
		if (v !== undefined) out[k] = v;
	}
	return out;
}

/**
 * A copy of `value` as the JSON round trip gives it back, plain or not (a value that is not plain
 * data goes through JSON text); `undefined` stays undefined (a field JSON would leave out).
 */
export function jsonClone(value: unknown): unknown {
	if (value === undefined) return undefined;
	const copied = copy(value, 0);
	return copied === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : copied;
}

/** JSON text kept for a value that is not plain data (it is parsed again on every read). */
class JsonText {
	constructor(readonly text: string) {}
}

/**
 * Kept for a value JSON makes no text of (undefined, a function, a symbol): reading it back is
 * JSON.parse of no text, a SyntaxError, unless the store answers such a value as absent (as
 * RedisStore does for a snapshot or latest value: `isNoText`).
 */
const NO_TEXT: unique symbol = Symbol("no JSON text");

/** What an in-process store keeps of a value: a plain copy of its own, its JSON text, or NO_TEXT. */
export type Kept = unknown;

/** Keep `value` as the JSON round trip would give it back (throws as JSON.stringify does). */
export function keep(value: unknown): Kept {
	const copied = jsonCopy(value);
	if (copied !== NOT_PLAIN) return copied;
	const text = JSON.stringify(value) as string | undefined;
	return text === undefined ? NO_TEXT : new JsonText(text);
}

/** Whether a kept value had no JSON text. */
export const isNoText = (kept: Kept): boolean => kept === NO_TEXT;

/** A fresh copy of a kept value for a reader (what JSON.parse of the value's text would give). */
export function load<T>(kept: Kept): T {
	if (kept === NO_TEXT) return JSON.parse(undefined as unknown as string) as T;
	// jsonClone, not copy: a handed-over value (keepHandedOver) may not be plain data.
	return (kept instanceof JsonText ? JSON.parse(kept.text) : jsonClone(kept)) as T;
}

/**
 * How a writer gives an in-process store its values. `handOver`: the writer hands them over, and
 * neither it nor anyone it gave them to changes them afterwards, so the store keeps the very
 * objects instead of copies (keepHandedOver). Only for objects built for the write: one also
 * published on the bus could be changed by a subscriber, whose errors the bus catches. Stores
 * that keep bytes (Redis) ignore it.
 */
export interface AppendOptions {
	handOver?: boolean;
}

/** What a writer that hands its values over passes (its comment says why it may). */
export const HAND_OVER: Readonly<AppendOptions> = Object.freeze({ handOver: true });

/**
 * Whether handed-over values are frozen, deep, so that a change after the hand-over throws where
 * it is made (strict-mode code) rather than changing what a store holds. The test suite turns it
 * on (ROOKERY_CHECK_HAND_OVER, set by test/setup.ts for its child processes too); a node does not
 * pay for it.
 */
export const checkHandOver = process.env.ROOKERY_CHECK_HAND_OVER === "1";

/**
 * Keeps a value its writer hands over (AppendOptions): the very object, where `keep` copies it.
 * The copies of each tick and vendor message, and their garbage, were a quarter to a third of a
 * vendor message's CPU (docs/architecture.md). Reads still get copies, as JSON gives them back
 * (`load`); a value JSON cannot write (a BigInt, a cycle) would throw at the read, not the write,
 * so the test suite's check refuses it at the write.
 */
export function keepHandedOver(value: unknown): Kept {
	if (typeof value !== "object" || value === null) return keep(value);
	if (checkHandOver) {
		JSON.stringify(value);
		freezeDeep(value, 0);
	}
	return value;
}

/** How an in-process store keeps each value of a write made with `opts`. */
export const keeper = (opts?: AppendOptions): ((value: unknown) => Kept) => (opts?.handOver ? keepHandedOver : keep);

function freezeDeep(value: object, depth: number): void {
	// A typed array's elements cannot be frozen (it throws); JSON writes it as an object anyway.
	if (depth > MAX_COPY_DEPTH || ArrayBuffer.isView(value)) return;
	Object.freeze(value);
	for (const v of Object.values(value)) if (typeof v === "object" && v !== null) freezeDeep(v, depth + 1);
}
