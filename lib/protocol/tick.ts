/**
 * The tick: what feeds and clients send in. Validation lives here so the REST endpoint, the
 * synthetic feed and (later) NATS ingest refuse exactly the same things.
 */
import { Validator } from "../validation/validator.ts";
import type { FieldError } from "./errors.ts";

export const SYMBOL_PATTERN = /^[A-Z0-9.:/-]{1,24}$/;
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
}

const validator = new Validator({ haltOnFirstError: false });
const finitePositive = { type: "number", positive: true, finite: true, convert: false } as const;
const checkShape = validator.compile({
	$$strict: true,
	symbol: { type: "string", pattern: SYMBOL_PATTERN, messages: { stringPattern: "symbol must match [A-Z0-9.:/-]{1,24}" } },
	price: finitePositive,
	size: { type: "number", min: 0, finite: true, convert: false },
	ts: [
		{ type: "number", integer: true, positive: true, finite: true, convert: false },
		{ type: "string", pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/, messages: { stringPattern: "ts must be epoch milliseconds or an ISO-8601 date-time with a zone" } },
	],
	bid: { ...finitePositive, optional: true },
	ask: { ...finitePositive, optional: true },
	id: [
		{ type: "string", min: 1, max: 64, optional: true },
		// Past 2^53 a JSON number is rounded, so two ids would collide and one tick be dropped as a duplicate.
		{ type: "number", integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, optional: true, convert: false },
	],
}) as (value: unknown) => true | Array<{ field: string; message: string; type: string; actual?: unknown }>;

/** Check one tick; `path` prefixes field names (e.g. `ticks[3].`) so batch errors name the item. */
export function checkTick(raw: unknown, opts: TickCheckOptions, path = ""): Tick | FieldError[] {
	if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
		return [{ field: path.replace(/\.$/, "") || "tick", message: "a tick must be a JSON object", type: "object" }];
	}
	const shape = checkShape(raw);
	if (shape !== true) {
		return shape.flatMap(e =>
			// `$$strict` reports every unknown key in one error with no field: name each one.
			e.type === "objectStrict"
				? String(e.actual).split(", ").map(key => ({ field: path + key, message: `unknown field '${key}'`, type: "objectStrict" }))
				: [{ field: path + e.field, message: e.message, type: e.type, actual: e.actual }],
		);
	}
	const t = raw as { symbol: string; price: number; size: number; ts: number | string; bid?: number; ask?: number; id?: string | number };
	const ts = typeof t.ts === "number" ? t.ts : Date.parse(t.ts);
	if (!Number.isFinite(ts)) return [{ field: `${path}ts`, message: "ts is not a valid date", type: "date", actual: t.ts }];
	if (ts > opts.now() + opts.maxFutureMs) {
		return [{ field: `${path}ts`, message: `ts is more than ${opts.maxFutureMs} ms in the future`, type: "dateMax", actual: t.ts }];
	}
	const tick: Tick = { symbol: t.symbol, price: t.price, size: t.size, ts };
	if (t.bid !== undefined) tick.bid = t.bid;
	if (t.ask !== undefined) tick.ask = t.ask;
	if (t.id !== undefined) tick.id = String(t.id);
	return tick;
}

/**
 * Check a request body: one tick, an array of ticks or `{ticks: [...]}`. All-or-nothing: any
 * bad item fails the whole batch, with every bad field listed.
 */
export function checkTickBatch(body: unknown, opts: TickCheckOptions): Tick[] | FieldError[] {
	let items: unknown[];
	let prefix: string;
	if (Array.isArray(body)) {
		items = body;
		prefix = "";
	} else if (body !== null && typeof body === "object" && "ticks" in body && Object.keys(body).length === 1) {
		const ticks = (body as { ticks: unknown }).ticks;
		if (!Array.isArray(ticks)) return [{ field: "ticks", message: "ticks must be an array", type: "array" }];
		items = ticks;
		prefix = "ticks";
	} else {
		const one = checkTick(body, opts);
		return Array.isArray(one) ? one : [one];
	}
	if (items.length === 0) return [{ field: prefix || "ticks", message: "the batch is empty", type: "arrayMin" }];
	if (items.length > MAX_BATCH) {
		return [{ field: prefix || "ticks", message: `a batch holds at most ${MAX_BATCH} ticks (got ${items.length})`, type: "arrayMax" }];
	}
	const out: Tick[] = new Array(items.length);
	const errors: FieldError[] = [];
	for (let i = 0; i < items.length; i++) {
		const r = checkTick(items[i], opts, `${prefix}[${i}].`);
		if (Array.isArray(r)) {
			// A batch of 5,000 bad ticks should not produce a 5,000-entry error body.
			if (errors.length < 100) errors.push(...r);
		} else out[i] = r;
	}
	return errors.length > 0 ? errors : out;
}

export function isFieldErrors(x: unknown): x is FieldError[] {
	return Array.isArray(x) && (x.length === 0 || "field" in (x[0] as object));
}
