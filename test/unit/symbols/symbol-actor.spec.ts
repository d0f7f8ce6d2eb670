import { expect } from "chai";
import { SymbolActor } from "../../../lib/symbols/symbol-actor.ts";
import { SNAPSHOT_CAP } from "../../../lib/symbols/snapshot-schedule.ts";
import type { ActorOptions } from "../../../lib/symbols/actor-options.ts";
import { MemoryStore } from "../../../lib/store/memory-store.ts";
import { Store } from "../../../lib/store/store.ts";
import { BusyError, FencedError, StoreUnavailableError, UnavailableError } from "../../../lib/protocol/errors.ts";
import type { TickMessage } from "../../../lib/protocol/wire.ts";
import { defaultConfig } from "../../../lib/config/config.ts";
import type { Tick } from "../../../lib/protocol/tick.ts";

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const tick = (i: number, extra: Partial<Tick> = {}): Tick => ({ symbol: "AAPL", price: 100 + i, size: 10, ts: T0 + i * 1000, ...extra });

function setup(store: Store = new MemoryStore(), over: Partial<ActorOptions> = {}) {
	const published: TickMessage[] = [];
	const all: Array<{ subject: string; msg: any }> = [];
	const opts: ActorOptions = {
		store,
		owner: "node-test",
		leaseMs: 60_000,
		leaseWaitMs: 0,
		analysis: { ...defaultConfig().analysis, timeframes: ["1m", "5m"] },
		snapshotEvery: 1000,
		dedupWindow: 100,
		mailboxLimit: 100,
		now: () => T0,
		publish: (subject, msg) => {
			all.push({ subject, msg });
			if (subject.startsWith("rookery.ticks.")) published.push(msg as TickMessage);
		},
		...over,
	};
	return { store, opts, published, all, activate: () => SymbolActor.activate("AAPL", opts) };
}

/** A store whose writes can be made to fail, as Redis does when it is down. */
class FlakyStore extends MemoryStore {
	down = false;
	override async append(...a: Parameters<MemoryStore["append"]>) {
		if (this.down) throw new StoreUnavailableError("down");
		return super.append(...a);
	}
}

describe("lib/symbols/symbol-actor", () => {
	it("gives consecutive seqs, logs before it publishes, and keeps latest and bars", async () => {
		const { store, published, activate } = setup();
		const a = await activate();
		const r = await a.ingest([tick(0), tick(1), tick(2)]);
		expect(r).to.deep.equal({ symbol: "AAPL", accepted: 3, duplicates: 0, late: 0, firstSeq: 1, lastSeq: 3 });
		expect(published.map(m => m.seq)).to.deep.equal([1, 2, 3]);
		expect(published[0]).to.deep.equal({ v: 1, seq: 1, ts: T0, symbol: "AAPL", price: 100, size: 10 });
		expect((await store.range("AAPL", 1, 10)).map(e => e.seq)).to.deep.equal([1, 2, 3]);
		expect(await store.getLatest("AAPL")).to.deep.equal(published[2]);
		expect(a.latest).to.deep.equal(published[2]);
		expect(a.analysis.bars("1m", 10)).to.have.length(1);
		expect(a.analysis.bars("1m", 1)![0]).to.include({ open: 100, high: 102, close: 102, volume: 30, trades: 3 });
	});

	it("drops duplicate vendor ids, across batches and inside one", async () => {
		const { store, activate } = setup();
		const a = await activate();
		await a.ingest([tick(0, { id: "t1" }), tick(1, { id: "t2" })]);
		const r = await a.ingest([tick(1, { id: "t2" }), tick(2, { id: "t3" }), tick(3, { id: "t3" }), tick(4)]);
		expect(r).to.include({ accepted: 2, duplicates: 2, firstSeq: 3, lastSeq: 4 });
		expect((await store.range("AAPL", 0, 10)).map(e => (e.data as Tick).id)).to.deep.equal(["t1", "t2", "t3", undefined]);
	});

	it("changes nothing when the log write fails, and continues cleanly after", async () => {
		const store = new FlakyStore();
		const { published, activate } = setup(store);
		const a = await activate();
		await a.ingest([tick(0, { id: "a" })]);
		store.down = true;
		let err: unknown;
		try {
			await a.ingest([tick(1, { id: "b" }), tick(2)]);
		} catch (e) {
			err = e;
		}
		expect(err).to.be.instanceOf(StoreUnavailableError);
		expect(a.seq).to.equal(1);
		expect(a.latest!.seq).to.equal(1);
		expect(published).to.have.length(1);
		store.down = false;
		// The same vendor id is not a duplicate: it was never accepted.
		expect(await a.ingest([tick(1, { id: "b" })])).to.include({ accepted: 1, firstSeq: 2 });
	});

	it("rehydrates from snapshot + log to the same state as an actor that never stopped", async () => {
		const store = new MemoryStore();
		const { activate } = setup(store, { snapshotEvery: 7 });
		const a = await activate();
		for (let i = 0; i < 40; i++) await a.ingest([tick(i * 13, { id: `v${i}` })]);
		// A snapshot was taken part way (when depends on the symbol), so activation replays a tail of the log.
		const snapSeq = (await store.getSnapshot<{ seq: number }>("AAPL"))!.seq;
		expect(snapSeq).to.be.within(1, 39);
		const b = await activate();
		expect(b.seq).to.equal(a.seq);
		expect(b.latest).to.deep.equal(a.latest);
		expect(b.analysis.toJSON()).to.deep.equal(a.analysis.toJSON());
		// The dedup window came back too.
		expect(await b.ingest([tick(1, { id: "v39" })])).to.include({ accepted: 0, duplicates: 1 });
	});

	it("fences a writer whose lease was taken over: it cannot write, and nothing is half-written", async () => {
		let now = T0;
		const store = new MemoryStore({ now: () => now });
		const a = await setup(store, { owner: "node-a", leaseMs: 3000, now: () => now }).activate();
		await a.ingest([tick(0)]);
		// node-b cannot take the symbol while node-a's lease is live.
		const b = setup(store, { owner: "node-b", leaseMs: 3000, now: () => now });
		let err: unknown;
		try {
			await b.activate();
		} catch (e) {
			err = e;
		}
		expect(err).to.be.instanceOf(UnavailableError);
		expect((err as Error).message).to.match(/owned by node-a/);
		// node-a stalls (GC pause, partition) past its lease; node-b takes over and writes.
		now += 3001;
		const bActor = await b.activate();
		expect(bActor.seq).to.equal(1);
		await bActor.ingest([tick(1), tick(2)]);
		// node-a wakes up still believing it owns the symbol: its write is refused by the store.
		let fenced: unknown;
		try {
			await a.ingest([tick(3)]);
		} catch (e) {
			fenced = e;
		}
		expect(fenced).to.be.instanceOf(FencedError);
		expect((fenced as FencedError).holder).to.equal("node-b");
		expect(a.lease).to.equal(null);
		expect(a.seq).to.equal(1);
		expect((await store.range("AAPL", 0, 10)).map(e => e.seq)).to.deep.equal([1, 2, 3]);
		expect(await store.getLatest("AAPL")).to.include({ seq: 3 });
		// Nor can it snapshot over the new owner's state.
		await a.snapshot().then(
			() => expect.fail("a fenced snapshot was written"),
			e => expect(e).to.be.instanceOf(FencedError),
		);
	});

	it("hands off: release lets the next owner in at once, and it continues the same log", async () => {
		const store = new MemoryStore();
		const a = await setup(store, { owner: "node-a", leaseMs: 60_000 }).activate();
		await a.ingest([tick(0), tick(1)]);
		await a.snapshot();
		await a.release();
		const b = await setup(store, { owner: "node-b", leaseMs: 60_000 }).activate();
		expect(b.seq).to.equal(2);
		expect(b.lease).to.equal("node-b:2");
		expect(await b.ingest([tick(2)])).to.include({ firstSeq: 3 });
	});

	it("renew says lost only when another owner has the lease, not after (or during) its own release", async () => {
		// Renewals reach the store a turn later, as over a network.
		const store = new (class extends MemoryStore {
			override async renewLease(...r: Parameters<MemoryStore["renewLease"]>) {
				await new Promise(resolve => setImmediate(resolve));
				return super.renewLease(...r);
			}
		})();
		const a = await setup(store, { owner: "node-a", leaseMs: 60_000 }).activate();
		expect(await a.renew()).to.equal(true);
		// A renewal in flight while the handoff releases the lease: the release wins, nothing is "lost".
		const renewing = a.renew();
		await a.release();
		expect(await renewing).to.equal(true);
		expect(await a.renew()).to.equal(true);
		// A lease taken over by another node (ours lapsed) is lost: renew says so and fences the actor.
		const c = await setup(store, { owner: "node-c", leaseMs: 60_000 }).activate();
		const b = await setup(store, { owner: "node-b", leaseMs: 60_000 })
			.activate()
			.catch(e => e);
		expect(b).to.be.instanceOf(UnavailableError);
		await store.releaseLease("AAPL", c.lease!);
		const d = await setup(store, { owner: "node-d", leaseMs: 60_000 }).activate();
		expect(await c.renew()).to.equal(false);
		expect(c.lease).to.equal(null);
		expect(d.lease).to.match(/^node-d:/);
	});

	it("serialises concurrent ingests in arrival order", async () => {
		const { published, activate } = setup();
		const a = await activate();
		await Promise.all(Array.from({ length: 20 }, (_, i) => a.ingest([tick(i, { id: `c${i}` })])));
		expect(published.map(m => m.id)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `c${i}`));
		expect(published.map(m => m.seq)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
	});

	it("acknowledges a durable write even when publishing fails, and counts the failure", async () => {
		let fail = true;
		const { store, activate } = setup(new MemoryStore(), {
			publish: () => {
				if (fail) throw new Error("bus closed");
			},
		});
		const a = await activate();
		expect(await a.ingest([tick(0), tick(1)])).to.include({ accepted: 2, lastSeq: 2 });
		expect(a.publishFailures).to.be.greaterThan(0);
		expect(a.seq).to.equal(2);
		fail = false;
		expect(await a.ingest([tick(2)])).to.include({ accepted: 1, firstSeq: 3 });
		expect(await store.lastSeq("AAPL")).to.equal(3);
	});

	/** A store that records the seq of every snapshot written to it. */
	function snapshotRecording() {
		const store = new MemoryStore();
		const snapshots: number[] = [];
		const put = store.putSnapshot.bind(store);
		store.putSnapshot = async (symbol, snap, fence) => {
			snapshots.push((snap as { seq: number }).seq);
			return put(symbol, snap, fence);
		};
		return { store, snapshots };
	}

	it("snapshots after snapshotEvery updates only once snapshotMinIntervalMs has passed, or at SNAPSHOT_CAP times as many", async () => {
		let now = T0;
		const { store, snapshots } = snapshotRecording();
		const { activate } = setup(store, { snapshotEvery: 10, snapshotMinIntervalMs: 1000, now: () => now });
		const a = await activate();
		let i = 0;
		const batch = (n: number) => a.ingest(Array.from({ length: n }, () => tick(i++)));
		// The first is staggered (0.5–1.5 × both): by 15 updates and 1,500 ms it is due.
		await batch(15);
		expect(snapshots).to.deep.equal([]);
		now += 1500;
		await batch(1);
		expect(snapshots).to.deep.equal([16]);
		// 10 more updates at once: not before another 1,000 ms.
		await batch(10);
		now += 999;
		await batch(1);
		expect(snapshots).to.deep.equal([16]);
		now += 1;
		await batch(1);
		expect(snapshots).to.deep.equal([16, 28]);
		// Time stands still: the cap, SNAPSHOT_CAP (10) × 10 updates, decides.
		expect(SNAPSHOT_CAP).to.equal(10);
		await batch(99);
		expect(snapshots).to.deep.equal([16, 28]);
		await batch(1);
		expect(snapshots).to.deep.equal([16, 28, 128]);
	});

	it("snapshots before the log trims past the last snapshot, and counts the entries an activation replayed", async () => {
		const { store, snapshots } = snapshotRecording();
		// Time stands still and the interval is long: only the cap makes a snapshot due. Half the
		// log's 60 entries comes before 10 × 10 updates.
		const over = { snapshotEvery: 10, snapshotMinIntervalMs: 60_000, logMaxLen: 60 };
		const first = setup(store, over);
		const a = await first.activate();
		let i = 0;
		const batch = (actor: SymbolActor, n: number) => actor.ingest(Array.from({ length: n }, () => tick(i++)));
		await batch(a, 29);
		expect(snapshots).to.deep.equal([]);
		await batch(a, 1);
		expect(snapshots).to.deep.equal([30]);
		// 20 more, then the owner goes without a snapshot (a crash): the next one replays them.
		await batch(a, 20);
		await a.release();
		const b = await setup(store, over).activate();
		expect(b.seq).to.equal(50);
		await batch(b, 9);
		expect(snapshots).to.deep.equal([30]);
		await batch(b, 1);
		expect(snapshots).to.deep.equal([30, 60]);
	});

	it("rebuilds the analysis from the log when its settings changed since the snapshot", async () => {
		const store = new MemoryStore();
		const first = setup(store, { snapshotEvery: 5 });
		const a = await first.activate();
		for (let i = 0; i < 12; i++) await a.ingest([tick(i * 20)]);
		const changed = { ...first.opts.analysis, indicators: ["sma:3", "ema:4"] };
		const b = await SymbolActor.activate("AAPL", { ...first.opts, analysis: changed });
		// The same as an actor that had the new settings all along.
		const fresh = new MemoryStore();
		const c = await setup(fresh, { analysis: changed }).activate();
		for (let i = 0; i < 12; i++) await c.ingest([tick(i * 20)]);
		expect(b.analysis.toJSON()).to.deep.equal(c.analysis.toJSON());
		expect(b.seq).to.equal(12);
		expect(Object.keys(b.analysis.indicators("1m")!.final.values)).to.deep.equal(["sma_3", "ema_4"]);
	});

	it("refuses with BusyError (retryable) when its mailbox is full", async () => {
		const { activate } = setup(new MemoryStore(), { mailboxLimit: 3 });
		const a = await activate();
		const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => a.ingest([tick(i)])));
		expect(results.filter(r => r.status === "fulfilled")).to.have.length(3);
		const rejected = results.filter(r => r.status === "rejected") as PromiseRejectedResult[];
		expect(rejected).to.have.length(2);
		expect(rejected[0].reason).to.be.instanceOf(BusyError);
		expect((rejected[0].reason as { retryable: boolean }).retryable).to.equal(true);
		expect(a.mailbox.rejected).to.equal(2);
		expect(a.seq).to.equal(3);
	});

	describe("group commit", () => {
		/** A store whose appends wait until released, counting them. */
		class GatedStore extends MemoryStore {
			appends: number[] = [];
			gate: Promise<void> | null = null;
			open: () => void = () => {};
			hold(): void {
				this.gate = new Promise(r => (this.open = r));
			}
			/** Lets the held append and every later one through. */
			release(): void {
				this.open();
				this.gate = null;
			}
			/** The `latest` each append was given. */
			latests: unknown[] = [];
			override async append(...a: Parameters<MemoryStore["append"]>) {
				this.appends.push(a[1].length);
				this.latests.push(a[2]);
				if (this.gate) await this.gate;
				if (this.appends.length === this.failAppend) throw new StoreUnavailableError("down");
				return super.append(...a);
			}
			/** The append (1-based) that fails. */
			failAppend = 0;
		}
		const rejection = (p: Promise<unknown>) =>
			p.then(
				() => expect.fail("resolved"),
				(err: unknown) => err as Error,
			);
		/** An actor whose first batch's append is held: batches given now wait behind it. */
		async function heldBehindFirst(over: Partial<ActorOptions> = {}) {
			const store = new GatedStore();
			const { activate, published } = setup(store, over);
			const a = await activate();
			store.hold();
			const first = a.ingest([tick(0)]);
			await Promise.resolve();
			return { store, published, a, first };
		}

		it("writes the batches waiting behind a slow append in one append, each answered as if alone", async () => {
			const { store, published, a, first } = await heldBehindFirst();
			const rest = [a.ingest([tick(1, { id: "x" }), tick(2)]), a.ingest([tick(3, { id: "x" }), tick(4, { ts: T0 - 3_600_000 }), tick(5)]), a.ingest([tick(6, { id: "y" })])];
			store.release();
			const results = await Promise.all([first, ...rest]);
			// The first alone, then the three waiting behind it in one append.
			expect(store.appends).to.deep.equal([1, 4]);
			expect(results.map(r => [r.accepted, r.duplicates, r.late, r.firstSeq, r.lastSeq])).to.deep.equal([
				[1, 0, 0, 1, 1],
				[2, 0, 0, 2, 3],
				[1, 1, 1, 4, 4],
				[1, 0, 0, 5, 5],
			]);
			expect(results[2].refused?.map(r => r.index)).to.deep.equal([1]);
			expect(published.map(m => m.seq)).to.deep.equal([1, 2, 3, 4, 5]);
			expect((await store.range("AAPL", 0, 10)).map(e => e.seq)).to.deep.equal([1, 2, 3, 4, 5]);
		});

		it("gives the store, as latest, the newest tick of a group by trade time (the later on a tie), built once", async () => {
			const { store, published, a, first } = await heldBehindFirst();
			const at = (price: number, ms: number, id?: string): Tick => ({ symbol: "AAPL", price, size: 1, ts: T0 + ms, ...(id ? { id } : {}) });
			// The newest is in the group's first batch, then tied by a later one; an older tick and a
			// batch of duplicates come after it.
			const rest = [a.ingest([at(201, 500, "a")]), a.ingest([at(202, 300)]), a.ingest([at(203, 500), at(204, 400)]), a.ingest([at(205, 900, "a")])];
			store.release();
			await Promise.all([first, ...rest]);
			expect(store.appends).to.deep.equal([1, 4]);
			const latest = store.latests[1] as TickMessage;
			expect(latest).to.include({ seq: 4, price: 203 });
			// The same object is the actor's latest and the message published for that tick.
			expect(a.latest).to.equal(latest);
			expect(published.find(m => m.seq === 4)).to.equal(latest);
			// A group with nothing fresh leaves latest as it was.
			const before = a.latest;
			await a.ingest([at(206, 100, "a")]);
			expect(a.latest).to.equal(before);
		});

		it("does not write a batch the full mailbox refused, nor one whose deadline passed while it waited", async () => {
			let now = T0;
			const { store, a, first } = await heldBehindFirst({ mailboxLimit: 3, now: () => now });
			const expiring = a.ingest([tick(1)], T0 + 5);
			const kept = a.ingest([tick(2)]);
			const refused = a.ingest([tick(3)]);
			expect(await rejection(refused)).to.be.instanceOf(BusyError);
			now = T0 + 10;
			store.release();
			await first;
			const late = await rejection(expiring);
			expect(late).to.be.instanceOf(BusyError);
			expect(late.message).to.match(/deadline/);
			expect((await kept).firstSeq).to.equal(2);
			expect(a.mailbox.expired).to.equal(1);
			expect((await store.range("AAPL", 0, 10)).map(e => (e.data as Tick).price)).to.deep.equal([100, 102]);
		});

		it("fails every batch of a group whose append failed, changing nothing, and writes the next ones", async () => {
			const { store, published, a, first } = await heldBehindFirst();
			const group = [a.ingest([tick(1)]), a.ingest([tick(2)])];
			store.failAppend = 2;
			store.release();
			await first;
			const settled = await Promise.allSettled(group);
			expect(settled.map(r => r.status)).to.deep.equal(["rejected", "rejected"]);
			expect(a.seq).to.equal(1);
			expect(published.map(m => m.seq)).to.deep.equal([1]);
			expect(store.appends).to.deep.equal([1, 2]);
			expect((await a.ingest([tick(3)])).firstSeq).to.equal(2);
		});
	});
});
