/**
 * One contract for the audit trail's rows (lib/events/trail-rows.ts): the memory chunks of
 * embedded mode must behave as the sorted sets on Redis do (order, repeats kept once, bounds,
 * trimming, paging, rows a caller cannot change), or embedded mode would hide bugs of a cluster.
 */
import { expect } from "chai";
import fc from "fast-check";
import { MemoryKv, RedisKv, type KvStore } from "../../lib/kv/index.ts";
import { KvTrailRows } from "../../lib/events/kv-trail.ts";
import { MemoryTrailRows } from "../../lib/events/memory-trail.ts";
import type { Position, TrailRows } from "../../lib/events/trail-rows.ts";
import type { EventType, PlatformEvent } from "../../lib/events/event-types.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

interface Adapter {
	name: string;
	/** fast-check runs (a Redis round trip per call makes runs dearer). */
	runs: number;
	make(): Promise<{ rows: TrailRows; close(): Promise<void> }>;
}

let redis: TestServer;
let prefixSeq = 0;
const onKv = async (kv: KvStore) => ({ rows: new KvTrailRows(kv), close: () => kv.close() });
const adapters: Adapter[] = [
	// Chunks of 4 rows, so that inserts, splits and trims cross chunk edges at every size.
	{ name: "MemoryTrailRows (chunks of 4)", runs: 200, make: async () => ({ rows: new MemoryTrailRows({ chunk: 4 }), close: async () => {} }) },
	{ name: "MemoryTrailRows", runs: 50, make: async () => ({ rows: new MemoryTrailRows(), close: async () => {} }) },
	{ name: "KvTrailRows on MemoryKv", runs: 50, make: () => onKv(new MemoryKv()) },
	{
		name: "KvTrailRows on RedisKv",
		runs: 25,
		make: async () => {
			const kv = new RedisKv({ url: redis.url, prefix: `t${process.pid}y${++prefixSeq}:` });
			await kv.connect();
			return onKv(kv);
		},
	},
];

const T: EventType = "performance_metric";
const ev = (seq: number, ts: number, type: EventType = T): PlatformEvent => ({
	v: 1,
	id: `e${seq}`,
	seq,
	type,
	ts,
	entity: seq % 2 ? "odd" : null,
	severity: "info",
	data: { metric_name: "lat", value: seq, nested: { list: [seq, "x"] } },
});
const byPosition = (a: Position, b: Position) => a.ts - b.ts || a.seq - b.seq;

async function all(rows: TrailRows, type = T, from = -Infinity, to = Infinity, start: Position | null = null): Promise<PlatformEvent[]> {
	const out: PlatformEvent[] = [];
	for await (const page of rows.scan(type, from, to, start)) out.push(...page);
	return out;
}

before(async () => {
	redis = await startRedis();
});
after(async () => {
	await redis?.stop();
});

for (const adapter of adapters) {
	describe(`Trail rows contract: ${adapter.name}`, () => {
		let rows: TrailRows;
		let close: () => Promise<void>;
		beforeEach(async () => ({ rows, close } = await adapter.make()));
		afterEach(async () => close?.());

		it("keeps each type's rows in (ts, seq) order, each once, however the batches arrive", async () => {
			const batch = fc.array(fc.record({ ts: fc.integer({ min: 0, max: 12 }), again: fc.nat() }), { maxLength: 12 });
			await fc.assert(
				fc.asyncProperty(fc.array(batch, { maxLength: 8 }), async batches => {
					const { rows: r, close: done } = await adapter.make();
					try {
						const model = new Map<number, PlatformEvent>();
						let seq = 0;
						for (const b of batches) {
							// New rows (seqs grow, times do not) and, where `again` says so, a row added before.
							const known = [...model.values()];
							const events = b.map(x => (known.length && x.again % 3 === 0 ? known[x.again % known.length] : ev(++seq, x.ts)));
							await r.add(T, events);
							for (const e of events) model.set(e.seq, e);
						}
						expect(await all(r)).to.deep.equal([...model.values()].sort(byPosition));
					} finally {
						await done();
					}
				}),
				{ numRuns: adapter.runs },
			);
		});

		it("keeps a row added again once: in one call, in two calls, and when two calls race", async () => {
			const a = ev(1, 100);
			await rows.add(T, [a, a]);
			await rows.add(T, [ev(1, 100)]);
			await Promise.all([rows.add(T, [ev(2, 50)]), rows.add(T, [ev(2, 50), ev(3, 50)])]);
			expect((await all(rows)).map(e => e.seq)).to.deep.equal([2, 3, 1]);
		});

		it("reads from ≤ ts ≤ to after a position, per type", async () => {
			await rows.add(T, [ev(1, 10), ev(2, 20), ev(3, 20), ev(4, 30)]);
			await rows.add("alert_triggered", [ev(5, 20, "alert_triggered")]);
			expect((await all(rows, T, 20, 30)).map(e => e.seq)).to.deep.equal([2, 3, 4]);
			expect((await all(rows, T, 10, 20)).map(e => e.seq)).to.deep.equal([1, 2, 3]);
			expect((await all(rows, T, 0, 100, { ts: 20, seq: 2 })).map(e => e.seq)).to.deep.equal([3, 4]);
			expect((await all(rows, T, 25, 100, { ts: 10, seq: 1 })).map(e => e.seq)).to.deep.equal([4]);
			expect((await all(rows, "alert_triggered")).map(e => e.seq)).to.deep.equal([5]);
			expect(await all(rows, "anomaly_detected")).to.deep.equal([]);
			expect(await all(rows, T, 31, 100)).to.deep.equal([]);
		});

		it("trims the rows of one type older than a time, and no others", async () => {
			await rows.add(T, [ev(1, 10), ev(2, 20), ev(3, 20), ev(4, 30)]);
			await rows.add("alert_triggered", [ev(5, 10, "alert_triggered")]);
			await rows.trim(T, 20);
			expect((await all(rows)).map(e => e.seq)).to.deep.equal([2, 3, 4]);
			await rows.trim(T, 31);
			expect(await all(rows)).to.deep.equal([]);
			expect((await all(rows, "alert_triggered")).map(e => e.seq)).to.deep.equal([5]);
			await rows.add(T, [ev(6, 40)]);
			expect((await all(rows)).map(e => e.seq)).to.deep.equal([6]);
		});

		it("does not store rows already past their type's cutoff (expiredBefore)", async () => {
			const cutoff = (t: EventType) => (t === T ? 20 : 0);
			expect(await rows.add(T, [ev(1, 10), ev(2, 20), ev(3, 0)], cutoff)).to.equal(0);
			expect(await rows.add(T, [ev(4, 19)], cutoff)).to.equal(0);
			await rows.add("alert_triggered", [ev(5, 10, "alert_triggered")], cutoff);
			expect((await all(rows)).map(e => e.seq)).to.deep.equal([2]);
			expect((await all(rows, "alert_triggered")).map(e => e.seq)).to.deep.equal([5]);
		});

		it("reads thousands of rows in pages in order, and stops when the reader does", async () => {
			const n = 2500;
			// Two batches, the second earlier in time than the first: it goes in front.
			await rows.add(
				T,
				Array.from({ length: n }, (_, i) => ev(n + i + 1, 1000 + Math.floor(i / 7))),
			);
			await rows.add(
				T,
				Array.from({ length: n }, (_, i) => ev(i + 1, 500 + Math.floor(i / 7))),
			);
			let pages = 0;
			const got: number[] = [];
			for await (const page of rows.scan(T, -Infinity, Infinity, null)) {
				pages++;
				got.push(...page.map(e => e.seq));
			}
			expect(pages).to.be.above(1);
			expect(got).to.deep.equal(Array.from({ length: 2 * n }, (_, i) => i + 1));
			for await (const page of rows.scan(T, -Infinity, Infinity, { ts: 500, seq: 3 })) {
				expect(page[0].seq).to.equal(4);
				break;
			}
		});

		// A reader pages while writers add and trim: each page starts after the last row given, not at
		// an offset, so rows added or trimmed in front meanwhile neither repeat nor skip a row.
		it("reads each page after the last row it gave, so rows added meanwhile in front repeat nothing", async () => {
			await rows.add(
				T,
				Array.from({ length: 1500 }, (_, i) => ev(i + 1000, 100 + i)),
			);
			const got: number[] = [];
			for await (const page of rows.scan(T, -Infinity, Infinity, null)) {
				if (got.length === 0)
					await rows.add(
						T,
						Array.from({ length: 600 }, (_, i) => ev(i + 1, i)),
					); // all before the first page's end
				got.push(...page.map(e => e.seq));
			}
			expect(got).to.deep.equal(Array.from({ length: 1500 }, (_, i) => i + 1000));
		});

		it("reads each page after the last row it gave, so rows trimmed meanwhile in front skip nothing", async () => {
			await rows.add(
				T,
				Array.from({ length: 2500 }, (_, i) => ev(i + 1, 100 + Math.floor(i / 3))),
			);
			const got: number[] = [];
			for await (const page of rows.scan(T, -Infinity, Infinity, null)) {
				if (got.length === 0) await rows.trim(T, 150); // 150 rows, all in the first page
				got.push(...page.map(e => e.seq));
			}
			expect(got).to.deep.equal(Array.from({ length: 2500 }, (_, i) => i + 1));
		});

		it("keeps stored rows as they were added, whatever the caller does with its objects", async () => {
			const e = ev(1, 10);
			await rows.add(T, [e]);
			(e.data.nested as { list: unknown[] }).list.push("added later");
			e.entity = "changed";
			const [read] = await all(rows);
			for (const change of [() => ((read.data as { value: number }).value = 999), () => (read.entity = "changed"), () => ((read.data.nested as { list: unknown[] }).list[0] = 0)]) {
				try {
					change();
				} catch {
					// a frozen row refuses the change: as good as a copy
				}
			}
			expect(await all(rows)).to.deep.equal([ev(1, 10)]);
		});
	});
}

describe("MemoryTrailRows: bounded memory", () => {
	it("holds at most maxRows, dropping the oldest rows of the type that holds the most", async () => {
		const rows = new MemoryTrailRows({ maxRows: 10, chunk: 4 });
		expect(
			await rows.add(
				T,
				Array.from({ length: 8 }, (_, i) => ev(i + 1, 100 + i)),
			),
		).to.equal(0);
		expect(
			await rows.add(
				"alert_triggered",
				Array.from({ length: 4 }, (_, i) => ev(i + 11, i, "alert_triggered")),
			),
		).to.equal(2);
		expect((await all(rows)).map(e => e.seq)).to.deep.equal([3, 4, 5, 6, 7, 8]);
		expect(
			await rows.add(
				"alert_triggered",
				Array.from({ length: 6 }, (_, i) => ev(i + 21, 50 + i, "alert_triggered")),
			),
		).to.equal(6);
		expect((await all(rows, "alert_triggered")).map(e => e.seq)).to.deep.equal([23, 24, 25, 26]);
		expect([rows.size(), rows.size(T), rows.size("alert_triggered")]).to.deep.equal([10, 6, 4]);
		await rows.trim(T, 106);
		expect([rows.size(), rows.size(T)]).to.deep.equal([6, 2]);
		expect(await rows.add(T, [ev(1, 100)]), "an old row fits again under the bound").to.equal(0);
		expect((await all(rows)).map(e => e.seq)).to.deep.equal([1, 7, 8]);
	});

	it("past maxRows, drops expired rows of every type before any live row", async () => {
		const rows = new MemoryTrailRows({ maxRows: 10, chunk: 4 });
		await rows.add(
			T,
			Array.from({ length: 6 }, (_, i) => ev(i + 1, 100 + i)),
		);
		await rows.add(
			"alert_triggered",
			Array.from({ length: 4 }, (_, i) => ev(i + 11, 200 + i, "alert_triggered")),
		);
		// T's rows before 104 are past their retention; no one writes T again.
		const cutoff = (t: EventType) => (t === T ? 104 : 0);
		expect(await rows.add("alert_triggered", [ev(21, 300, "alert_triggered"), ev(22, 301, "alert_triggered")], cutoff)).to.equal(0);
		expect([rows.size(), rows.size(T), rows.size("alert_triggered")]).to.deep.equal([8, 2, 6]);
		expect(
			await rows.add(
				"alert_triggered",
				Array.from({ length: 4 }, (_, i) => ev(i + 31, 400 + i, "alert_triggered")),
				cutoff,
			),
		).to.equal(2);
		expect((await all(rows, "alert_triggered")).map(e => e.seq)).to.deep.equal([13, 14, 21, 22, 31, 32, 33, 34]);
		expect((await all(rows)).map(e => e.seq)).to.deep.equal([5, 6]);
	});
});
