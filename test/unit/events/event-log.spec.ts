/**
 * EventLog on the embedded trail (MemoryKv + MemoryTrailRows, fake clock): the bound
 * (`events.memoryMaxRows`) never drops a live row while rows past their retention are held or
 * offered; an id's claim holds only its answer, and a repeated id never brings back a dropped row.
 * On KV rows (as on Redis) a claim holds the event, so a retry writes a row its writer never stored;
 * after a store that failed for one type, a retry stores the rows of the others not a second time.
 */
import { expect } from "chai";
import { MemoryKv, type KvScored } from "../../../lib/kv/index.ts";
import { EventLog } from "../../../lib/events/event-log.ts";
import { MemoryTrailRows } from "../../../lib/events/memory-trail.ts";
import { KvTrailRows } from "../../../lib/events/kv-trail.ts";
import { DEFAULT_RETENTION_MS, type EventType } from "../../../lib/events/event-types.ts";
import type { CheckedEvent } from "../../../lib/events/check-events.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");
const perf = (ts: number, id?: string): CheckedEvent => ({ id: id ?? `p${ts}`, idGiven: id !== undefined, type: "performance_metric", ts, entity: null, severity: "info", data: { metric_name: "lat", value: 1 } });
const alert = (ts: number, id?: string): CheckedEvent => ({ id: id ?? `a${ts}`, idGiven: id !== undefined, type: "alert_triggered", ts, entity: "AAPL", severity: "high", data: { rule_id: "r1", message: "up" } });

function setup(maxRows: number) {
	const clock = { now: T0 };
	const kv = new MemoryKv({ now: () => clock.now });
	const rows = new MemoryTrailRows({ maxRows, chunk: 64 });
	const log = new EventLog(kv, rows, DEFAULT_RETENTION_MS, () => clock.now);
	const held = async (type: EventType) => (await log.query({ type, limit: 1000 })).items;
	return { clock, kv, rows, log, held };
}

describe("lib/events/event-log: the memory trail's bound and retention", () => {
	it("does not let events already past their retention push live rows out (ts: 0)", async () => {
		const { rows, log, held } = setup(1000);
		await log.append(Array.from({ length: 1000 }, (_, i) => alert(T0 - 1000 + i)));
		const r = await log.append(Array.from({ length: 500 }, (_, i) => ({ ...perf(0), id: `old${i}` })));
		expect(r.dropped, "live rows dropped").to.equal(0);
		expect(r.answers).to.have.length(500);
		expect([rows.size("alert_triggered"), rows.size("performance_metric")]).to.deep.equal([1000, 0]);
		expect(await held("alert_triggered")).to.have.length(1000);
	});

	it("lets expired rows of a type no one writes to again go before any live row", async () => {
		const { clock, rows, log, held } = setup(1000);
		await log.append(Array.from({ length: 1000 }, (_, i) => perf(T0 - 1000 + i)));
		clock.now += DEFAULT_RETENTION_MS.performance_metric + 1000; // every perf row is past its 60 s
		const r = await log.append(Array.from({ length: 500 }, (_, i) => alert(clock.now - 500 + i)));
		expect(r.dropped, "no live row needed to go").to.equal(0);
		expect([rows.size(), rows.size("performance_metric"), rows.size("alert_triggered")]).to.deep.equal([500, 0, 500]);
		expect(await held("alert_triggered")).to.have.length(500);
	});

	it("still drops the oldest live rows past the bound, counting them", async () => {
		const { rows, log } = setup(1000);
		await log.append(Array.from({ length: 800 }, (_, i) => alert(T0 - 2000 + i)));
		const r = await log.append(Array.from({ length: 400 }, (_, i) => perf(T0 - 400 + i)));
		expect(r.dropped).to.equal(200);
		expect([rows.size("alert_triggered"), rows.size("performance_metric")]).to.deep.equal([600, 400]);
	});
});

describe("lib/events/event-log: idempotency claims", () => {
	it("beside the memory trail, keeps only the answer {id, seq, type, ts} in a claim", async () => {
		const { kv, log } = setup(1000);
		const big = { ...perf(T0, "run-1"), data: { metric_name: "lat", value: 1, note: "x".repeat(10_000) } };
		const [first] = (await log.append([big])).answers;
		expect(await kv.get("events:id:run-1")).to.deep.equal(first);
		const again = await log.append([{ ...big, ts: T0 + 5 }]);
		expect(again.answers[0]).to.deep.equal(first);
		expect(again.stored).to.deep.equal([]);
	});

	it("does not bring back a row the bound dropped when its id is sent again, nor evict another", async () => {
		const { rows, log, held } = setup(10);
		await log.append(Array.from({ length: 6 }, (_, i) => alert(T0 - 100 + i, `a${i}`)));
		const firstP = await log.append(Array.from({ length: 6 }, (_, i) => perf(T0 - 50 + i, `p${i}`)));
		expect(firstP.dropped).to.equal(2); // a0, a1: the oldest of the (first) largest type
		const r = await log.append([alert(T0, "a0")]);
		expect(r.answers[0]).to.include({ id: "a0", ts: T0 - 100 });
		expect(r.dropped, "no row evicted for a row let go").to.equal(0);
		expect((await held("alert_triggered")).map(e => e.id)).to.deep.equal(["a2", "a3", "a4", "a5"]);
		expect((await held("performance_metric")).map(e => e.id)).to.deep.equal(["p0", "p1", "p2", "p3", "p4", "p5"]);
		expect(rows.size()).to.equal(10);
	});

	it("on KV rows (Redis), keeps the whole event in a claim, writes a claimed row its writer never stored, not one past its retention", async () => {
		const clock = { now: T0 };
		const kv = new MemoryKv({ now: () => clock.now });
		const log = new EventLog(kv, new KvTrailRows(kv), DEFAULT_RETENTION_MS, () => clock.now);
		const [stored] = (await log.append([alert(T0 - 500, "kept")])).answers;
		expect(await kv.get("events:id:kept")).to.deep.include({ v: 1, ...stored, entity: "AAPL" });
		// Writers killed between their claim and their store: one row newer than the oldest held, one
		// older (a back-fill: nothing lets an unexpired row go on Redis, so it was never written), and
		// one past its type's retention (24 h).
		const lost = (id: string, seq: number, ts: number) => ({ v: 1, id, seq, type: "alert_triggered", ts, entity: "AAPL", severity: "high", data: { rule_id: "r1", message: "up" } });
		await kv.setIfAbsent("events:id:newer", lost("newer", 900, T0 - 100), 60_000);
		await kv.setIfAbsent("events:id:older", lost("older", 901, T0 - 900), 60_000);
		await kv.setIfAbsent("events:id:expired", lost("expired", 902, T0 - 86_400_001), 60_000);
		const r = await log.append([alert(T0, "newer"), alert(T0, "older"), alert(T0, "expired")]);
		expect(r.answers.map(a => [a.id, a.seq, a.ts])).to.deep.equal([
			["newer", 900, T0 - 100],
			["older", 901, T0 - 900],
			["expired", 902, T0 - 86_400_001],
		]);
		const rows = (await log.query({ type: "alert_triggered", limit: 100 })).items.map(e => e.id);
		expect(rows).to.deep.equal(["older", "kept", "newer"]);
	});
	it("after a store that failed for one type, hands back the type it wrote, keeping its claims: a retry stores each id once", async () => {
		/** A KV whose sorted-set add of one key, and then a trim, fail once each. */
		class FlakyKv extends MemoryKv {
			failAdd: string | null = null;
			failTrim = false;
			override async zadd(key: string, entries: readonly KvScored[]): Promise<void> {
				if (this.failAdd !== null && key.endsWith(this.failAdd)) {
					this.failAdd = null;
					throw new Error("zadd failed");
				}
				return super.zadd(key, entries);
			}
			override async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
				if (this.failTrim) {
					this.failTrim = false;
					throw new Error("trim failed");
				}
				return super.zremRangeByScore(key, min, max);
			}
		}
		const clock = { now: T0 };
		const kv = new FlakyKv({ now: () => clock.now });
		const log = new EventLog(kv, new KvTrailRows(kv), DEFAULT_RETENTION_MS, () => clock.now);
		const trail = async (type: EventType) => (await log.query({ type, limit: 100 })).items.map(e => [e.id, e.seq]);
		const batch = [alert(T0 - 10, "a1"), perf(T0 - 5, "p1")];
		kv.failAdd = "events:t:performance_metric";
		const first = await log.append(batch);
		expect((first.error as Error).message).to.equal("zadd failed");
		// What went in comes back to be published: a1, not p1.
		expect(first.stored.map(e => e.id)).to.deep.equal(["a1"]);
		const a1 = first.stored[0].seq;
		const retry = await log.append(batch);
		expect(retry.error).to.equal(null);
		// a1 is a repeat now (answered with its first seq, not published again); p1 is stored.
		expect(retry.stored.map(e => e.id)).to.deep.equal(["p1"]);
		expect(retry.answers.map(a => [a.id, a.seq])).to.deep.equal([
			["a1", a1],
			["p1", retry.stored[0].seq],
		]);
		expect(await trail("alert_triggered")).to.deep.equal([["a1", a1]]);
		expect(await trail("performance_metric")).to.deep.equal([["p1", retry.stored[0].seq]]);
		// A failed trim fails nothing (counted): the row is in, and the type's next write trims.
		kv.failTrim = true;
		const trimless = await log.append([alert(T0, "a2")]);
		expect([trimless.error, trimless.trimFailed, trimless.stored.map(e => e.id)]).to.deep.equal([null, 1, ["a2"]]);
		expect((await trail("alert_triggered")).map(([id]) => id)).to.deep.equal(["a1", "a2"]);
	});
});
