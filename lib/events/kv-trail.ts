/** The audit trail's rows on KV sorted sets (Redis in a cluster): the TrailRows of lib/events/trail-rows.ts. */
import type { KvScored, KvStore } from "../kv/index.ts";
import type { EventType, PlatformEvent } from "./event-types.ts";
import { after, unexpired, type ExpiredBefore, type Position, type TrailRows } from "./trail-rows.ts";

const PAGE = 1000;
const typeKey = (t: EventType) => `events:t:${t}`;
/** `<seq, 16 digits>|<event JSON>`: equal times keep seq order, and the same event is the same member. */
const memberOf = (e: PlatformEvent) => `${String(e.seq).padStart(16, "0")}|${JSON.stringify(e)}`;
const seqOf = (member: string) => Number(member.slice(0, 16));
/** The place just before every member of that position (its seq with nothing after it sorts first). */
const justBefore = (p: Position): KvScored => ({ score: p.ts, member: String(p.seq).padStart(16, "0") });

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
		for (let at = start ? justBefore(start) : undefined; ; ) {
			const rows = await this.kv.zrangeByScore(typeKey(type), from, to, PAGE, at);
			const page: PlatformEvent[] = [];
			for (const r of rows) if (!start || after({ ts: r.score, seq: seqOf(r.member) }, start)) page.push(JSON.parse(r.member.slice(17)) as PlatformEvent);
			if (page.length) yield page;
			if (rows.length < PAGE) return;
			at = rows[rows.length - 1];
		}
	}
}
