import { expect } from "chai";
import { Bulkhead } from "../../../lib/resilience/bulkhead.ts";
import { BusyError } from "../../../lib/protocol/errors.ts";

function gate() {
	let open!: () => void;
	const p = new Promise<void>(r => (open = r));
	return { p, open };
}
const tick = () => new Promise(r => setImmediate(r));

describe("lib/resilience/bulkhead", () => {
	it("runs at most maxConcurrent at once, queues up to queueLimit in FIFO order, refuses the rest", async () => {
		const b = new Bulkhead("agents.x", { maxConcurrent: 2, queueLimit: 2 });
		const gates = [gate(), gate(), gate(), gate()];
		const started: number[] = [];
		const runs = gates.map((g, i) => b.run(async () => (started.push(i), await g.p, i)));
		await tick();
		expect(started).to.deep.equal([0, 1]);
		expect(b.stats()).to.deep.equal({ active: 2, queued: 2, rejected: 0, maxConcurrent: 2, queueLimit: 2 });
		const refused = await b.run(async () => 99).catch(e => e);
		expect(refused).to.be.instanceOf(BusyError);
		expect(refused.retryable).to.equal(true);
		expect(refused.code).to.equal(503);
		expect(refused.message).to.match(/agents\.x is busy: 2 calls running \(max 2\) and 2 queued \(limit 2\)/);
		gates[1].open();
		await tick();
		expect(started).to.deep.equal([0, 1, 2]);
		gates[0].open();
		gates[2].open();
		gates[3].open();
		expect(await Promise.all(runs)).to.deep.equal([0, 1, 2, 3]);
		expect(b.stats()).to.deep.include({ active: 0, queued: 0, rejected: 1 });
	});

	it("frees the slot when the call throws", async () => {
		const b = new Bulkhead("x", { maxConcurrent: 1, queueLimit: 0 });
		await b.run(async () => Promise.reject(new Error("no"))).catch(() => {});
		expect(await b.run(async () => 5)).to.equal(5);
		expect(b.stats().active).to.equal(0);
	});

	it("resize lets queued calls start when the limit grows", async () => {
		const b = new Bulkhead("x", { maxConcurrent: 1, queueLimit: 5 });
		const g = gate();
		const started: number[] = [];
		const runs = [0, 1, 2].map(i => b.run(async () => (started.push(i), await g.p)));
		await tick();
		expect(started).to.deep.equal([0]);
		b.resize({ maxConcurrent: 3, queueLimit: 5 });
		await tick();
		expect(started).to.deep.equal([0, 1, 2]);
		g.open();
		await Promise.all(runs);
		expect(b.stats().active).to.equal(0);
	});

	it("refuses nonsense limits", () => {
		expect(() => new Bulkhead("x", { maxConcurrent: 0, queueLimit: 1 })).to.throw(RangeError);
		expect(() => new Bulkhead("x", { maxConcurrent: 1, queueLimit: -1 })).to.throw(RangeError);
	});
});
