/**
 * StreamRunner on one shared in-memory KV with a fake clock: two runners stand for two nodes. The
 * owner publishes seq 1, 2, 3…; when its lease lapses (the node died) the other takes the stream
 * over on its sweep and continues the seq; the old owner drops it; a seq written but not published
 * is skipped, never repeated; removal, the stream limit and skipped ticks.
 */
import { expect } from "chai";
import { MemoryKv } from "../../../lib/kv/index.ts";
import { StreamRunner, streamSeqKey, type IntelligenceUpdate, type StreamDefinition } from "../../../lib/intelligence/stream-runner.ts";
import { BusyError } from "../../../lib/protocol/errors.ts";

const LEASE = 1500;
const HOUR = 3_600_000; // timers never fire within a test: ticks are driven by hand

describe("lib/intelligence/stream-runner: streams by lease, seq continued across owners", () => {
	let clock: number;
	let kv: MemoryKv;
	let published: IntelligenceUpdate[];
	let runners: StreamRunner[];
	let analyses: number;
	let failPublishOn: string | null;
	let slow: Promise<void> | null;

	const runner = (nodeID: string, maxStreams = 10) => {
		const r = new StreamRunner({
			kv,
			nodeID,
			leaseMs: LEASE,
			maxStreams,
			now: () => clock,
			analyze: async def => {
				analyses++;
				if (slow) await slow;
				return { symbols: def.symbols, at: clock };
			},
			publish: u => {
				if (failPublishOn === u.node) throw new Error("bus down");
				published.push(u);
			},
			log: { info: () => {}, warn: () => {} },
		});
		runners.push(r);
		return r;
	};
	const def = (id: string): StreamDefinition => ({ id, symbols: ["AAA"], interval_ms: HOUR, options: {}, created_at: new Date(clock).toISOString() });
	const seqsFrom = (node: string) => published.filter(u => u.node === node).map(u => u.seq);

	beforeEach(() => {
		clock = 1_700_000_000_000;
		kv = new MemoryKv({ now: () => clock });
		published = [];
		runners = [];
		analyses = 0;
		failPublishOn = null;
		slow = null;
	});
	afterEach(() => {
		for (const r of runners) r.close();
	});

	it("the owner publishes 1, 2, 3; after its lease lapses the other node continues with 4, 5; the old owner drops it", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s1"));
		await a.settled();
		await a.tick("s1");
		await a.tick("s1");
		await b.sweep();
		expect(b.owns("s1")).to.equal(false);
		expect(seqsFrom("A")).to.deep.equal([1, 2, 3]);
		expect(published[0]).to.deep.include({ v: 1, type: "intelligence_update", stream_id: "s1", ts: clock, node: "A", data: { symbols: ["AAA"], at: clock } });

		clock += LEASE + 1; // A stopped renewing: it was killed
		await b.sweep();
		expect(b.owns("s1")).to.equal(true);
		await b.settled();
		await b.tick("s1");
		expect(seqsFrom("B")).to.deep.equal([4, 5]);
		expect((await b.list()).map(s => [s.id, s.owner])).to.deep.equal([["s1", "B"]]);

		await a.sweep(); // A comes back: its renewal fails, it stops running the stream
		expect(a.owns("s1")).to.equal(false);
		await a.tick("s1");
		expect(published.map(u => u.seq)).to.deep.equal([1, 2, 3, 4, 5]);
	});

	it("a seq stored but not published (the owner failed in between) is skipped by the next owner, never repeated", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s2"));
		await a.settled();
		failPublishOn = "A";
		await a.tick("s2");
		expect(await kv.get(streamSeqKey("s2"))).to.equal(2);
		clock += LEASE + 1;
		await b.sweep();
		await b.settled();
		expect(published.map(u => [u.node, u.seq])).to.deep.equal([
			["A", 1],
			["B", 3],
		]);
	});

	it("removal deletes the definition and the seq: other nodes drop it on their sweep, a new stream starts at 1", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s3"));
		await a.settled();
		clock += LEASE + 1;
		await b.sweep();
		await b.settled();
		expect(await a.remove("s3")).to.equal(true);
		expect(await a.remove("s3")).to.equal(false);
		expect(await kv.get(streamSeqKey("s3"))).to.equal(null);
		await b.sweep();
		expect(b.owns("s3")).to.equal(false);
		await a.create(def("s4"));
		await a.settled();
		expect(published.filter(u => u.stream_id === "s4").map(u => u.seq)).to.deep.equal([1]);
	});

	it("a tick due while one runs is skipped, not queued; more streams than the limit are refused with BusyError", async () => {
		const a = runner("A", 2);
		let release!: () => void;
		slow = new Promise<void>(r => (release = r));
		await a.create(def("s5"));
		void a.tick("s5");
		void a.tick("s5");
		expect(analyses).to.equal(1);
		release();
		await a.settled();
		expect(published.map(u => u.seq)).to.deep.equal([1]);
		slow = null;
		await a.create(def("s6"));
		let err: unknown;
		await a.create(def("s7")).catch(e => (err = e));
		expect(err).to.be.instanceOf(BusyError);
		expect((await a.list()).map(s => s.id).sort()).to.deep.equal(["s5", "s6"]);
	});
});
