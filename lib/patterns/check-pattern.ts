/**
 * Check a POST /api/v1/analytics/patterns body: every error names its field (`steps[1].source.type`),
 * and nothing is stored unless all is well. Returns the body as a definition minus id and owner.
 */
import type { FieldError } from "../protocol/errors.ts";
import { isEventType, EVENT_TYPES } from "../events/event-types.ts";
import { isWindowName, WINDOWS } from "../analytics/window-spec.ts";
import { isMetricName } from "../analytics/metric-name.ts";
import { OPS, PATTERN_KINDS, WINDOW_STATS, type PatternDef, type Source } from "./pattern-types.ts";

export type PatternBody = Omit<PatternDef, "id" | "created_at" | "created_by">;

const DAY_MS = 86_400_000;
const MAX_STEPS = 16;
const ENTITY = /^[A-Za-z0-9_.:/@-]{1,128}$/;
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

class Checker {
	readonly errors: FieldError[] = [];

	fail(field: string, message: string, type: string, actual?: unknown): void {
		this.errors.push({ field, message, type, actual });
	}
	oneOf(o: Obj, key: string, path: string, values: readonly string[]): void {
		if (!values.includes(o[key] as string)) this.fail(path + key, `one of ${values.join(", ")}`, "enumValue", o[key]);
	}
	num(o: Obj, key: string, path: string, min: number, max: number, optional = false): void {
		const v = o[key];
		if (v === undefined && optional) return;
		if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) this.fail(path + key, `a number from ${min} to ${max}`, "number", v);
	}
	text(o: Obj, key: string, path: string, pattern: RegExp, optional = false): void {
		const v = o[key];
		if (v === undefined && optional) return;
		if (typeof v !== "string" || !pattern.test(v)) this.fail(path + key, `must match ${pattern}`, "stringPattern", v);
	}
	only(o: Obj, path: string, keys: string[]): void {
		for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(path + k, `unknown field '${k}'`, "objectStrict");
	}
	object(o: Obj, key: string, path: string): Obj | null {
		if (isObj(o[key])) return o[key] as Obj;
		this.fail(path + key, "must be an object", "object", o[key]);
		return null;
	}

	source(o: Obj, path: string): void {
		const s = this.object(o, "source", path);
		if (!s) return;
		const p = `${path}source.`;
		this.oneOf(s, "type", p, ["tick", "indicator", "window", "event"]);
		const type = s.type as Source["type"];
		if (type === "tick") {
			this.oneOf(s, "field", p, ["price", "size"]);
			this.only(s, p, ["type", "field"]);
		} else if (type === "indicator") {
			this.text(s, "name", p, NAME);
			this.only(s, p, ["type", "name"]);
		} else if (type === "window") {
			if (!isMetricName(s.metric)) this.fail(`${p}metric`, "not a metric name", "stringPattern", s.metric);
			if (!isWindowName(s.window)) this.fail(`${p}window`, `one of ${WINDOWS.join(", ")}`, "enumValue", s.window);
			this.oneOf(s, "stat", p, WINDOW_STATS);
			this.only(s, p, ["type", "metric", "window", "stat"]);
		} else if (type === "event") {
			if (!isEventType(s.event_type)) this.fail(`${p}event_type`, `one of ${EVENT_TYPES.join(", ")}`, "enumValue", s.event_type);
			this.text(s, "field", p, FIELD_PATH, true);
			this.only(s, p, ["type", "event_type", "field"]);
		}
	}
	condition(o: Obj, path: string, ops: readonly string[]): void {
		this.source(o, path);
		this.oneOf(o, "op", path, ops);
		this.num(o, "value", path, -Number.MAX_VALUE, Number.MAX_VALUE);
	}
}

const COMMON = ["kind", "name", "entity"];
const PLAIN_OPS = OPS.filter(o => !o.startsWith("crosses"));

export function checkPattern(body: unknown): PatternBody | FieldError[] {
	if (!isObj(body)) return [{ field: "body", message: "a pattern must be a JSON object", type: "object" }];
	const c = new Checker();
	c.oneOf(body, "kind", "", PATTERN_KINDS);
	c.text(body, "name", "", /^.{1,128}$/s, true);
	c.text(body, "entity", "", ENTITY, true);
	switch (body.kind) {
		case "threshold":
			c.condition(body, "", OPS);
			c.num(body, "for_ms", "", 0, DAY_MS, true);
			c.only(body, "", [...COMMON, "source", "op", "value", "for_ms"]);
			break;
		case "sequence": {
			const steps = body.steps;
			if (!Array.isArray(steps) || steps.length < 2 || steps.length > MAX_STEPS) c.fail("steps", `an array of 2 to ${MAX_STEPS} conditions`, "array", steps);
			else steps.forEach((s, i) => (isObj(s) ? (c.condition(s, `steps[${i}].`, PLAIN_OPS), c.only(s, `steps[${i}].`, ["source", "op", "value"])) : c.fail(`steps[${i}]`, "must be an object", "object")));
			c.num(body, "within_ms", "", 1, DAY_MS);
			c.only(body, "", [...COMMON, "steps", "within_ms"]);
			break;
		}
		case "absence":
			c.source(body, "");
			c.num(body, "within_ms", "", 1, DAY_MS);
			c.only(body, "", [...COMMON, "source", "within_ms"]);
			break;
		case "rate":
			c.source(body, "");
			c.num(body, "change_pct", "", 0, 1e6);
			c.num(body, "within_ms", "", 1, DAY_MS);
			c.only(body, "", [...COMMON, "source", "change_pct", "within_ms"]);
			break;
		case "correlation":
			for (const side of ["a", "b"]) {
				const s = c.object(body, side, "");
				if (s) {
					c.source(s, `${side}.`);
					c.text(s, "entity", `${side}.`, ENTITY);
					c.only(s, `${side}.`, ["source", "entity"]);
				}
			}
			c.oneOf(body, "op", "", OPS);
			c.num(body, "value", "", -1, 1);
			c.num(body, "within_ms", "", 1, DAY_MS);
			c.only(body, "", ["kind", "name", "a", "b", "op", "value", "within_ms"]);
			break;
	}
	return c.errors.length > 0 ? c.errors : (body as unknown as PatternBody);
}
