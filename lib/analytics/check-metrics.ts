/**
 * Check a POST /api/v1/analytics/metrics/{name} body: `{"value","ts"?}` or an array of up to
 * 5,000 of them, all-or-nothing. `ts` (ms or ISO-8601) may not be older than the longest window.
 */
import { Validator } from "../validation/validator.ts";
import type { FieldError } from "../protocol/errors.ts";
import { ISO_DATE_TIME, parseTime } from "../events/check-events.ts";
import { WINDOW_SPECS } from "./window-spec.ts";

export const MAX_METRIC_BATCH = 5000;
export interface MetricPoint {
	value: number;
	ts?: number;
}

type Check = (value: unknown) => true | Array<{ field: string; message: string; type: string; actual?: unknown }>;
const checkPoint = new Validator({ haltOnFirstError: false }).compile({
	$$strict: true,
	value: { type: "number", convert: false },
	ts: [
		{ type: "number", integer: true, min: 0, convert: false, optional: true },
		{ type: "string", pattern: ISO_DATE_TIME, optional: true, messages: { stringPattern: "must be epoch milliseconds or an ISO-8601 date-time with a zone" } },
	],
}) as Check;
const OLDEST_MS = WINDOW_SPECS["24h"].ms;

function checkOne(raw: unknown, path: string, now: number): MetricPoint | FieldError[] {
	if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return [{ field: path.replace(/\.$/, "") || "body", message: "must be an object {value, ts?}", type: "object" }];
	const r = checkPoint(raw);
	if (r !== true) {
		return r.flatMap(e =>
			e.type === "objectStrict"
				? String(e.actual)
						.split(", ")
						.map(k => ({ field: path + k, message: `unknown field '${k}'`, type: "objectStrict" }))
				: [{ field: path + e.field, message: e.message, type: e.type, actual: e.actual }],
		);
	}
	const p = raw as { value: number; ts?: number | string };
	if (p.ts === undefined) return { value: p.value };
	const ts = parseTime(p.ts);
	if (!Number.isFinite(ts)) return [{ field: `${path}ts`, message: "not a valid date", type: "date", actual: p.ts }];
	if (ts < now - OLDEST_MS) return [{ field: `${path}ts`, message: "older than the longest window (24h)", type: "dateMin", actual: p.ts }];
	return { value: p.value, ts };
}

export function checkMetricBody(body: unknown, now: number): MetricPoint[] | FieldError[] {
	if (!Array.isArray(body)) {
		const one = checkOne(body, "", now);
		return Array.isArray(one) ? one : [one];
	}
	if (body.length === 0) return [{ field: "body", message: "the batch is empty", type: "arrayMin" }];
	if (body.length > MAX_METRIC_BATCH) return [{ field: "body", message: `a batch holds at most ${MAX_METRIC_BATCH} values (got ${body.length})`, type: "arrayMax" }];
	const out: MetricPoint[] = [];
	const errors: FieldError[] = [];
	body.forEach((raw, i) => {
		const r = checkOne(raw, `[${i}].`, now);
		if (Array.isArray(r)) errors.push(...r);
		else out.push(r);
	});
	return errors.length ? errors.slice(0, 100) : out;
}
