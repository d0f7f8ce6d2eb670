/**
 * The pure pattern evaluator: one pattern's state and how an event changes it (no broker, no
 * clock of its own: time comes in the inputs and in `clock` events, so tests use a fake clock and
 * a replay of the same events gives the same state). It is the `StateHooks` of a pattern's keyed
 * actor (services/patterns.service.ts).
 *
 * Once per match: every condition is edge-triggered per entity. It fires when it becomes true
 * (held `for_ms` first, if given) and not again until it has been false; `crosses_above` needs a
 * value at or below the bound before the one above it, so it re-fires only after crossing back.
 */
import type { StateHooks } from "../keyed/state-actor.ts";
import { sourceKey, type Input, type Op, type PatternDef, type Source } from "./pattern-types.ts";

/** Entities one pattern tracks; past it new entities are not tracked (counted in `dropped`). */
export const MAX_ENTITIES = 10_000;
/** Points one entity keeps for `rate` and `correlation` (the oldest go first). */
export const MAX_POINTS = 1024;
/** Matches kept in the state for GET (the count goes on). */
export const RECENT_MATCHES = 16;

export interface Match {
	/** 1, 2, …: with the pattern id, the `pattern_matched` event's id (so a re-emit is stored once). */
	n: number;
	entity: string;
	ts: number;
	inputs: Record<string, unknown>;
}

/** Per entity: the last value, since when the condition holds, whether it fired, the step, the points. */
export interface EntityState {
	prev: number | null;
	since: number | null;
	fired: boolean;
	step: number;
	start: number;
	last: number;
	got: Input[];
	points: Array<[number, number, number]>;
}

export interface PatternState {
	def: PatternDef | null;
	entities: Record<string, EntityState>;
	/** How many entities are tracked. */
	tracked: number;
	matches: number;
	recent: Match[];
	dropped: number;
	/** Per router (the node that sent inputs): its last batch number applied, so a re-sent batch is applied once. */
	batches: Record<string, number>;
}

/** `from`/`n`: the routing node and its batch number (increasing), for at-most-once application of a re-sent batch. */
export type PatternEvent = { t: "def"; def: PatternDef } | { t: "in"; inputs: Input[]; from?: string; n?: number } | { t: "clock"; now: number };

const newEntity = (now: number): EntityState => ({ prev: null, since: null, fired: false, step: 0, start: 0, last: now, got: [], points: [] });

export function compare(op: Op, v: number, bound: number): boolean {
	switch (op) {
		case "gt":
		case "crosses_above":
			return v > bound;
		case "lt":
		case "crosses_below":
			return v < bound;
		case "gte":
			return v >= bound;
		case "lte":
			return v <= bound;
		case "eq":
			return v === bound;
	}
}

/** Is the condition on: for crosses_*, above (below) the bound after a value on the other side. */
function active(op: Op, e: EntityState, v: number, bound: number): boolean {
	if (!compare(op, v, bound)) return false;
	if (op !== "crosses_above" && op !== "crosses_below") return true;
	return e.since !== null || (e.prev !== null && !compare(op, e.prev, bound));
}

export function initialState(): PatternState {
	return { def: null, entities: {}, tracked: 0, matches: 0, recent: [], dropped: 0, batches: {} };
}

function fire(s: PatternState, entity: string, ts: number, inputs: Record<string, unknown>): void {
	s.matches++;
	s.recent.push({ n: s.matches, entity, ts, inputs });
	if (s.recent.length > RECENT_MATCHES) s.recent.shift();
}

function entityOf(s: PatternState, name: string, now: number): EntityState | null {
	const e = s.entities[name];
	if (e) return e;
	if (s.tracked >= MAX_ENTITIES) {
		s.dropped++;
		return null;
	}
	s.tracked++;
	return (s.entities[name] = newEntity(now));
}

/** The edge-triggered condition step shared by threshold and correlation: true when it fires now. */
function condition(e: EntityState, op: Op, bound: number, forMs: number, v: number, ts: number): boolean {
	let fires = false;
	if (!active(op, e, v, bound)) {
		e.since = null;
		e.fired = false;
	} else {
		e.since ??= ts;
		if (!e.fired && ts - e.since >= forMs) fires = e.fired = true;
	}
	e.prev = v;
	return fires;
}

// Series keys of a definition's sources, computed once per source object (definitions are not changed).
const keys = new WeakMap<object, string>();
function keyOf(src: Source): string {
	let k = keys.get(src);
	if (k === undefined) keys.set(src, (k = sourceKey(src)));
	return k;
}

function pearson(points: Array<[number, number, number]>): number | null {
	const n = points.length;
	if (n < 3) return null;
	let sx = 0,
		sy = 0,
		sxx = 0,
		syy = 0,
		sxy = 0;
	for (const [, x, y] of points) {
		sx += x;
		sy += y;
		sxx += x * x;
		syy += y * y;
		sxy += x * y;
	}
	const cov = n * sxy - sx * sy;
	const vx = n * sxx - sx * sx;
	const vy = n * syy - sy * sy;
	if (vx <= 0 || vy <= 0) return null;
	return Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy)));
}

function trim(points: Array<[number, number, number]>, from: number): void {
	let drop = 0;
	while (drop < points.length && points[drop][0] < from) drop++;
	if (points.length - drop > MAX_POINTS) drop = points.length - MAX_POINTS;
	if (drop > 0) points.splice(0, drop);
}

/** Apply one input to a pattern (the input's key and entity already match one of its sources). */
function input(s: PatternState, def: PatternDef, i: Input): void {
	if (def.kind === "correlation") {
		const side = i.key === keyOf(def.a.source) && i.entity === def.a.entity ? 1 : i.key === keyOf(def.b.source) && i.entity === def.b.entity ? 2 : 0;
		if (side === 0) return;
		const label = `${def.a.entity}|${def.b.entity}`;
		const e = entityOf(s, label, i.ts)!;
		// `got` holds the last a and b; a pair is taken whenever either moves and both are known.
		e.got[side - 1] = i;
		const [a, b] = e.got;
		if (!a || !b) return;
		e.points.push([i.ts, a.value, b.value]);
		trim(e.points, i.ts - def.within_ms);
		const r = pearson(e.points);
		if (r !== null && condition(e, def.op, def.value, 0, r, i.ts)) fire(s, label, i.ts, { r, samples: e.points.length, a: a.value, b: b.value, since: e.since });
		return;
	}
	if (def.entity !== undefined && i.entity !== def.entity) return;
	const e = entityOf(s, i.entity, i.ts);
	if (!e) return;
	switch (def.kind) {
		case "threshold":
			if (i.key === keyOf(def.source) && condition(e, def.op, def.value, def.for_ms ?? 0, i.value, i.ts)) fire(s, i.entity, i.ts, { key: i.key, value: i.value, ts: i.ts, since: e.since });
			return;
		case "absence":
			e.last = Math.max(e.last, i.ts);
			e.fired = false;
			return;
		case "rate": {
			if (i.key !== keyOf(def.source)) return;
			e.points.push([i.ts, i.value, 0]);
			trim(e.points, i.ts - def.within_ms);
			let from: [number, number, number] | null = null;
			let change = 0;
			for (const p of e.points) {
				if (p[1] === 0) continue;
				const c = (Math.abs(i.value - p[1]) / Math.abs(p[1])) * 100;
				if (c > change) [change, from] = [c, p];
			}
			const on = change > def.change_pct;
			if (on && !e.fired) fire(s, i.entity, i.ts, { key: i.key, from: from![1], from_ts: from![0], to: i.value, ts: i.ts, change_pct: change });
			e.fired = on;
			return;
		}
		case "sequence": {
			if (e.step > 0 && i.ts - e.start > def.within_ms) {
				e.step = 0;
				e.got = [];
			}
			const want = def.steps[e.step];
			if (i.key !== keyOf(want.source) || !compare(want.op, i.value, want.value)) return;
			if (e.step === 0) e.start = i.ts;
			e.got.push(i);
			if (++e.step < def.steps.length) return;
			fire(s, i.entity, i.ts, { steps: e.got.map(g => ({ key: g.key, value: g.value, ts: g.ts })) });
			e.step = 0;
			e.got = [];
		}
	}
}

/** Time passes: `absence` and threshold `for_ms` fire on the clock too. */
function clock(s: PatternState, def: PatternDef, now: number): void {
	for (const [name, e] of Object.entries(s.entities)) {
		if (def.kind === "absence" && !e.fired && now - e.last >= def.within_ms) {
			e.fired = true;
			fire(s, name, now, { last_seen: e.last, now, within_ms: def.within_ms });
		} else if (def.kind === "threshold" && def.for_ms && e.since !== null && !e.fired && now - e.since >= def.for_ms) {
			e.fired = true;
			fire(s, name, now, { key: sourceKey(def.source), value: e.prev, since: e.since, ts: now });
		}
	}
}

/** Would a clock event at `now` change anything? (Only then is it logged.) */
export function clockDue(s: PatternState, now: number): boolean {
	const def = s.def;
	if (!def || (def.kind !== "absence" && !(def.kind === "threshold" && def.for_ms))) return false;
	for (const e of Object.values(s.entities)) {
		if (def.kind === "absence" ? !e.fired && now - e.last >= def.within_ms : e.since !== null && !e.fired && now - e.since >= def.for_ms!) return true;
	}
	return false;
}

export function applyPattern(s: PatternState, ev: PatternEvent): PatternState {
	if (ev.t === "def") {
		s.def = ev.def;
		// An absence pattern on one entity counts from its creation, seen or not.
		if (ev.def.kind === "absence" && ev.def.entity !== undefined) entityOf(s, ev.def.entity, ev.def.created_at);
		return s;
	}
	const def = s.def;
	if (!def) return s;
	if (ev.t === "clock") clock(s, def, ev.now);
	else if (!isRepeat(s, ev)) for (const i of ev.inputs) input(s, def, i);
	return s;
}

/** A batch this router sent before (a retry after a timeout that had been applied). */
export function isRepeat(s: PatternState, ev: { from?: string; n?: number }): boolean {
	if (ev.from === undefined || ev.n === undefined) return false;
	if ((s.batches[ev.from] ?? 0) >= ev.n) return true;
	s.batches[ev.from] = ev.n;
	return false;
}

/** A pattern's keyed-actor hooks. */
export const patternHooks: StateHooks<PatternState, PatternEvent> = {
	initial: () => initialState(),
	apply: (s, ev) => applyPattern(s, ev),
};
