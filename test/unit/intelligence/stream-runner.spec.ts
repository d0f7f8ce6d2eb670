/**
 * StreamRunner and StreamActor on one shared in-memory KV with a fake clock: two runners, each with
 * the ActorHost the keyed-actor mixin gives a node, stand for two nodes; `sweep` is the mixin's
 * always-on round (renew, then `ensure` every stream). The owner publishes seq 1, 2, 3…; when its
 * lease lapses (the node died) the other takes the stream over on its sweep and continues the seq;
 * the old owner drops it; a seq written but not published is skipped, never repeated; removal, the
 * stream limit and skipped ticks.
 */
import { expect } from "chai";
import { MemoryKv } from "../../../lib/kv/index.ts";
import { StreamRunner, streamSeqKey, type IntelligenceUpdate, type StreamActor, type StreamDefinition } from "../../../lib/intelligence/stream-runner.ts";
import { ActorHost } from "../../../lib/keyed/actor-host.ts";
import { BusyError } from "../../../lib/protocol/errors.ts";

const LEASE = 1500;
const HOUR = 3_600_000; // timers never fire within a test: ticks are driven by hand

describe("lib/intelligence/stream-runner: streams by lease, seq continued across owners", () => {
	let clock: number;
	let kv: MemoryKv;
	let published: IntelligenceUpdate[];
	let runners: Node[];
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
		const host = new ActorHost<StreamActor>({ activate: id => r.activate(id), gate: { limit: 4, queueLimit: 100 }, now: () => clock });
		const node = Object.assign(r, { host });
		runners.push(node);
		return node;
	};
	type Node = StreamRunner & { host: ActorHost<StreamActor> };
	/** The mixin's always-on round on one node: renew the leases, then run every stream whose lease it can take. */
	const sweep = async (n: Node) => {
		await n.host.renewAll();
		await n.host.ensure(await n.ids(), () => true, clock + 1000);
		await n.host.settled();
	};
	const actorOf = async (n: Node, id: string) => (await n.host.settled()).find(([k]) => k === id)?.[1];
	const owns = async (n: Node, id: string) => (await actorOf(n, id)) !== undefined;
	const settled = async (n: Node) => {
		await Promise.all((await n.host.settled()).map(([, a]) => a.running));
	};
	const tick = async (n: Node, id: string) => (await actorOf(n, id))?.tick();
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
		for (const r of runners) void r.host.passivate("stopping", () => true);
	});

	it("the owner publishes 1, 2, 3; after its lease lapses the other node continues with 4, 5; the old owner drops it", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s1"));
		await sweep(a);
		await settled(a);
		await tick(a, "s1");
		await tick(a, "s1");
		await sweep(b);
		expect(await owns(b, "s1")).to.equal(false);
		expect(seqsFrom("A")).to.deep.equal([1, 2, 3]);
		expect(published[0]).to.deep.include({ v: 1, type: "intelligence_update", stream_id: "s1", ts: clock, node: "A", data: { symbols: ["AAA"], at: clock } });

		clock += LEASE + 1; // A stopped renewing: it was killed
		await sweep(b);
		expect(await owns(b, "s1")).to.equal(true);
		await settled(b);
		await tick(b, "s1");
		expect(seqsFrom("B")).to.deep.equal([4, 5]);
		expect((await b.list()).map(s => [s.id, s.owner])).to.deep.equal([["s1", "B"]]);

		const old = (await actorOf(a, "s1"))!;
		await sweep(a); // A comes back: its renewal fails, it stops running the stream
		expect(await owns(a, "s1")).to.equal(false);
		await old.tick();
		expect(published.map(u => u.seq)).to.deep.equal([1, 2, 3, 4, 5]);
	});

	it("a seq stored but not published (the owner failed in between) is skipped by the next owner, never repeated", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s2"));
		await sweep(a);
		await settled(a);
		failPublishOn = "A";
		await tick(a, "s2");
		expect(await kv.get(streamSeqKey("s2"))).to.equal(2);
		clock += LEASE + 1;
		await sweep(b);
		await settled(b);
		expect(published.map(u => [u.node, u.seq])).to.deep.equal([
			["A", 1],
			["B", 3],
		]);
	});

	it("removal deletes the definition and the seq: other nodes drop it on their sweep, a new stream starts at 1", async () => {
		const a = runner("A");
		const b = runner("B");
		await a.create(def("s3"));
		await sweep(a);
		await settled(a);
		clock += LEASE + 1;
		await sweep(b);
		await settled(b);
		expect(await a.remove("s3")).to.equal(true);
		expect(await a.remove("s3")).to.equal(false);
		expect(await kv.get(streamSeqKey("s3"))).to.equal(null);
		await sweep(b);
		expect(await owns(b, "s3")).to.equal(false);
		await a.create(def("s4"));
		await sweep(a);
		await settled(a);
		expect(published.filter(u => u.stream_id === "s4").map(u => u.seq)).to.deep.equal([1]);
	});

	it("a tick due while one runs is skipped, not queued; more streams than the limit are refused with BusyError", async () => {
		const a = runner("A", 2);
		let release!: () => void;
		slow = new Promise<void>(r => (release = r));
		await a.create(def("s5"));
		await sweep(a);
		const s5 = (await actorOf(a, "s5"))!;
		void s5.tick();
		void s5.tick();
		expect(analyses).to.equal(1);
		release();
		await settled(a);
		expect(published.map(u => u.seq)).to.deep.equal([1]);
		slow = null;
		await a.create(def("s6"));
		let err: unknown;
		await a.create(def("s7")).catch(e => (err = e));
		expect(err).to.be.instanceOf(BusyError);
		expect((await a.list()).map(s => s.id).sort()).to.deep.equal(["s5", "s6"]);
	});
});
