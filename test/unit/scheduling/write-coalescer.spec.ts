/**
 * One write per connection per turn: the frames of one callback, or of one run of promise
 * continuations, are held (corked) and leave together; nothing waits on a timer.
 */
import { expect } from "chai";
import net from "node:net";
import { once } from "node:events";
import { WriteCoalescer } from "../../../lib/scheduling/write-coalescer.ts";

describe("streaming: WriteCoalescer", () => {
	it("corks once for the frames of one callback and uncorks right after it", async () => {
		const calls: string[] = [];
		const w = new WriteCoalescer({ cork: () => calls.push("cork"), uncork: () => calls.push("uncork"), writableLength: 0 });
		await new Promise<void>(r =>
			setImmediate(() => {
				w.write(() => {});
				w.write(() => {});
				expect(calls).to.deep.equal(["cork"]);
				process.nextTick(r);
			}),
		);
		expect(calls).to.deep.equal(["cork", "uncork"]);
	});

	it("covers a run of promise continuations (how NATS messages reach the bus) with one cork", async () => {
		const calls: string[] = [];
		const w = new WriteCoalescer({ cork: () => calls.push("cork"), uncork: () => calls.push("uncork"), writableLength: 0 });
		await new Promise<void>(done =>
			setImmediate(() => {
				let chain = Promise.resolve();
				for (let i = 0; i < 5; i++) chain = chain.then(() => w.write(() => {}));
				void chain.then(() => {
					expect(calls).to.deep.equal(["cork"]);
					setImmediate(done);
				});
			}),
		);
		expect(calls).to.deep.equal(["cork", "uncork"]);
	});

	it("sends a turn's frames on a real socket in one write, in order", async () => {
		const server = net.createServer();
		server.listen(0, "127.0.0.1");
		await once(server, "listening");
		const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
		const [peer] = (await once(server, "connection")) as [net.Socket];
		let writes = 0;
		// Count what reaches the transport: one writev for a corked batch, one write per frame otherwise.
		const raw = peer as net.Socket & { _writev: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
		const writev = raw._writev.bind(raw);
		const write = raw._write.bind(raw);
		raw._writev = (...a) => (writes++, writev(...a));
		raw._write = (...a) => (writes++, write(...a));
		const w = new WriteCoalescer(peer);
		for (let i = 0; i < 50; i++) w.write(() => peer.write(`frame ${i}\n`));
		let got = "";
		client.on("data", d => (got += d));
		while (got.split("\n").length < 51) await once(client, "data");
		expect(got).to.equal(Array.from({ length: 50 }, (_, i) => `frame ${i}\n`).join(""));
		expect(writes).to.equal(1);
		client.destroy();
		peer.destroy();
		server.close();
	});

	it("lets held bytes out at once past maxHeldBytes, so a fast reader never looks slow", () => {
		const calls: string[] = [];
		const target = { cork: () => calls.push("cork"), uncork: () => ((target.writableLength = 0), calls.push("uncork")), writableLength: 0 };
		const w = new WriteCoalescer(target, 100);
		for (let i = 0; i < 5; i++) w.write(() => (target.writableLength += 40));
		// 40, 80, 120 → out; 40, 80 held until the turn ends.
		expect(calls).to.deep.equal(["cork", "uncork", "cork"]);
		expect(target.writableLength).to.equal(80);
	});
});
