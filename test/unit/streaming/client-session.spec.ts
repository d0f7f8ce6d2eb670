import { expect } from "chai";
import { ClientSession, type SessionOptions } from "../../../lib/streaming/client-session.ts";
import { TopicHub } from "../../../lib/streaming/topic-hub.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { tickSubject } from "../../../lib/protocol/wire.ts";
import { WsClose } from "../../../lib/protocol/ws-codes.ts";

function fakeSocket() {
	const sent: any[] = [];
	return {
		sent,
		buffered: 0,
		closed: null as null | { code: number; reason: string },
		send(text: string) {
			sent.push(JSON.parse(text));
		},
		bufferedAmount() {
			return this.buffered;
		},
		close(code: number, reason: string) {
			this.closed = { code, reason };
		},
	};
}

function setup(over: Partial<SessionOptions> = {}) {
	const bus = new LocalBus();
	const hub = new TopicHub(bus);
	const sock = fakeSocket();
	let release: (() => void) | null = null;
	const drops: string[] = [];
	const opts: SessionOptions = {
		maxTopics: 3,
		maxBufferedBytes: 1000,
		maxPendingPerTopic: 100,
		snapshot: async () => ({ seq: 5, data: { seq: 5, price: 1 } }),
		onDrop: r => drops.push(r),
		...over,
	};
	const session = new ClientSession(sock, hub, opts);
	const pub = (sym: string, seq: number) => bus.publish(tickSubject(sym), { v: 1, seq, symbol: sym });
	return { bus, hub, sock, session, pub, drops, hold: () => new Promise<void>(r => (release = r)), release: () => release?.() };
}

const tick = () => new Promise(r => setImmediate(r));

describe("lib/streaming/client-session", () => {
	it("sends subscribed, then the snapshot, then updates after it in seq order", async () => {
		const { sock, session, pub } = setup();
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"] }));
		await tick();
		pub("AAPL", 6);
		pub("AAPL", 7);
		expect(sock.sent.map(f => [f.type, f.seq])).to.deep.equal([
			["subscribed", undefined],
			["snapshot", 5],
			["update", 6],
			["update", 7],
		]);
		expect(sock.sent[2]).to.deep.equal({ type: "update", topic: "ticks:AAPL", seq: 6, data: { v: 1, seq: 6, symbol: "AAPL" } });
	});

	it("holds updates that race the snapshot and sends only those after it: no gap, no duplicate", async () => {
		let resolve!: (v: { seq: number; data: unknown }) => void;
		const { sock, session, pub } = setup({ snapshot: () => new Promise(r => (resolve = r)) });
		session.subscribe(["ticks:AAPL"]);
		pub("AAPL", 9);
		pub("AAPL", 10);
		await tick(); // the session now waits for the snapshot
		pub("AAPL", 11);
		resolve({ seq: 10, data: { seq: 10 } });
		await tick();
		pub("AAPL", 12);
		expect(sock.sent.filter(f => f.type !== "subscribed").map(f => [f.type, f.seq])).to.deep.equal([
			["snapshot", 10],
			["update", 11],
			["update", 12],
		]);
	});

	it("drops updates the snapshot reflects even when they arrive after it (cluster: two connections)", async () => {
		const { sock, session, pub } = setup({ snapshot: async () => ({ seq: 10, data: {} }) });
		session.subscribe(["ticks:AAPL"]);
		await tick();
		pub("AAPL", 9);
		pub("AAPL", 10);
		pub("AAPL", 11);
		expect(sock.sent.filter(f => f.type !== "subscribed").map(f => [f.type, f.seq])).to.deep.equal([
			["snapshot", 10],
			["update", 11],
		]);
	});

	it("when held updates overflow during the snapshot, takes a newer snapshot instead of leaving a gap", async () => {
		const answers: Array<(v: { seq: number; data: unknown }) => void> = [];
		const drops: string[] = [];
		const { sock, session, pub } = setup({ maxPendingPerTopic: 2, onDrop: r => drops.push(r), snapshot: () => new Promise(r => answers.push(r)) });
		session.subscribe(["ticks:AAPL"]);
		await tick();
		for (let seq = 1; seq <= 5; seq++) pub("AAPL", seq); // overflows the 2 held
		answers[0]({ seq: 0, data: {} });
		await tick();
		expect(answers, "a second snapshot was asked for").to.have.length(2);
		pub("AAPL", 6);
		answers[1]({ seq: 5, data: {} });
		await tick();
		pub("AAPL", 7);
		expect(sock.sent.filter(f => f.type !== "subscribed").map(f => [f.type, f.seq])).to.deep.equal([
			["snapshot", 5],
			["update", 6],
			["update", 7],
		]);
		expect(drops).to.deep.equal(["pending-overflow", "pending-overflow"]); // at the 3rd and the 5th update
	});

	it("answers bad frames with an error frame and keeps the connection", async () => {
		const { sock, session } = setup();
		session.onMessage("{nope");
		session.onMessage("[1]");
		session.onMessage(JSON.stringify({ op: "dance" }));
		session.onMessage(JSON.stringify({ op: "subscribe", topics: "ticks:AAPL" }));
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:aapl"] }));
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["quotes:AAPL"] }));
		expect(sock.sent.map(f => f.code)).to.deep.equal(["BAD_JSON", "BAD_REQUEST", "UNKNOWN_OP", "BAD_REQUEST", "BAD_TOPIC", "BAD_TOPIC"]);
		expect(sock.closed).to.equal(null);
		expect(session.topics).to.deep.equal([]);
		session.onMessage(JSON.stringify({ op: "ping" }));
		expect(sock.sent.at(-1).type).to.equal("pong");
	});

	it("caps topics per connection", () => {
		const { sock, session } = setup();
		session.subscribe(["ticks:A", "ticks:B", "ticks:C", "ticks:D"]);
		expect(sock.sent.at(-1)).to.include({ type: "error", code: "TOO_MANY_TOPICS" });
		expect(session.topics).to.deep.equal([]);
	});

	it("refuses a frame listing thousands of topics at once, without quadratic work", () => {
		const { sock, session } = setup({ maxTopics: 200 });
		// ~64 KB: the most one frame can carry. Checking each name against all earlier ones took ~40 ms a frame.
		const names = Array.from({ length: 5500 }, (_, i) => `ticks:${i.toString(36).toUpperCase()}`);
		const t0 = performance.now();
		for (let i = 0; i < 5; i++) session.subscribe(names);
		expect((performance.now() - t0) / 5).to.be.below(10);
		expect(sock.sent.at(-1)).to.include({ type: "error", code: "TOO_MANY_TOPICS" });
		expect(session.topics).to.deep.equal([]);
	});

	it("unsubscribes, and the hub drops the bus subscription with the last listener", async () => {
		const { sock, session, hub, pub } = setup();
		session.subscribe(["ticks:AAPL", "ticks:MSFT"]);
		await tick();
		expect(hub.topicCount).to.equal(2);
		session.onMessage(JSON.stringify({ op: "unsubscribe", topics: ["ticks:AAPL"] }));
		expect(hub.topicCount).to.equal(1);
		pub("AAPL", 6);
		expect(sock.sent.filter(f => f.type === "update")).to.have.length(0);
		session.close();
		expect(hub.topicCount).to.equal(0);
	});

	it("cuts a slow consumer with close code 4008 and counts the drop", async () => {
		const { sock, session, pub, drops, hub } = setup();
		session.subscribe(["ticks:AAPL"]);
		await tick();
		sock.buffered = 5000;
		pub("AAPL", 6);
		expect(sock.closed).to.deep.equal({ code: WsClose.SLOW_CONSUMER, reason: "slow consumer: send queue full" });
		expect(drops).to.deep.equal(["slow-consumer"]);
		expect(hub.topicCount).to.equal(0);
	});

	it("shares one serialised frame between sessions on the same topic", async () => {
		const a = setup({ snapshot: async () => null });
		const sockB = fakeSocket();
		const b = new ClientSession(sockB, a.hub, { maxTopics: 3, maxBufferedBytes: 1000, maxPendingPerTopic: 10, snapshot: async () => null, onDrop: () => {} });
		a.session.subscribe(["ticks:X"]);
		b.subscribe(["ticks:X"]);
		await tick();
		expect(a.hub.topicCount).to.equal(1);
		a.pub("X", 1);
		expect(a.sock.sent.at(-1)).to.deep.equal(sockB.sent.at(-1));
		expect(sockB.sent.map(f => f.type)).to.deep.equal(["subscribed", "update"]);
	});

	it("re-subscribing while the first snapshot is in flight uses the new snapshot, not the stale one", async () => {
		const answers: Array<(v: { seq: number; data: unknown }) => void> = [];
		const { sock, session, pub } = setup({ snapshot: () => new Promise(r => answers.push(r)) });
		session.subscribe(["ticks:AAPL"]);
		await tick();
		session.unsubscribe(["ticks:AAPL"]);
		pub("AAPL", 6); // published while unsubscribed: only the second snapshot reflects it
		session.subscribe(["ticks:AAPL"]);
		await tick();
		pub("AAPL", 7);
		answers[0]({ seq: 5, data: { seq: 5 } }); // the first request's answer, read before 6
		await tick();
		answers[1]({ seq: 6, data: { seq: 6 } });
		await tick();
		pub("AAPL", 8);
		const frames = sock.sent.filter(f => f.type === "snapshot" || f.type === "update").map(f => [f.type, f.seq]);
		expect(frames).to.deep.equal([
			["snapshot", 6],
			["update", 7],
			["update", 8],
		]);
	});
});
