/**
 * NatsBus delivers a node's own messages to its own plain subscribers directly (no round trip
 * through the server, never twice), other nodes' over NATS, and queue groups once cluster-wide
 * with this node's member among the candidates.
 */
import { expect } from "chai";
import { NatsBus } from "../../lib/bus/nats-bus.ts";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

describe("NatsBus local delivery", function () {
	this.timeout(30_000);
	let nats: TestServer;
	let a: NatsBus;
	let b: NatsBus;

	before(async () => {
		nats = await startNats();
		[a, b] = await Promise.all([NatsBus.connect(nats.url, "a"), NatsBus.connect(nats.url, "b")]);
	});
	after(async () => {
		await Promise.all([a, b].map(x => x?.close().catch(() => {})));
		await nats?.stop();
	});

	it("gives a node's own subscriber its message once, at publish, and another node's once over NATS", async () => {
		const onA: unknown[] = [];
		const onB: unknown[] = [];
		const offA = a.subscribe("rookery.ticks.*", m => onA.push(m));
		const offB = b.subscribe("rookery.ticks.LOC", m => onB.push(m));
		await Promise.all([a.flush(), b.flush()]);
		const msgs = Array.from({ length: 50 }, (_, i) => ({ v: 1, seq: i + 1, symbol: "LOC" }));
		for (const m of msgs) a.publish("rookery.ticks.LOC", m);
		// Delivered in publish, in order, as the same objects (as on the embedded LocalBus).
		expect(onA).to.have.length(50);
		expect(onA.every((m, i) => m === msgs[i])).to.equal(true);
		await waitFor(() => onB.length === 50, { what: "b's 50 messages" });
		expect(onB).to.deep.equal(msgs);
		// b's messages reach a over NATS; a's own never come back a second time.
		b.publish("rookery.ticks.LOC", { v: 1, seq: 51, symbol: "LOC" });
		await waitFor(() => onA.length === 51, { what: "b's message on a" });
		await Promise.all([a.flush(), b.flush()]);
		expect(onA).to.have.length(51);
		offA();
		offB();
		a.publish("rookery.ticks.LOC", { v: 1, seq: 52 });
		await Promise.all([a.flush(), b.flush()]);
		expect(onA).to.have.length(51);
	});

	it("delivers a queue group's message once among all nodes, the publisher's member included", async () => {
		const got = { a: 0, b: 0 };
		const offA = a.subscribe("rookery.q.test", () => got.a++, { queue: "workers" });
		const offB = b.subscribe("rookery.q.test", () => got.b++, { queue: "workers" });
		await Promise.all([a.flush(), b.flush()]);
		for (let i = 0; i < 400; i++) a.publish("rookery.q.test", { i });
		await waitFor(() => got.a + got.b === 400, { what: "400 queue deliveries" });
		await Promise.all([a.flush(), b.flush()]);
		expect(got.a + got.b).to.equal(400);
		expect(got.a, "the publisher's own member is a candidate").to.be.greaterThan(0);
		expect(got.b).to.be.greaterThan(0);
		offA();
		offB();
	});

	it("keeps a throwing local subscriber from failing the publisher or the other subscribers", async () => {
		const seen: unknown[] = [];
		const offBad = a.subscribe("rookery.x.bad", () => {
			throw new Error("subscriber bug");
		});
		const offGood = a.subscribe("rookery.x.bad", m => seen.push(m));
		const before = a.handlerFailures;
		const told: unknown[] = [];
		a.onHandlerError = err => told.push(err);
		expect(() => a.publish("rookery.x.bad", { n: 1 })).not.to.throw();
		a.onHandlerError = null;
		expect(seen).to.deep.equal([{ n: 1 }]);
		expect(a.handlerFailures).to.equal(before + 1);
		expect(told.map(e => (e as Error).message)).to.deep.equal(["subscriber bug"]);
		offBad();
		offGood();
	});
});
