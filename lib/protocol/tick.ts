/**
 * The tick: what feeds and clients send in. Validation lives here so the REST endpoint, the
 * synthetic feed and (later) NATS ingest refuse exactly the same things.
 */
import { Validator } from "../validation/validator.ts";
import type { FieldError } from "./errors.ts";
import { eachInTurns } from "../scheduling/turns.ts";

export const SYMBOL_PATTERN = /^[A-Z0-9.:/-]{1,24}$/;
/** A symbol as a client may write it: ASCII only, so no Unicode case mapping (`ſ` → `S`) can make one. */
const SYMBOL_INPUT = /^[A-Za-z0-9.:/-]{1,24}$/;
export const SYMBOL_RULE_MESSAGE = "symbol must be 1-24 characters of A-Z a-z 0-9 . : / - (upper-cased; no spaces or control characters)";

/**
 * The one normalisation of a symbol, used by ticks, every action param, topics and routing: ASCII
 * upper case, nothing trimmed (`AAPL\n` is refused everywhere, never read as `AAPL`); null when
 * `raw` is not a symbol.
 */
export function normalizeSymbol(raw: unknown): string | null {
	if (typeof raw !== "string") return null;
	// Most symbols come upper-cased already: then the string itself, not a copy (toUpperCase makes
	// one, ~25 ns, a fifth of the check of a usual tick).
	if (SYMBOL_PATTERN.test(raw)) return raw;
	return SYMBOL_INPUT.test(raw) ? raw.toUpperCase() : null;
}

/**
 * The fastest-validator rule of a symbol field or param: refuses what normalizeSymbol refuses and
 * passes on its answer. A fresh object per use (fastest-validator runs a custom checker shared by several fields
 * for only one of them); needs `useNewCustomCheckerFunction` (Moleculer's validator sets it).
 */
export const symbolRule = (extra: { optional?: boolean } = {}) => ({
	type: "string" as const,
	...extra,
	// The pattern is normalizeSymbol's own test, here for the OpenAPI document; the custom check decides.
	pattern: SYMBOL_INPUT,
	messages: { stringPattern: SYMBOL_RULE_MESSAGE },
	// What normalizeSymbol refuses was reported already: a non-string by the type, a string by the pattern.
	custom: (value: unknown): unknown => normalizeSymbol(value) ?? value,
});
export const MAX_BATCH = 5000;

/** A tick as accepted: `ts` is normalised to epoch milliseconds. */
export interface Tick {
	symbol: string;
	price: number;
	size: number;
	ts: number;
	bid?: number;
	ask?: number;
	id?: string;
}

/** A tick the actor accepted: it now has its place in the symbol's log. */
export interface SequencedTick extends Tick {
	seq: number;
}

export interface TickCheckOptions {
	/** How far past the node's clock a `ts` may lie (clock skew between vendor and us). */
	maxFutureMs: number;
	now: () => number;
	/**
	 * The caller hands the raw ticks over: they were made for this check (parsed from a request's
	 * bytes here) and no one changes them afterwards. A tick already in the accepted form (the usual
	 * keys, in their order, the symbol as normalised) is then answered as itself, not copied: a
	 * 5,000-tick body kept both alive while it was written, and every scavenge copied both.
	 */
	handedOver?: boolean;
}

/**
 * Bounds of a tick's numbers (docs/api.md), so no bar or indicator arithmetic can overflow: turnover
 * price × size ≤ 1e27 and price² ≤ 1e24 stay far from 1.8e308 even summed over millions of ticks,
 * and a ratio of two prices stays ≤ 1e24. Past them a value overflowed to Infinity (JSON null) live
 * and was recomputed differently on replay.
 */
export const PRICE_MIN = 1e-12;
export const PRICE_MAX = 1e12;
export const SIZE_MAX = 1e15;

const validator = new Validator({ haltOnFirstError: false, useNewCustomCheckerFunction: true });
const sci = (x: number) => x.toExponential().replace("e+", "e");
const price = (field: string) =>
	({
		type: "number",
		min: PRICE_MIN,
		max: PRICE_MAX,
		finite: true,
		convert: false,
		messages: { numberMin: `${field} must be at least ${sci(PRICE_MIN)} (got {actual})`, numberMax: `${field} must be at most ${sci(PRICE_MAX)} (got {actual})` },
	}) as const;
const checkShape = validator.compile({
	$$strict: true,
	symbol: symbolRule(),
	price: price("price"),
	size: { type: "number", min: 0, max: SIZE_MAX, finite: true, convert: false, messages: { numberMax: `size must be at most ${sci(SIZE_MAX)} (got {actual})` } },
	ts: [
		{ type: "number", integer: true, positive: true, finite: true, convert: false },
		{ type: "string", pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/, messages: { stringPattern: "ts must be epoch milliseconds or an ISO-8601 date-time with a zone" } },
	],
	bid: { ...price("bid"), optional: true },
	ask: { ...price("ask"), optional: true },
	id: [
		{ type: "string", min: 1, max: 64, optional: true },
		// Past 2^53 a JSON number is rounded, so two ids would collide and one tick be dropped as a duplicate.
		{ type: "number", integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, optional: true, convert: false },
	],
}) as (value: unknown) => true | Array<{ field: string; message: string; type: string; actual?: unknown }>;

/** The keys a tick may have (`$$strict` refuses any other), each with its place in an accepted tick's key order. */
const TICK_KEYS = new Map(["symbol", "price", "size", "ts", "bid", "ask", "id"].map((k, i) => [k, i]));
const isPrice = (x: unknown): x is number => typeof x === "number" && x >= PRICE_MIN && x <= PRICE_MAX;

/**
 * The usual tick, accepted without the validator: known keys only; a symbol normalizeSymbol
 * takes; price, size and bid/ask (when present) within their bounds; `ts` a positive integer; `id`
 * absent or a 1-64 character string. Anything else (a string ts, a numeric id, a null field, a
 * bad value) answers null and goes through checkShape, which decides and words every error.
 * It leaves `t` as it is, where the validator writes the upper-cased symbol back into it. The
 * validator's compiled check allocated ~300 bytes a tick (arrays for each alternative of `ts` and
 * `id`, the keys for `$$strict`), ~a quarter of what the batch endpoint allocated per tick.
 * test/unit/protocol/tick.spec.ts holds the two paths to the same answers.
 */
function usualTick(t: Record<string, unknown>, handedOver: boolean): Tick | null {
	/** Whether the keys come in an accepted tick's order. */
	let ordered = true;
	let last = -1;
	for (const k in t) {
		const at = TICK_KEYS.get(k);
		if (at === undefined || !Object.hasOwn(t, k)) return null;
		if (at < last) ordered = false;
		last = at;
	}
	const { price, size, ts, bid, ask, id } = t;
	if (!isPrice(price) || typeof size !== "number" || !(size >= 0 && size <= SIZE_MAX)) return null;
	// Number.isInteger is false for NaN and ±Infinity too; `ts % 1` on a double was a call into C.
	if (typeof ts !== "number" || !(ts > 0) || !Number.isInteger(ts)) return null;
	const symbol = normalizeSymbol(t.symbol);
	if (symbol === null) return null;
	if (bid !== undefined && !isPrice(bid)) return null;
	if (ask !== undefined && !isPrice(ask)) return null;
	if (id !== undefined && (typeof id !== "string" || id.length < 1 || id.length > 64)) return null;
	// Handed over and already what the copy below would be: the tick itself.
	if (handedOver && ordered && symbol === t.symbol) return t as unknown as Tick;
	const tick: Tick = { symbol, price, size, ts };
	if (bid !== undefined) tick.bid = bid;
	if (ask !== undefined) tick.ask = ask;
	if (id !== undefined) tick.id = id;
	return tick;
}

/** Check one tick; `path` prefixes field names (e.g. `ticks[3].`) so batch errors name the item. */
export function checkTick(raw: unknown, opts: TickCheckOptions, path = ""): Tick | FieldError[] {
	if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
		return [{ field: path.replace(/\.$/, "") || "tick", message: "a tick must be a JSON object", type: "object" }];
	}
	const usual = usualTick(raw as Record<string, unknown>, opts.handedOver === true);
	return usual === null ? checkTickByValidator(raw, opts, path) : notAhead(usual, usual.ts, opts, path);
}

/** The tick, or the error of a `ts` (given as `actual`) further ahead of the node's clock than allowed. */
function notAhead(tick: Tick, actual: unknown, opts: TickCheckOptions, path: string): Tick | FieldError[] {
	return tick.ts > opts.now() + opts.maxFutureMs ? [{ field: `${path}ts`, message: `ts is more than ${opts.maxFutureMs} ms in the future`, type: "dateMax", actual }] : tick;
}

/** checkTick through the validator only: what `usualTick` must agree with (exported for that test). */
export function checkTickByValidator(raw: object, opts: TickCheckOptions, path = ""): Tick | FieldError[] {
	const shape = checkShape(raw);
	if (shape !== true) {
		return shape.flatMap(e =>
			// `$$strict` reports every unknown key in one error with no field: name each one.
			e.type === "objectStrict"
				? String(e.actual)
						.split(", ")
						.map(key => ({ field: path + key, message: `unknown field '${key}'`, type: "objectStrict" }))
				: [{ field: path + e.field, message: e.message, type: e.type, actual: e.actual }],
		);
	}
	const t = raw as { symbol: string; price: number; size: number; ts: number | string; bid?: number; ask?: number; id?: string | number };
	const ts = typeof t.ts === "number" ? t.ts : Date.parse(t.ts);
	if (!Number.isFinite(ts)) return [{ field: `${path}ts`, message: "ts is not a valid date", type: "date", actual: t.ts }];
	// normalizeSymbol again rather than the validator's write-back, which a frozen object or a
	// getter ignores. An optional field sent as null is absent, as the validator lets it through:
	// an id of null read as "null" made every such tick after the first a duplicate.
	const tick: Tick = { symbol: normalizeSymbol(t.symbol)!, price: t.price, size: t.size, ts };
	if (t.bid != null) tick.bid = t.bid;
	if (t.ask != null) tick.ask = t.ask;
	if (t.id != null) tick.id = String(t.id);
	return notAhead(tick, t.ts, opts, path);
}

/**
 * Check a request body: one tick, an array of ticks or `{ticks: [...]}`. All-or-nothing: any
 * bad item fails the whole batch, with every bad field listed.
 */
export function checkTickBatch(body: unknown, opts: TickCheckOptions): Tick[] | FieldError[] {
	const batch = batchOf(body, opts);
	if (!("items" in batch)) return batch.result;
	for (let i = 0; i < batch.items.length; i++) batch.check(i);
	return batch.result();
}

/**
 * checkTickBatch, yielding to the event loop (`setImmediate`) whenever `budgetMs` of a turn is
 * spent: checking 5,000 ticks takes 10-100 ms, which health probes should not wait behind.
 */
export async function checkTickBatchInTurns(body: unknown, opts: TickCheckOptions, budgetMs = 5): Promise<Tick[] | FieldError[]> {
	const batch = batchOf(body, opts);
	if (!("items" in batch)) return batch.result;
	await eachInTurns(batch.items.length, batch.check, { budgetMs });
	return batch.result();
}

/** A body's ticks, and how to check them one by one: one tick, an array, or `{ticks: [...]}`. */
function batchOf(body: unknown, opts: TickCheckOptions): { result: Tick[] | FieldError[] } | { items: unknown[]; check(i: number): void; result(): Tick[] | FieldError[] } {
	let items: unknown[];
	let prefix: string;
	if (Array.isArray(body)) {
		items = body;
		prefix = "";
	} else if (body !== null && typeof body === "object" && "ticks" in body && Object.keys(body).length === 1) {
		const ticks = (body as { ticks: unknown }).ticks;
		if (!Array.isArray(ticks)) return { result: [{ field: "ticks", message: "ticks must be an array", type: "array" }] };
		items = ticks;
		prefix = "ticks";
	} else {
		const one = checkTick(body, opts);
		return { result: Array.isArray(one) ? one : [one] };
	}
	if (items.length === 0) return { result: [{ field: prefix || "ticks", message: "the batch is empty", type: "arrayMin" }] };
	if (items.length > MAX_BATCH) {
		return { result: [{ field: prefix || "ticks", message: `a batch holds at most ${MAX_BATCH} ticks (got ${items.length})`, type: "arrayMax" }] };
	}
	const out: Tick[] = new Array(items.length);
	const errors: FieldError[] = [];
	return {
		items,
		check(i: number) {
			// The item's path (`ticks[3].`) is only built for an item that has errors.
			let r = checkTick(items[i], opts);
			if (Array.isArray(r)) r = checkTick(items[i], opts, `${prefix}[${i}].`);
			if (Array.isArray(r)) {
				// A batch of 5,000 bad ticks should not produce a 5,000-entry error body.
				if (errors.length < 100) errors.push(...r);
			} else out[i] = r;
		},
		result() {
			return errors.length > 0 ? errors : out;
		},
	};
}

export function isFieldErrors(x: unknown): x is FieldError[] {
	return Array.isArray(x) && (x.length === 0 || "field" in (x[0] as object));
}
