/**
 * Where the audit trail's rows live: one time-ordered series per event type. Two implementations
 * pass one contract (test/integration/trail.contract.spec.ts): `KvTrailRows` (kv-trail.ts), sorted
 * sets on the KV (Redis in a cluster), and `MemoryTrailRows` (memory-trail.ts), time-ordered chunks
 * of copied events for embedded mode. `trailRowsOf(kv)` (event-log.ts) picks the one for a node's
 * KV. Seqs and idempotency claims stay on the KV either way.
 */
import type { EventType, PlatformEvent } from "./event-types.ts";

/** A place in the trail: rows are ordered by `ts`, then `seq`. */
export interface Position {
	ts: number;
	seq: number;
}

/** Per type, the ts before which its rows are past their retention. */
export type ExpiredBefore = (type: EventType) => number;

/** The events still within their retention (all of them without a cutoff). */
export const unexpired = (type: EventType, events: readonly PlatformEvent[], expiredBefore?: ExpiredBefore): readonly PlatformEvent[] => {
	if (!expiredBefore) return events;
	const before = expiredBefore(type);
	return events.every(e => e.ts >= before) ? events : events.filter(e => e.ts >= before);
};

/** a comes after b in trail order. */
export const after = (a: Position, b: Position) => a.ts > b.ts || (a.ts === b.ts && a.seq > b.seq);

export interface TrailRows {
	/**
	 * The rows outlive the process that writes them (on the KV, shared by the nodes): an id's claim
	 * then holds the whole event, so a retry can write a row whose writer died between claim and store.
	 * Memory rows die with their writer, as its MemoryKv claims do: a claim holds only the answer.
	 */
	readonly outlivesWriter: boolean;
	/**
	 * Store rows of one type (any order). A row added again (the same event: same seq and ts) is
	 * kept once, also when two calls race. Stored rows do not change: a caller cannot alter a stored
	 * row through the events it added or read (memory: rows are copied in and out; KV: rows are JSON).
	 * Answers how many older rows were dropped to keep a bound on memory (always 0 on the KV).
	 * With `expiredBefore` (per type, the ts before which its rows are past their retention), events
	 * already past it are not stored, and a bound drops rows of every type past it before any other.
	 */
	add(type: EventType, events: readonly PlatformEvent[], expiredBefore?: ExpiredBefore): Promise<number>;
	/** Drop the rows of `type` with ts < before. */
	trim(type: EventType, before: number): Promise<void>;
	/**
	 * The rows of `type` with from ≤ ts ≤ to and after `start` (when given), in (ts, seq) order, in
	 * pages; the caller may stop early. Rows a caller gets cannot change what is stored.
	 */
	scan(type: EventType, from: number, to: number, start: Position | null): AsyncIterable<readonly PlatformEvent[]>;
}
