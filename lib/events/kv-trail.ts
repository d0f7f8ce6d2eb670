/** The audit trail's rows on KV sorted sets (Redis in a cluster): the TrailRows of lib/events/trail-rows.ts. */
import type { KvScored, KvStore } from "../kv/index.ts";
import type { EventType, PlatformEvent } from "./event-types.ts";
import { unexpired, type ExpiredBefore, type Position, type TrailRows } from "./trail-rows.ts";

const PAGE = 1000;
const typeKey = (t: EventType) => `events:t:${t}`;
const seqKey = (seq: number) => String(seq).padStart(16, "0");
/** `<seq, 16 digits>|<event JSON>`: equal times keep seq order, and the same event is the same member. */
const memberOf = (e: PlatformEvent) => `${seqKey(e.seq)}|${JSON.stringify(e)}`;
/**
 * The place just past a position: after every member of its seq (`<seq>|{…}`, and `}` sorts after
 * `|`), before every member of a later seq at that ts (a greater 16-digit prefix).
 */
const justAfter = (p: Position): KvScored => ({ score: p.ts, member: `${seqKey(p.seq)}}` });

/** The trail on KV sorted sets: `rk:events:t:{type}` scored by ts, members `<seq>|<event JSON>`. */
export class KvTrailRows implements TrailRows {
	readonly outlivesWriter = true;

	constructor(readonly kv: KvStore) {}

	async add(type: EventType, events: readonly PlatformEvent[], expiredBefore?: ExpiredBefore): Promise<number> {
		const live = unexpired(type, events, expiredBefore);
		if (live.length === 0) return 0;
		const rows: KvScored[] = live.map(e => ({ score: e.ts, member: memberOf(e) }));
		await this.kv.zadd(typeKey(type), rows);
		return 0;
	}

	async trim(type: EventType, before: number): Promise<void> {
		await this.kv.zremRangeByScore(typeKey(type), -Infinity, before - 1);
	}

	/** Each page starts past the last row given (not at an offset): rows added or trimmed meanwhile shift nothing. */
	async *scan(type: EventType, from: number, to: number, start: Position | null): AsyncIterable<readonly PlatformEvent[]> {
		for (let at = start ? justAfter(start) : undefined; ; ) {
			const rows = await this.kv.zrangeByScore(typeKey(type), from, to, PAGE, at);
			if (rows.length) yield rows.map(r => JSON.parse(r.member.slice(17)) as PlatformEvent);
			if (rows.length < PAGE) return;
			at = rows[rows.length - 1];
		}
	}
}
