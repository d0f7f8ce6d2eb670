/**
 * The events audit trail: its rows in a TrailRows (lib/events/trail-rows.ts: sorted sets on Redis,
 * time-ordered chunks in memory), and on the KV (lib/kv) a global seq counter and one claim key per
 * caller-given id for idempotency. Each type keeps its rows for its retention, counted from `ts`:
 * older rows are never stored or returned, are trimmed on the next write of that type, and (memory
 * trail) go before any live row when the bound is reached.
 */
import type { KvStore } from "../kv/index.ts";
import { EVENT_TYPES, type EventAnswer, type EventType, type PlatformEvent } from "./event-types.ts";
import type { CheckedEvent } from "./check-events.ts";
import { after, type Position, type TrailRows } from "./trail-rows.ts";
import { KvTrailRows } from "./kv-trail.ts";
import { MemoryTrailRows } from "./memory-trail.ts";

export const MAX_QUERY_LIMIT = 1000;
/** Rows one query reads at most (an entity filter scans): past it the answer ends early with a cursor. */
export const MAX_SCAN = 50_000;

export interface EventQuery {
	type?: EventType;
	entity?: string;
	from?: number;
	to?: number;
	limit: number;
	cursor?: string;
}

export interface EventPage {
	items: PlatformEvent[];
	next: string | null;
}

/** What #store did: rows let go to stay within the memory bound, failed trims, and the types whose rows failed to go in. */
interface Stored {
	dropped: number;
	trimFailed: number;
	failed: Set<EventType>;
	error: unknown;
}

/**
 * What append did. `stored`: the events newly stored, to publish. `error`: the store failed for some
 * types (their events are not in `stored`, and their ids are free for a retry), to answer once the
 * others are published. `trimFailed`: types whose trim failed (their next write trims again).
 */
export interface Appended {
	answers: EventAnswer[];
	stored: PlatformEvent[];
	dropped: number;
	trimFailed: number;
	error: unknown;
}

/** What an id's claim holds: the whole event where rows outlive their writer, else the first answer. */
type Claim = PlatformEvent | EventAnswer;

const keys = {
	seq: "events:seq",
	id: (id: string) => `events:id:${id}`,
};

export function encodeCursor(p: Position): string {
	return Buffer.from(`${p.ts}:${p.seq}`).toString("base64url");
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): Position | null {
	const m = /^(\d{1,16}):(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString());
	return m ? { ts: Number(m[1]), seq: Number(m[2]) } : null;
}

/** One memory trail per MemoryKv: it lives as long as the KV, as the sorted sets in it did. */
const memoryTrails = new WeakMap<KvStore, MemoryTrailRows>();

/**
 * The trail rows for a node's KV: sorted sets on Redis; beside a MemoryKv, chunks in memory holding
 * at most `memoryMaxRows` (the first call for a KV sets it).
 */
export function trailRowsOf(kv: KvStore, memoryMaxRows: number): TrailRows {
	if (kv.kind !== "memory") return new KvTrailRows(kv);
	let rows = memoryTrails.get(kv);
	if (!rows) memoryTrails.set(kv, (rows = new MemoryTrailRows({ maxRows: memoryMaxRows })));
	return rows;
}

export class EventLog {
	constructor(
		readonly kv: KvStore,
		readonly rows: TrailRows,
		readonly retentionMs: Record<EventType, number>,
		readonly now: () => number = Date.now,
	) {}

	/**
	 * Store checked events; answers in request order. A caller-given id already stored (or repeated
	 * in the batch) gets its first answer and is not stored again. If the store of a type fails after
	 * ids were claimed, the claims of that type are withdrawn so a retry with the same ids stores them,
	 * and the failure comes back as `error` (not thrown) beside the events of the types that did go in:
	 * those keep their claims, so a retry does not store them a second time. On rows that outlive
	 * their writer (Redis) a claim holds the whole event, and a repeated id writes it again (idempotent):
	 * a writer killed between its claim and its store (kill -9), or whose store failed, leaves no id
	 * answered but missing from the trail; one past its type's retention is not written (add drops it).
	 * Beside the memory trail, which dies with its writer, a claim holds only the answer
	 * `{id, seq, type, ts}`. `dropped`: older rows the memory trail let go to stay within its bound.
	 */
	async append(events: CheckedEvent[]): Promise<Appended> {
		const last = await this.kv.incrBy(keys.seq, events.length);
		const first = last - events.length + 1;
		const answers: EventAnswer[] = new Array(events.length);
		const fresh: PlatformEvent[] = [];
		const firstIndex = new Map<string, number>();
		const claims: Array<Promise<void>> = [];
		const claimed: Array<{ id: string; type: EventType }> = [];
		// Events claimed before whose writer may have died between the claim and the store, or whose store
		// failed: written again (the same member, so a no-op when it is there), so a retry cannot lose one.
		const again: PlatformEvent[] = [];
		for (let i = 0; i < events.length; i++) {
			const e = events[i];
			const answer: EventAnswer = { id: e.id, seq: first + i, type: e.type, ts: e.ts };
			const event: PlatformEvent = { v: 1, id: e.id, seq: answer.seq, type: e.type, ts: e.ts, entity: e.entity, severity: e.severity, data: e.data };
			const claim: Claim = this.rows.outlivesWriter ? event : answer;
			if (!e.idGiven) {
				answers[i] = answer;
				fresh.push(event);
				continue;
			}
			if (firstIndex.has(e.id)) continue;
			firstIndex.set(e.id, i);
			claims.push(
				this.kv.setIfAbsent<Claim>(keys.id(e.id), claim, this.retentionMs[e.type]).then(prior => {
					if (prior) {
						answers[i] = { id: prior.id, seq: prior.seq, type: prior.type, ts: prior.ts };
						if ("v" in prior && prior.v === 1) again.push(prior);
					} else {
						answers[i] = answer;
						claimed.push({ id: e.id, type: e.type });
						fresh.push(event);
					}
				}),
			);
		}
		// Later duplicates in the batch point at the first one's (possibly prior) answer.
		await Promise.all(claims);
		for (let i = 0; i < events.length; i++) if (events[i].idGiven) answers[i] = answers[firstIndex.get(events[i].id)!];
		// #store settles every type (it does not throw): a failure comes back in `failed`.
		const { dropped, trimFailed, failed, error } = await this.#store(again.length ? [...fresh, ...again] : fresh);
		// Claims settle in any order; without them `fresh` is already in seq order.
		if (claims.length > 0) fresh.sort((a, b) => a.seq - b.seq);
		if (failed.size === 0) return { answers, stored: fresh, dropped, trimFailed, error: null };
		// Only the claims of the types not written: rows of the others are in the trail, and a retry
		// must find their claims (and write the same rows again), not claim them anew with new seqs.
		// Those rows are handed back to be published now: a retry answers them as repeats.
		await Promise.allSettled(claimed.filter(c => failed.has(c.type)).map(c => this.kv.del(keys.id(c.id))));
		return { answers, stored: fresh.filter(e => !failed.has(e.type)), dropped, trimFailed, error };
	}

	/** Each type's rows added, then trimmed. A failed trim fails nothing: the type's next write trims again. */
	async #store(events: PlatformEvent[]): Promise<Stored> {
		const byType = new Map<EventType, PlatformEvent[]>();
		for (const e of events) {
			const rows = byType.get(e.type);
			if (rows) rows.push(e);
			else byType.set(e.type, [e]);
		}
		const now = this.now();
		// Rows past their retention are not stored, and a bound lets expired rows of any type go first.
		const expiredBefore = (t: EventType) => now - this.retentionMs[t];
		const types = [...byType.keys()];
		const added = await Promise.allSettled(
			[...byType].map(async ([type, rows]) => {
				const dropped = await this.rows.add(type, rows, expiredBefore);
				const trimmed = await this.rows.trim(type, expiredBefore(type)).then(
					() => true,
					() => false,
				);
				return { dropped, trimmed };
			}),
		);
		const stored: Stored = { dropped: 0, trimFailed: 0, failed: new Set(), error: null };
		added.forEach((r, i) => {
			if (r.status === "fulfilled") {
				stored.dropped += r.value.dropped;
				if (!r.value.trimmed) stored.trimFailed++;
			} else {
				if (stored.failed.size === 0) stored.error = r.reason ?? new Error(`storing ${types[i]} events failed`);
				stored.failed.add(types[i]);
			}
		});
		return stored;
	}

	/** The audit trail in (ts, seq) order after the cursor; `next` continues it, null at the end. */
	async query(q: EventQuery): Promise<EventPage> {
		const start = q.cursor ? decodeCursor(q.cursor) : null;
		const now = this.now();
		const perType = await Promise.all((q.type ? [q.type] : [...EVENT_TYPES]).map(t => this.#scan(t, q, start, now)));
		const merged = perType.flatMap(r => r.items).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
		// A type whose scan stopped early bounds what is known to be complete: nothing past its position.
		const horizon = perType
			.filter(r => r.stoppedAt)
			.map(r => r.stoppedAt!)
			.sort((a, b) => a.ts - b.ts || a.seq - b.seq)[0];
		const known = horizon ? merged.filter(e => !after(e, horizon)) : merged;
		if (known.length > q.limit) return { items: known.slice(0, q.limit), next: encodeCursor(known[q.limit - 1]) };
		return { items: known, next: horizon ? encodeCursor(horizon) : null };
	}

	/** Up to limit + 1 matching events of one type after `start`, reading at most MAX_SCAN rows. */
	async #scan(type: EventType, q: EventQuery, start: Position | null, now: number): Promise<{ items: PlatformEvent[]; stoppedAt: Position | null }> {
		const items: PlatformEvent[] = [];
		let scanned = 0;
		for await (const rows of this.rows.scan(type, Math.max(q.from ?? 0, now - this.retentionMs[type]), q.to ?? Infinity, start)) {
			for (const e of rows) {
				scanned++;
				if (q.entity !== undefined && e.entity !== q.entity) {
					if (scanned >= MAX_SCAN) return { items, stoppedAt: { ts: e.ts, seq: e.seq } };
					continue;
				}
				items.push(e);
				if (items.length > q.limit) return { items, stoppedAt: null };
			}
		}
		return { items, stoppedAt: null };
	}
}
