/**
 * Pattern definitions (complex-event processing, docs/events.md "Patterns") and the inputs they
 * read. An input is one number of one series for one entity at one time; a source names a series.
 */
import type { EventType } from "../events/event-types.ts";
import type { WindowName } from "../analytics/window-spec.ts";

export const PATTERN_KINDS = ["threshold", "sequence", "absence", "rate", "correlation"] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];
export const OPS = ["gt", "lt", "gte", "lte", "eq", "crosses_above", "crosses_below"] as const;
export type Op = (typeof OPS)[number];
export const WINDOW_STATS = ["count", "sum", "avg", "min", "max", "p50", "p95", "p99"] as const;
export type WindowStat = (typeof WINDOW_STATS)[number];

/** Where a pattern reads numbers: a tick field, an indicator, a window aggregate, an event field. */
export type Source =
	| { type: "tick"; field: "price" | "size" }
	| { type: "indicator"; name: string }
	| { type: "window"; metric: string; window: WindowName; stat: WindowStat }
	/** `field` a dotted path into `data` (a number); without it an event counts as the value 1. */
	| { type: "event"; event_type: EventType; field?: string };

export interface Condition {
	source: Source;
	op: Op;
	value: number;
}

interface Base {
	id: string;
	name?: string;
	/** Only this entity (symbol, metric, event entity); all entities when absent (state per entity). */
	entity?: string;
	created_at: number;
	created_by: string;
}
export type PatternDef = Base &
	(
		| ({ kind: "threshold"; for_ms?: number } & Condition)
		| { kind: "sequence"; steps: Array<Omit<Condition, "op"> & { op: Exclude<Op, "crosses_above" | "crosses_below"> }>; within_ms: number }
		| { kind: "absence"; source: Source; within_ms: number }
		| { kind: "rate"; source: Source; change_pct: number; within_ms: number }
		| { kind: "correlation"; a: { source: Source; entity: string }; b: { source: Source; entity: string }; within_ms: number; op: Op; value: number }
	);

/** One number of one series (`key`, see sourceKey) for one entity. */
export interface Input {
	key: string;
	entity: string;
	value: number;
	ts: number;
}

/** The series key of a source: what inputs carry and the index of patterns by series uses. */
export function sourceKey(s: Source): string {
	switch (s.type) {
		case "tick":
			return `tick.${s.field}`;
		case "indicator":
			return `indicator.${s.name}`;
		case "window":
			return `window.${s.metric}.${s.window}.${s.stat}`;
		case "event":
			return `event.${s.event_type}.${s.field ?? ""}`;
	}
}

/** Every source a pattern reads. */
export function sourcesOf(def: PatternDef): Source[] {
	switch (def.kind) {
		case "threshold":
		case "absence":
		case "rate":
			return [def.source];
		case "sequence":
			return def.steps.map(s => s.source);
		case "correlation":
			return [def.a.source, def.b.source];
	}
}

/** A number from an event's `data` at a dotted path (the value 1 for no path), or null. */
export function eventValue(data: Record<string, unknown>, field: string | undefined): number | null {
	if (!field) return 1;
	let v: unknown = data;
	for (const part of field.split(".")) {
		if (v === null || typeof v !== "object") return null;
		v = (v as Record<string, unknown>)[part];
	}
	return typeof v === "number" && Number.isFinite(v) ? v : null;
}
