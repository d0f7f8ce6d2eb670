import { expect } from "chai";
import { Mailbox } from "../../../lib/keyed/mailbox.ts";
import { BusyError } from "../../../lib/protocol/errors.ts";

describe("lib/keyed/mailbox", () => {
	it("bounds the ticks waiting, but always takes a batch when nothing waits", async () => {
		const m = new Mailbox(10, "t");
		let release!: () => void;
		const first = m.run(() => new Promise<void>(r => (release = r)), 25); // larger than the limit, queue empty
		const refused = m.run(async () => 1, 1);
		await refused.then(
			() => expect.fail("accepted past the bound"),
			e => expect(e).to.be.instanceOf(BusyError),
		);
		release();
		await first;
		expect(await m.run(async () => 2, 10)).to.equal(2);
		expect(m.rejected).to.equal(1);
	});

	it("skips a job whose deadline passed while it waited, and runs the rest in order", async () => {
		let now = 0;
		const m = new Mailbox(100, "t", () => now);
		const ran: number[] = [];
		let release!: () => void;
		const a = m.run(() => new Promise<void>(r => (release = r)).then(() => ran.push(1)));
		const b = m.run(async () => ran.push(2), 1, 50);
		const c = m.run(async () => ran.push(3), 1, 500);
		now = 100; // b's caller gave up at 50
		await new Promise(r => setImmediate(r)); // the first job has started
		release();
		await a;
		await b.then(
			() => expect.fail("an expired job ran"),
			e => expect((e as Error).message).to.match(/deadline/),
		);
		await c;
		expect(ran).to.deep.equal([1, 3]);
		expect(m.expired).to.equal(1);
		expect(m.pending).to.equal(0);
	});
});
