/**
 * PromptDiscoverer (middlewares/prompt-discoverer.ts) with two real brokers over a real NATS: a
 * node that stops beating is dropped `heartbeatTimeout` after its last beat (Moleculer's own check,
 * in whole seconds every `heartbeatTimeout`, took 2–5 s), and a node whose own loop stalled past the
 * timeout does not drop a healthy peer whose beats are still unread.
 */
import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import { PromptDiscoverer } from "../../middlewares/prompt-discoverer.ts";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

const BEAT_S = 0.5;
const TIMEOUT_S = 2;

describe("PromptDiscoverer: dead peers dropped on time, live ones kept (real NATS)", function () {
	this.timeout(30_000);
	let nats: TestServer;
	let a: ServiceBroker;
	let b: ServiceBroker;
	/** When `a` declared `b` disconnected (Date.now()), in order. */
	let drops: number[] = [];
	/** When `a` last got a packet from `b` (Date.now()), or undefined before the first. */
	let heardAt: number | undefined;

	const broker = (nodeID: string) =>
		new ServiceBroker({
			namespace: `pd-${process.pid}`,
			nodeID,
			transporter: { type: "NATS", options: { url: nats.url } },
			logger: false,
			heartbeatInterval: BEAT_S,
			heartbeatTimeout: TIMEOUT_S,
			registry: { discoverer: new PromptDiscoverer() },
		});
	const sees = (x: ServiceBroker, id: string) => x.registry.nodes.get(id)?.available === true;

	before(async () => {
		nats = await startNats();
	});
	after(async () => {
		await nats?.stop();
	});

	beforeEach(async () => {
		drops = [];
		a = broker(`pd-a-${process.pid}`);
		b = broker(`pd-b-${process.pid}`);
		// When `a` last heard from `b` (a beat, or the INFO `b` sends ~1 s after its start), recorded
		// from the first packet on.
		heardAt = undefined;
		const d = a.registry.discoverer as unknown as { heartbeatReceived(id: string, p: unknown): void; processRemoteNodeInfo(id: string, p: unknown): unknown };
		const beat = d.heartbeatReceived.bind(d);
		const info = d.processRemoteNodeInfo.bind(d);
		d.heartbeatReceived = (id, p) => (id === b.nodeID && (heardAt = Date.now()), beat(id, p));
		d.processRemoteNodeInfo = (id, p) => (id === b.nodeID && (heardAt = Date.now()), info(id, p));
		a.localBus.on("$node.disconnected", ({ node }: { node: { id: string } }) => node.id === b.nodeID && drops.push(Date.now()));
		await Promise.all([a.start(), b.start()]);
		await waitFor(() => sees(a, b.nodeID) && sees(b, a.nodeID), { what: "the brokers to see each other" });
	});
	afterEach(async () => {
		await Promise.allSettled([a.stop(), b.stop()]);
	});

	it("drops a peer that stopped beating within the timeout (+ one check) of its last beat", async () => {
		// `b` stays connected but goes silent, as a killed or frozen node does.
		const silentAt = Date.now();
		b.registry.discoverer.stopHeartbeatTimers();
		await waitFor(() => drops.length > 0, { timeoutMs: 10_000, what: "a to drop the silent b" });
		// The last beat left at most one (±10 %) interval before silentAt.
		expect(drops[0] - silentAt).to.be.at.least(TIMEOUT_S * 1000 - 1.1 * BEAT_S * 1000 - 50);
		// Dropped within the timeout and one check of the last packet heard from it (an INFO sent
		// after silentAt moved that; measured from silentAt this read up to 2.42 s).
		expect(heardAt, "a packet from b").to.be.a("number");
		expect(drops[0] - heardAt!).to.be.within(TIMEOUT_S * 1000, TIMEOUT_S * 1000 + 400);
		expect(sees(a, b.nodeID)).to.equal(false);
	});

	it("a stall of its own loop past the timeout does not make it drop a live peer", async () => {
		const until = Date.now() + TIMEOUT_S * 1000 + 500;
		while (Date.now() < until); // both brokers' loops (one process) are blocked: beats pile up unread
		// Counted as they arrive (the call goes through): by the third, a has checked many times.
		let beats = 0;
		const d = a.registry.discoverer;
		const received = d.heartbeatReceived.bind(d);
		d.heartbeatReceived = (nodeID, payload) => {
			if (nodeID === b.nodeID) beats++;
			received(nodeID, payload);
		};
		await waitFor(() => beats >= 3, { what: "three beats of b after the stall" });
		expect(drops, "disconnects of the live peer").to.deep.equal([]);
		expect(sees(a, b.nodeID)).to.equal(true);
	});
});
