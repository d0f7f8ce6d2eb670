/**
 * The send queue's slow-client policies with a socket that stops draining: the queue stays within
 * its bounds (3 messages here) and each policy drops what it names, counted by reason.
 */
import { expect } from "chai";
import { SendQueue, type DropReason, type SlowClientPolicy } from "../../../lib/streaming/send-queue.ts";

function stuck(policy: SlowClientPolicy, random?: () => number) {
	let buffered = 0;
	const sent: string[] = [];
	let written: () => void = () => {};
	const drops: Array<[DropReason, number]> = [];
	const q = new SendQueue(
		{ send: (t, w) => void (sent.push(t), (written = w)), bufferedAmount: () => buffered },
		{ maxBytes: 1_000, maxMessages: 3, policy },
		10,
		(r, n) => drops.push([r, n]),
		() => {},
		random,
	);
	q.push("first");
	buffered = 1_000;
	/** What the queue held, oldest first: the socket catches up and the queue drains into it. */
	const drain = () => {
		const from = sent.length;
		buffered = 0;
		written();
		return sent.slice(from);
	};
	return { q, drops, drain };
}

describe("streaming: SendQueue slow-client policies", () => {
	it("drop-newest keeps the queued frames and drops each new one while full", () => {
		const { q, drops, drain } = stuck("drop-newest");
		for (const f of ["a", "b", "c", "d", "e"]) q.push(f);
		expect(q.queuedMessages).to.equal(3);
		expect(drops).to.deep.equal([
			["drop-newest", 1],
			["drop-newest", 1],
		]);
		expect(drain()).to.deep.equal(["a", "b", "c"]);
	});

	it("random drops a queued frame picked at random and queues the new one", () => {
		const picks = [0.99, 0.0];
		const { q, drops, drain } = stuck("random", () => picks.shift() ?? 0.5);
		for (const f of ["a", "b", "c", "d", "e"]) q.push(f);
		// a b c queued; d evicts the last (c), e evicts the first (a).
		expect(q.queuedMessages).to.equal(3);
		expect(drops).to.deep.equal([
			["random", 1],
			["random", 1],
		]);
		expect(drain()).to.deep.equal(["b", "d", "e"]);
	});

	it("random refuses a frame larger than the whole bound without dropping the queue", () => {
		const { q, drops, drain } = stuck("random");
		q.push("a");
		q.push("x".repeat(2_000));
		expect(drops).to.deep.equal([["random", 1]]);
		expect(drain()).to.deep.equal(["a"]);
	});

	it("drop-oldest still drops from the front", () => {
		const { q, drops, drain } = stuck("drop-oldest");
		for (const f of ["a", "b", "c", "d", "e"]) q.push(f);
		expect(drops).to.deep.equal([
			["drop-oldest", 1],
			["drop-oldest", 1],
		]);
		expect(drain()).to.deep.equal(["c", "d", "e"]);
	});

	it("tells onSent of a stamped frame when it is written: at once, or when it leaves the queue", () => {
		const { q, drain } = stuck("drop-oldest");
		const told: number[] = [];
		q.onSent = h => told.push(h.t0);
		q.push("stamped", undefined, { t0: 7, at: 8 });
		q.push("plain");
		expect(told, "queued, not written yet").to.deep.equal([]);
		expect(drain()).to.deep.equal(["stamped", "plain"]);
		expect(told).to.deep.equal([7]);
		q.push("now", undefined, { t0: 9, at: 9 });
		expect(told, "written at once").to.deep.equal([7, 9]);
	});
});
