/**
 * Which patterns read which series, on every node: turns a tick, an indicator message or a batch
 * of platform events into the inputs of each pattern that reads them (pattern id → inputs), so a
 * node sends each owner only what its patterns need. Pure: the service rebuilds it from the
 * stored definitions.
 */
import type { PlatformEvent } from "../events/event-types.ts";
import { eventValue, sourceKey, sourcesOf, type Input, type PatternDef, type Source } from "./pattern-types.ts";

export class PatternIndex {
	readonly defs = new Map<string, PatternDef>();
	/** series key → the patterns reading it. */
	#byKey = new Map<string, PatternDef[]>();
	/** event type → the event sources read (one per distinct field). */
	#eventSources = new Map<string, Array<Extract<Source, { type: "event" }>>>();

	constructor(defs: Iterable<PatternDef> = []) {
		for (const d of defs) this.defs.set(d.id, d);
		this.#build();
	}

	#build(): void {
		this.#byKey.clear();
		this.#eventSources.clear();
		for (const def of this.defs.values()) {
			for (const s of sourcesOf(def)) {
				const key = sourceKey(s);
				const list = this.#byKey.get(key) ?? [];
				if (!list.includes(def)) list.push(def);
				this.#byKey.set(key, list);
				if (s.type === "event") {
					const known = this.#eventSources.get(s.event_type) ?? [];
					if (!known.some(k => k.field === s.field)) known.push(s);
					this.#eventSources.set(s.event_type, known);
				}
			}
		}
	}

	replace(defs: Iterable<PatternDef>): void {
		this.defs.clear();
		for (const d of defs) this.defs.set(d.id, d);
		this.#build();
	}

	get size(): number {
		return this.defs.size;
	}

	/** The window sources read (polled once a second by their patterns' owners). */
	ofKind(pred: (def: PatternDef) => boolean): PatternDef[] {
		return [...this.defs.values()].filter(pred);
	}

	/** Add each input to the inputs of the patterns that read its series and entity. */
	route(inputs: Input[], out = new Map<string, Input[]>()): Map<string, Input[]> {
		for (const i of inputs) {
			for (const def of this.#byKey.get(i.key) ?? []) {
				if (!reads(def, i)) continue;
				const list = out.get(def.id);
				if (list) list.push(i);
				else out.set(def.id, [i]);
			}
		}
		return out;
	}

	/** The inputs a batch of platform events makes (entity: the event's, or `-` without one). */
	eventInputs(events: PlatformEvent[]): Input[] {
		const out: Input[] = [];
		for (const e of events) {
			for (const s of this.#eventSources.get(e.type) ?? []) {
				const value = eventValue(e.data, s.field);
				if (value !== null) out.push({ key: sourceKey(s), entity: e.entity ?? "-", value, ts: e.ts });
			}
		}
		return out;
	}
}

function reads(def: PatternDef, i: Input): boolean {
	if (def.kind === "correlation") return (i.entity === def.a.entity && i.key === sourceKey(def.a.source)) || (i.entity === def.b.entity && i.key === sourceKey(def.b.source));
	return def.entity === undefined || def.entity === i.entity;
}

/** The inputs of a tick (`tick.price`, `tick.size`). */
export function tickInputs(t: { symbol?: unknown; price?: unknown; size?: unknown; ts?: unknown }, now: number): Input[] {
	if (typeof t.symbol !== "string") return [];
	const ts = typeof t.ts === "number" ? t.ts : now;
	const out: Input[] = [];
	if (typeof t.price === "number") out.push({ key: "tick.price", entity: t.symbol, value: t.price, ts });
	if (typeof t.size === "number") out.push({ key: "tick.size", entity: t.symbol, value: t.size, ts });
	return out;
}

/** The inputs of an indicators message (`indicator.{name}`, null values skipped). */
export function indicatorInputs(m: { symbol?: unknown; time?: unknown; values?: unknown }, now: number): Input[] {
	if (typeof m.symbol !== "string" || m.values === null || typeof m.values !== "object") return [];
	const ts = typeof m.time === "number" ? m.time : now;
	const out: Input[] = [];
	for (const [name, v] of Object.entries(m.values as Record<string, unknown>)) if (typeof v === "number") out.push({ key: `indicator.${name}`, entity: m.symbol, value: v, ts });
	return out;
}
