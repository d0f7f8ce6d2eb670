import { expect } from "chai";
import { ActivationGate } from "../../../lib/keyed/activation-gate.ts";
import { BusyError } from "../../../lib/protocol/errors.ts";
import { waitFor } from "../../helpers/ports.ts";

const deferred = () => {
	let resolve!: () => void;
	const promise = new Promise<void>(r => (resolve = r));
	return { promise, resolve };
};

describe("lib/keyed/activation-gate", () => {
	it("runs at most `limit` at once and starts the waiters in order as slots free", async () => {
		const gate = new ActivationGate({ limit: 2, queueLimit: 10, now: Date.now });
		const started: number[] = [];
		const done = [deferred(), deferred(), deferred(), deferred()];
		const runs = done.map((d, i) => gate.run(`S${i}`, Infinity, async () => (started.push(i), await d.promise, i)));
		await waitFor(() => started.length >= 2, { what: "two activations started" });
		expect(started).to.deep.equal([0, 1]);
		expect([gate.running, gate.queued]).to.deep.equal([2, 2]);
		done[1].resolve();
		await runs[1];
		await waitFor(() => started.length >= 3, { what: "the first waiter started" });
		expect(started).to.deep.equal([0, 1, 2]);
		for (const d of done) d.resolve();
		expect(await Promise.all(runs)).to.deep.equal([0, 1, 2, 3]);
		expect([gate.running, gate.queued]).to.deep.equal([0, 0]);
	});

	it("refuses with BUSY when the queue is full, and a waiter whose deadline passes", async () => {
		const refused: string[] = [];
		const gate = new ActivationGate({ limit: 1, queueLimit: 1, now: Date.now, onRefused: r => refused.push(r) });
		const hold = deferred();
		const first = gate.run("A", Infinity, () => hold.promise);
		const waiting = gate.run("B", Date.now() + 30, async () => "B");
		const full = gate.run("C", Infinity, async () => "C");
		const e1 = await full.catch(e => e);
		expect(e1).to.be.instanceOf(BusyError);
		expect(e1.message).to.match(/too many symbol activations waiting/);
		const e2 = await waiting.catch(e => e);
		expect(e2).to.be.instanceOf(BusyError);
		expect(e2.message).to.match(/B waited past its deadline/);
		hold.resolve();
		await first;
		expect(refused).to.deep.equal(["full", "deadline"]);
		expect([gate.running, gate.queued]).to.deep.equal([0, 0]);
	});

	it("spreads activations over event-loop turns: timers and I/O run between them", async () => {
		const gate = new ActivationGate({ limit: 1000, queueLimit: 10_000, turnBudgetMs: 5, now: Date.now });
		const busy = (ms: number) => {
			const until = performance.now() + ms;
			while (performance.now() < until);
		};
		let ticks = 0;
		const timer = setInterval(() => ticks++, 1);
		const t0 = performance.now();
		await Promise.all(Array.from({ length: 60 }, (_, i) => gate.run(`S${i}`, Infinity, async () => busy(2))));
		clearInterval(timer);
		// 120 ms of work in turns of ~5 ms: the 1 ms timer fired between them, many times.
		expect(ticks).to.be.above(10);
		expect(performance.now() - t0).to.be.above(100);
	});
});
