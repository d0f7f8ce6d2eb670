/** MessagePipeline: the bounded degradation buffer between the workers and the store. */
import { expect } from "chai";
import { MessagePipeline, type Pending } from "../../../lib/workers/message-pipeline.ts";
import type { Timers } from "../../../lib/workers/data-worker.ts";

/** Timers that fire only when the test advances the clock. */
class FakeTimers implements Timers {
	t = 0;
	#pending: Array<{ at: number; fn: () => void; id: number }> = [];
	#id = 0;
	now = () => this.t;
	setTimeout = (fn: () => void, ms: number) => {
		const id = ++this.#id;
		this.#pending.push({ at: this.t + ms, fn, id });
		return id;
	};
	clearTimeout = (id: unknown) => {
		this.#pending = this.#pending.filter(p => p.id !== id);
	};
	get pending(): number {
		return this.#pending.length;
	}
	async advance(ms: number): Promise<void> {
		this.t += ms;
		for (const p of this.#pending.filter(x => x.at <= this.t)) {
			this.#pending = this.#pending.filter(x => x !== p);
			p.fn();
		}
		await flush();
	}
}
const flush = () => new Promise(r => setImmediate(r));

/** The two stages' bits in Pending.done. */
const A = 1;
const B = 2;

/** A store with two stages per message that can be taken down; counts each stage per message. */
class FlakyStore {
	up = true;
	/** Fail on the stage-b write of this many messages into a batch (partial failure). */
	failAfter: number | null = null;
	readonly a = new Map<number, number>();
	readonly b = new Map<number, number>();
	readonly batches: number[][] = [];
	async write(batch: Pending<number>[]): Promise<void> {
		await flush();
		this.batches.push(batch.map(p => p.msg));
		if (!this.up) throw new Error("store down");
		for (const p of batch) {
			if (p.done & A) continue;
			this.a.set(p.msg, (this.a.get(p.msg) ?? 0) + 1);
			p.done |= A;
		}
		let n = 0;
		for (const p of batch) {
			if (p.done & B) continue;
			if (this.failAfter !== null && n++ >= this.failAfter) throw new Error("store died mid-batch");
			this.b.set(p.msg, (this.b.get(p.msg) ?? 0) + 1);
			p.done |= B;
		}
	}
}

describe("workers: MessagePipeline (bounded buffer, drop-oldest, retry)", () => {
	let timers: FakeTimers;
	let store: FlakyStore;
	let drops: number[];
	let states: boolean[];
	const make = (limit: number, batch = 100) => new MessagePipeline<number>({ limit, batch, retryMs: 1000, timers, write: b => store.write(b), onDrop: n => drops.push(n), onState: d => states.push(d) });
	const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

	beforeEach(() => {
		timers = new FakeTimers();
		store = new FlakyStore();
		drops = [];
		states = [];
	});

	it("writes in order while the store is up and resolves idle()", async () => {
		const p = make(100, 10);
		p.push(range(0, 25));
		await p.idle();
		expect([...store.b.keys()]).to.deep.equal(range(0, 25));
		expect(store.batches.map(b => b.length)).to.deep.equal([10, 10, 5]);
		expect(p.stats).to.include({ written: 25, dropped: 0, queued: 0, degraded: false });
	});

	it("while the store is down: holds at most `limit`, drops the oldest, counts every drop, and retries every retryMs", async () => {
		const p = make(10, 100);
		store.up = false;
		p.push([0]);
		await flush(); // the drain starts in the turn after the push
		await flush(); // the write fails
		expect(p.stats.degraded).to.equal(true);
		expect(states).to.deep.equal([true]);
		for (let i = 1; i < 30; i++) p.push([i]);
		expect(p.stats).to.include({ queued: 10, dropped: 20, limit: 10 });
		expect(drops.reduce((a, b) => a + b, 0)).to.equal(20);
		// No retry before retryMs, one per retryMs after.
		const tries = store.batches.length;
		await timers.advance(999);
		expect(store.batches.length).to.equal(tries);
		await timers.advance(1);
		expect(store.batches.length).to.equal(tries + 1);
		expect(store.batches.at(-1)).to.deep.equal(range(20, 10)); // the newest 10 survived
		store.up = true;
		await timers.advance(1000);
		await p.idle();
		expect(states).to.deep.equal([true, false]);
		expect([...store.b.keys()]).to.deep.equal(range(20, 10));
		expect(p.stats).to.include({ written: 10, dropped: 20, queued: 0, degraded: false });
		expect(timers.pending).to.equal(0);
	});

	it("a retried batch repeats no stage a message already finished (partial failure mid-batch)", async () => {
		const p = make(100, 10);
		store.failAfter = 4; // stage a for all 10, stage b for 4, then the store dies
		p.push(range(0, 10));
		await flush();
		await flush();
		expect(p.stats.degraded).to.equal(true);
		expect(store.b.size).to.equal(4);
		store.failAfter = null;
		await timers.advance(1000);
		await p.idle();
		for (let i = 0; i < 10; i++) {
			expect(store.a.get(i), `stage a of ${i}`).to.equal(1);
			expect(store.b.get(i), `stage b of ${i}`).to.equal(1);
		}
		expect(p.stats).to.include({ written: 10, queued: 0 });
	});

	it("drains a backlog batch by batch with the event loop's other callbacks run between batches", async () => {
		const sizes: number[] = [];
		// A store that answers at once (in-process): every await resolves in the same turn.
		const p = new MessagePipeline<number>({ limit: 100, batch: 10, retryMs: 1000, timers, write: async b => void sizes.push(b.length) });
		// A callback that runs once a turn, from before the push until everything is written.
		const seen: number[] = [];
		const look = () => {
			seen.push(p.stats.written);
			if (p.stats.written < 50) setImmediate(look);
		};
		setImmediate(look);
		p.push(range(0, 50));
		await p.idle();
		expect(sizes).to.deep.equal([10, 10, 10, 10, 10]);
		expect(seen.slice(0, 5), "written as each turn's callback saw it").to.deep.equal([0, 10, 20, 30, 40]);
	});

	it("writes what the callbacks of one turn push in one batch, not a batch per push", async () => {
		const p = make(100, 100);
		// Three frames of a stream arriving together: three I/O callbacks of one turn.
		await new Promise<void>(resolve => {
			setImmediate(() => p.push(range(0, 10)));
			setImmediate(() => p.push(range(10, 10)));
			setImmediate(() => (p.push(range(20, 10)), resolve()));
		});
		await p.idle();
		expect(store.batches.map(b => b.length)).to.deep.equal([30]);
		expect([...store.b.keys()]).to.deep.equal(range(0, 30));
	});

	it("room(level) resolves as soon as a batch written brings the queue to level, not once it is empty", async () => {
		// A store whose writes finish only when the test lets them.
		const gates: Array<() => void> = [];
		const p = new MessagePipeline<number>({ limit: 1000, batch: 10, retryMs: 1000, timers, write: () => new Promise<void>(r => gates.push(r)) });
		p.push(range(0, 50));
		let roomAt: number | null = null;
		const room = p.room(25, () => true).then(() => (roomAt = p.stats.written));
		// The next write starts a turn or two after the last one ended (the drain yields between batches).
		const nextWrite = async (written: number) => {
			for (let turn = 0; turn < 5 && gates.length === 0; turn++) await flush();
			expect(gates, `a write running after ${written} written`).to.have.length(1);
			return gates.shift()!;
		};
		for (let written = 0; roomAt === null; written += 10) {
			(await nextWrite(written))();
			await flush();
		}
		await room;
		expect(roomAt, "resolved after the batch that left 20 queued").to.equal(30);
		expect(p.stats.queued).to.equal(20);
		expect(timers.t, "no timer fired").to.equal(0);
		// Drained to the end: the rest is written.
		for (const written of [30, 40]) (await nextWrite(written))();
		await p.idle();
		expect(p.stats.written).to.equal(50);
	});

	it("room() waits at most retryMs a step while the store is down, and ends when the producer stops", async () => {
		store.up = false;
		const p = make(1000, 10);
		p.push(range(0, 50));
		let active = true;
		let done = false;
		const room = p.room(25, () => active).then(() => (done = true));
		await timers.advance(1000);
		expect(done, "still waiting: the store is down").to.equal(false);
		active = false;
		await timers.advance(1000);
		await room;
		expect(done).to.equal(true);
		expect(p.stats.queued).to.equal(50);
		p.close();
	});

	it("close() stops the drain at the next batch and sets no retry, even with a write failing after it", async () => {
		const sizes: number[] = [];
		const p: MessagePipeline<number> = new MessagePipeline<number>({
			limit: 100,
			batch: 10,
			retryMs: 1000,
			timers,
			write: async b => {
				// Queued before the drain's pause after this batch: runs in it.
				if (sizes.push(b.length) === 1) setImmediate(() => p.close());
			},
		});
		p.push(range(0, 50));
		for (let i = 0; i < 3; i++) await flush();
		expect(sizes).to.deep.equal([10]);
		expect(p.stats).to.include({ written: 10, queued: 40 });
		// A write in flight when close() comes, that then fails: not retried.
		const write: { fail?: (e: Error) => void } = {};
		const q = new MessagePipeline<number>({ limit: 100, batch: 10, retryMs: 1000, timers, write: () => new Promise<void>((_, reject) => (write.fail = reject)) });
		q.push(range(0, 5));
		await flush();
		if (!write.fail) throw new Error("the write did not start in the turn after the push");
		q.close();
		write.fail(new Error("store gone"));
		await flush();
		expect(timers.pending).to.equal(0);
		expect(q.stats).to.include({ written: 0, queued: 5 });
	});

	it("writes a push that lands after the drain's last look at the queue, before it has finished", async function () {
		this.timeout(5000); // idle() never resolving is the failure
		for (let hops = 0; hops < 8; hops++) {
			const p = new MessagePipeline<number>({ limit: 100, batch: 10, retryMs: 1000, timers, write: async () => {} });
			p.push([1]);
			let later: Promise<void> = Promise.resolve();
			for (let i = 0; i < hops; i++) later = later.then(() => {});
			await later.then(() => p.push([2]));
			await p.idle();
			expect(p.stats, `push after ${hops} microtask hops`).to.include({ written: 2, queued: 0 });
		}
	});

	it("under random failures and pushes between batches: every message is written once, in order, or dropped and counted", async () => {
		let seed = 3;
		const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		const real = { now: Date.now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
		for (let k = 0; k < 50; k++) {
			const seen = new Map<number, number>();
			const order: number[] = [];
			let pushed = 0;
			let next = 0;
			let dropped = 0;
			const limit = 5 + Math.floor(rnd() * 50);
			const p = new MessagePipeline<number>({
				limit,
				batch: 1 + Math.floor(rnd() * 10),
				retryMs: 1,
				timers: real,
				onDrop: n => (dropped += n),
				write: async b => {
					if (rnd() < 0.2) throw new Error("store down");
					for (const x of b) {
						seen.set(x.msg, (seen.get(x.msg) ?? 0) + 1);
						order.push(x.msg);
					}
				},
			});
			for (let t = 0; t < 40; t++) {
				const msgs = Array.from({ length: Math.floor(rnd() * 8) }, () => next++);
				pushed += msgs.length;
				p.push(msgs);
				expect(p.stats.written + p.stats.dropped + p.stats.queued).to.equal(pushed);
				expect(p.stats.queued).to.be.at.most(limit);
				await new Promise<void>(r => (rnd() < 0.7 ? setImmediate(r) : queueMicrotask(r)));
			}
			await p.idle();
			expect(
				[...seen.values()].every(n => n === 1),
				"each written once",
			).to.equal(true);
			expect(order).to.deep.equal([...order].sort((a, b) => a - b));
			expect({ written: p.stats.written, dropped: p.stats.dropped }).to.deep.equal({ written: seen.size, dropped: pushed - seen.size });
			expect(dropped).to.equal(p.stats.dropped);
			p.close();
		}
	});

	it("does not drop the batch being written; pushed = written + dropped + queued at every step", async () => {
		let release!: () => void;
		const slow = new Promise<void>(r => (release = r));
		const writes: number[][] = [];
		const pipeline = new MessagePipeline<number>({
			limit: 10,
			batch: 10,
			retryMs: 1000,
			timers,
			write: async b => {
				writes.push(b.map(x => x.msg));
				if (writes.length === 1) await slow;
			},
			onDrop: n => drops.push(n),
		});
		pipeline.push(range(0, 10)); // all ten in flight
		await flush();
		pipeline.push(range(10, 15)); // over the bound: the new waiting ones are dropped, not the in-flight ones
		expect(pipeline.stats).to.include({ queued: 10, dropped: 15 });
		release();
		await pipeline.idle();
		expect(writes).to.deep.equal([range(0, 10)]);
		expect(pipeline.stats.written + pipeline.stats.dropped + pipeline.stats.queued).to.equal(25);
		// A failed in-flight batch goes back to the queue and is subject to drop-oldest again.
		let down = true;
		const q = new MessagePipeline<number>({ limit: 5, batch: 5, retryMs: 1000, timers, write: async () => void (down ? await Promise.reject(new Error("down")) : undefined) });
		q.push(range(0, 5));
		await flush();
		q.push(range(5, 3));
		expect(q.stats).to.include({ queued: 5, dropped: 3 });
		down = false;
		await timers.advance(1000);
		await q.idle();
		expect(q.stats).to.include({ written: 5, dropped: 3, queued: 0 });
	});
});
