/**
 * Check a POST /api/v1/events body: one event or an array of up to 5,000, all-or-nothing. Every
 * bad field is named (`[3].data.metric_name`), up to 100 of them; nothing is stored on any error.
 */
import { Validator } from "../validation/validator.ts";
import { UuidBlock } from "./event-ids.ts";
import type { FieldError } from "../protocol/errors.ts";
import { DATA_SCHEMAS, EVENT_TYPES, SEVERITIES, isEventType, type EventType, type Severity } from "./event-types.ts";

export const MAX_EVENT_BATCH = 5000;
const MAX_ERRORS = 100;

/** An event that passed the checks: ts resolved to ms, id given or generated. */
export interface CheckedEvent {
	id: string;
	/** True when the caller gave the id (only those are idempotent). */
	idGiven: boolean;
	type: EventType;
	ts: number;
	entity: string | null;
	severity: Severity;
	data: Record<string, unknown>;
}

export interface EventCheckOptions {
	now(): number;
	/** How far ahead of now a `ts` may be. */
	maxFutureMs: number;
}

export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const TS_RULE = [
	{ type: "number", integer: true, min: 0, convert: false },
	{ type: "string", pattern: ISO_DATE_TIME, messages: { stringPattern: "must be epoch milliseconds or an ISO-8601 date-time with a zone" } },
];

type Check = (value: unknown) => true | Array<{ field: string; message: string; type: string; actual?: unknown }>;
const validator = new Validator({ haltOnFirstError: false });
const checkEnvelope = validator.compile({
	$$strict: true,
	type: { type: "enum", values: [...EVENT_TYPES] },
	id: { type: "string", min: 1, max: 128, pattern: /^[A-Za-z0-9_.:@-]+$/, optional: true },
	ts: [...TS_RULE.map(r => ({ ...r, optional: true }))],
	entity: { type: "string", min: 1, max: 128, optional: true },
	severity: { type: "enum", values: [...SEVERITIES], optional: true },
	data: { type: "object" },
}) as Check;
const checkData = Object.fromEntries(EVENT_TYPES.map(t => [t, validator.compile({ $$root: true, type: "object", props: DATA_SCHEMAS[t] }) as Check])) as Record<EventType, Check>;

/** Parse `ms` or an ISO-8601 date-time; NaN when it is neither. */
export function parseTime(x: unknown): number {
	if (typeof x === "number") return x;
	if (typeof x === "string") return /^\d+$/.test(x) ? Number(x) : ISO_DATE_TIME.test(x) ? Date.parse(x) : NaN;
	return NaN;
}

function named(errors: ReturnType<Check>, path: string): FieldError[] {
	if (errors === true) return [];
	return errors.flatMap(e =>
		e.type === "objectStrict"
			? String(e.actual)
					.split(", ")
					.map(key => ({ field: path + key, message: `unknown field '${key}'`, type: "objectStrict" }))
			: [{ field: (path + (e.field ?? "")).replace(/\.$/, "").replace(/\.\[/g, "["), message: e.message, type: e.type, actual: e.actual }],
	);
}

const ids = new UuidBlock();
const pathOf = (at: number | undefined) => (at === undefined ? "" : `[${at}].`);

/**
 * Check one event; `at` is its index in a batch (the field paths say `[3].data.value`). The paths
 * are only written for an event that fails.
 */
export function checkEvent(raw: unknown, opts: EventCheckOptions, at?: number, now = opts.now()): CheckedEvent | FieldError[] {
	if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return [{ field: pathOf(at).replace(/\.$/, "") || "body", message: "an event must be a JSON object", type: "object" }];
	const e = raw as { type: EventType; id?: string; ts?: number | string; entity?: string; severity?: Severity; data: Record<string, unknown> };
	const env = checkEnvelope(raw);
	// `data` is checked against its type's schema whenever the type is known, so one answer names both.
	const dataOk = isEventType(e.type) && e.data !== null && typeof e.data === "object" && !Array.isArray(e.data);
	const data = dataOk ? checkData[e.type](e.data) : true;
	if (env !== true || data !== true) return [...named(env, pathOf(at)), ...named(data, `${pathOf(at)}data.`)];
	const ts = e.ts === undefined ? now : parseTime(e.ts);
	if (!Number.isFinite(ts)) return [{ field: `${pathOf(at)}ts`, message: "ts is not a valid date", type: "date", actual: e.ts }];
	if (ts > now + opts.maxFutureMs) return [{ field: `${pathOf(at)}ts`, message: `ts is more than ${opts.maxFutureMs} ms in the future`, type: "dateMax", actual: e.ts }];
	return { id: e.id ?? ids.next(), idGiven: e.id !== undefined, type: e.type, ts, entity: e.entity ?? null, severity: e.severity ?? "info", data: e.data };
}

export function checkEventBatch(body: unknown, opts: EventCheckOptions): CheckedEvent[] | FieldError[] {
	if (!Array.isArray(body)) {
		const one = checkEvent(body, opts);
		return Array.isArray(one) ? one : [one];
	}
	if (body.length === 0) return [{ field: "body", message: "the batch is empty", type: "arrayMin" }];
	if (body.length > MAX_EVENT_BATCH) return [{ field: "body", message: `a batch holds at most ${MAX_EVENT_BATCH} events (got ${body.length})`, type: "arrayMax" }];
	const out: CheckedEvent[] = new Array(body.length);
	const now = opts.now();
	const errors: FieldError[] = [];
	for (let i = 0; i < body.length; i++) {
		const r = checkEvent(body[i], opts, i, now);
		if (Array.isArray(r)) {
			if (errors.length < MAX_ERRORS) errors.push(...r);
		} else out[i] = r;
	}
	return errors.length > 0 ? errors.slice(0, MAX_ERRORS) : out;
}

export { isEventType };
