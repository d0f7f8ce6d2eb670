import { expect } from "chai";
import { ClientSession, type SessionOptions, type SessionPolicy } from "../../../lib/streaming/client-session.ts";
import { TopicHub } from "../../../lib/streaming/topic-hub.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { tickSubject } from "../../../lib/protocol/wire.ts";
import { WsClose } from "../../../lib/protocol/ws-codes.ts";
import { StageRecorder } from "../../../lib/metrics/stages.ts";

function fakeSocket() {
	const sent: any[] = [];
	return {
		sent,
		buffered: 0,
		closed: null as null | { code: number; reason: string },
		written: [] as Array<() => void>,
		send(text: string, written: () => void) {
			sent.push(JSON.parse(text));
			this.written.push(written);
		},
		bufferedAmount() {
			return this.buffered;
		},
		close(code: number, reason: string) {
			this.closed = { code, reason };
		},
	};
}

const policy = (over: Partial<SessionPolicy> = {}): SessionPolicy => ({
	tier: "free",
	maxTopics: 3,
	wildcards: false,
	queue: { maxBytes: 100_000, maxMessages: 100, policy: "disconnect" },
	...over,
});

/** A tick log for `replay`: seqs first..last of one symbol. */
function tickLog(first: number, last: number) {
	return async (_t: unknown, fromSeq: number, limit: number) => {
		const entries = [];
		for (let s = Math.max(first, fromSeq); s <= last && entries.length < limit; s++) entries.push({ seq: s, data: { v: 1, seq: s } });
		return { entries, lastSeq: last };
	};
}

function setup(over: Partial<SessionOptions> = {}, stages?: StageRecorder) {
	const bus = new LocalBus();
	const hub = new TopicHub(bus, stages);
	const sock = fakeSocket();
	let release: (() => void) | null = null;
	const drops: string[] = [];
	const opts: SessionOptions = {
		policy: policy(),
		authRequired: false,
		socketHighWater: 1000,
		maxPendingPerTopic: 100,
		maxReplay: 10_000,
		snapshot: async () => ({ seq: 5, data: { seq: 5, price: 1 } }),
		replay: async () => null,
		authenticate: async () => {
			throw new Error("no credentials configured");
		},
		onDrop: (r, n) => {
			for (let i = 0; i < n; i++) drops.push(r);
		},
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
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"], since: { "ticks:AAPL": -1 } }));
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"], since: { "ticks:MSFT": 3 } }));
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"], since: [1] }));
		session.onMessage(JSON.stringify({ op: "auth" }));
		expect(sock.sent.map(f => f.code)).to.deep.equal(["BAD_JSON", "BAD_REQUEST", "UNKNOWN_OP", "BAD_REQUEST", "BAD_TOPIC", "BAD_TOPIC", "BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"]);
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
		const { sock, session } = setup({ policy: policy({ maxTopics: 200 }) });
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

	it("cuts a slow consumer with close code 4008 once its queue is full (policy disconnect), and counts the drop", async () => {
		const { sock, session, pub, drops, hub } = setup({ policy: policy({ queue: { maxBytes: 100_000, maxMessages: 3, policy: "disconnect" } }) });
		session.subscribe(["ticks:AAPL"]);
		await tick();
		sock.buffered = 5000; // the socket holds more than socketHighWater: frames now queue
		for (let seq = 6; seq <= 8; seq++) pub("AAPL", seq);
		expect(sock.closed).to.equal(null);
		expect(session.queue.queuedMessages).to.equal(3);
		pub("AAPL", 9);
		expect(sock.closed?.code).to.equal(WsClose.SLOW_CONSUMER);
		expect(sock.closed?.reason).to.match(/slow consumer/);
		expect(drops).to.deep.equal(["slow-consumer"]);
		expect(hub.topicCount).to.equal(0);
		expect(session.queue.queuedBytes).to.equal(0);
	});

	it("shares one serialised frame between sessions on the same topic", async () => {
		const a = setup({ snapshot: async () => null });
		const sockB = fakeSocket();
		const b = new ClientSession(sockB, a.hub, {
			policy: policy(),
			authRequired: false,
			socketHighWater: 1000,
			maxPendingPerTopic: 10,
			maxReplay: 10,
			snapshot: async () => null,
			replay: async () => null,
			authenticate: async () => ({ policy: policy(), sub: null, roles: [] }),
			onDrop: () => {},
		});
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

	describe("resume with since", () => {
		const updates = (sent: any[]) => sent.filter(f => f.type !== "subscribed").map(f => [f.type, f.seq]);

		it("replays exactly the missed updates from the log, then live ones, with no gap and no duplicate", async () => {
			const { sock, session, pub } = setup({ replay: tickLog(1, 10), replayPageSize: 3 });
			session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"], since: { "ticks:AAPL": 4 } }));
			pub("AAPL", 10); // published while the log is read: already in it, must not repeat
			pub("AAPL", 11);
			await tick();
			await tick();
			pub("AAPL", 12);
			expect(updates(sock.sent)).to.deep.equal([5, 6, 7, 8, 9, 10, 11, 12].map(s => ["update", s]));
			expect(sock.sent.find(f => f.type === "snapshot")).to.equal(undefined);
		});

		it("reads the log again when the held live updates overflow during the replay", async () => {
			let last = 10;
			let calls = 0;
			const { sock, session, pub, drops } = setup({
				maxPendingPerTopic: 2,
				replayPageSize: 100,
				replay: async (_t, from, limit) => {
					calls++;
					// 5 arrive while the log is read: more than the 2 held
					if (calls === 1) {
						for (let s = 11; s <= 15; s++) pub("AAPL", s);
						last = 15;
					}
					return tickLog(1, last)(_t, from, limit);
				},
			});
			session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 8 });
			for (let i = 0; i < 5; i++) await tick();
			pub("AAPL", 16);
			expect(calls).to.equal(2);
			expect(drops).to.include("pending-overflow");
			expect(updates(sock.sent)).to.deep.equal([9, 10, 11, 12, 13, 14, 15, 16].map(s => ["update", s]));
		});

		it("sends reset then the snapshot when the missed updates are no longer in the log", async () => {
			const { sock, session, pub } = setup({ replay: tickLog(50, 60), snapshot: async () => ({ seq: 60, data: { seq: 60 } }) });
			session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 20 });
			for (let i = 0; i < 4; i++) await tick();
			pub("AAPL", 61);
			expect(updates(sock.sent)).to.deep.equal([
				["reset", 60],
				["snapshot", 60],
				["update", 61],
			]);
			expect(sock.sent.find(f => f.type === "reset").reason).to.match(/no longer in the log/);
		});

		it("sends reset when since is ahead of the log, or further back than maxReplay", async () => {
			const a = setup({ replay: tickLog(1, 10), snapshot: async () => ({ seq: 10, data: {} }) });
			a.session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 99 });
			const b = setup({ replay: tickLog(1, 10), maxReplay: 3, snapshot: async () => ({ seq: 10, data: {} }) });
			b.session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 2 });
			for (let i = 0; i < 4; i++) await tick();
			expect(updates(a.sock.sent)).to.deep.equal([
				["reset", 10],
				["snapshot", 10],
			]);
			expect(updates(b.sock.sent)).to.deep.equal([
				["reset", 10],
				["snapshot", 10],
			]);
		});

		it("sends nothing but live updates when since is the current seq", async () => {
			const { sock, session, pub } = setup({ replay: tickLog(1, 10) });
			session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 10 });
			await tick();
			await tick();
			pub("AAPL", 11);
			expect(updates(sock.sent)).to.deep.equal([["update", 11]]);
		});

		it("on a derived topic (no log): nothing when up to date, reset + snapshot when behind", async () => {
			const upToDate = setup({ snapshot: async () => ({ seq: 7, data: {} }) });
			upToDate.session.subscribe(["signals:AAPL"], { "signals:AAPL": 7 });
			const behind = setup({ snapshot: async () => ({ seq: 9, data: { signals: [] } }) });
			behind.session.subscribe(["signals:AAPL"], { "signals:AAPL": 7 });
			for (let i = 0; i < 4; i++) await tick();
			expect(updates(upToDate.sock.sent)).to.deep.equal([]);
			expect(updates(behind.sock.sent)).to.deep.equal([
				["reset", 9],
				["snapshot", 9],
			]);
		});

		it("falls back to reset + snapshot with an error frame when the log cannot be read", async () => {
			const { sock, session } = setup({
				replay: async () => {
					throw new Error("store down");
				},
			});
			session.subscribe(["ticks:AAPL"], { "ticks:AAPL": 3 });
			for (let i = 0; i < 4; i++) await tick();
			expect(sock.sent.map(f => f.code ?? f.type)).to.deep.equal(["subscribed", "RESUME_FAILED", "reset", "snapshot"]);
		});
	});

	describe("auth, wildcards and tiers", () => {
		it("accepts only auth and ping until authenticated, then applies the token's tier", async () => {
			const seen: string[] = [];
			const { sock, session } = setup({
				authRequired: true,
				authenticate: async token => {
					seen.push(token);
					if (token !== "good") throw new Error("invalid token");
					return { policy: policy({ tier: "pro", maxTopics: 1, wildcards: true }), sub: "u1", roles: [] };
				},
			});
			session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"] }));
			session.onMessage(JSON.stringify({ op: "auth", token: "bad" }));
			await tick();
			session.onMessage(JSON.stringify({ op: "auth", token: "good" }));
			await tick();
			session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:A", "ticks:B"] }));
			expect(sock.sent.map(f => f.code ?? f.type)).to.deep.equal(["UNAUTHORIZED", "UNAUTHORIZED", "authenticated", "TOO_MANY_TOPICS"]);
			expect(sock.sent[1].message).to.equal("invalid token");
			expect(sock.sent[2]).to.deep.equal({ type: "authenticated", tier: "pro", sub: "u1", roles: [] });
			expect(session.policy.tier).to.equal("pro");
			expect(sock.closed).to.equal(null);
		});

		it("refuses wildcard topics where the tier does not allow them", () => {
			const { sock, session } = setup();
			session.subscribe(["ticks:*"]);
			expect(sock.sent.at(-1)).to.include({ type: "error", code: "FORBIDDEN", topic: "ticks:*" });
			expect(session.topics).to.deep.equal([]);
		});

		it("delivers every symbol's updates on a wildcard topic, named by their concrete topic, without a snapshot", async () => {
			let snapshots = 0;
			const { sock, session, pub } = setup({
				policy: policy({ wildcards: true }),
				snapshot: async () => (snapshots++, null),
			});
			session.subscribe(["ticks:*"]);
			await tick();
			pub("AAPL", 3);
			pub("BRK.B", 1);
			expect(sock.sent.slice(1).map(f => [f.type, f.topic, f.seq])).to.deep.equal([
				["update", "ticks:AAPL", 3],
				["update", "ticks:BRK.B", 1],
			]);
			expect(snapshots).to.equal(0);
		});

		it("delivers messages without a seq (intelligence updates) as they come", async () => {
			const { bus, sock, session } = setup({ snapshot: async () => null });
			session.subscribe(["intel:s1"]);
			await tick();
			bus.publish("rookery.intel.s1", { type: "intelligence_update", data: { x: 1 } });
			expect(sock.sent.at(-1)).to.deep.equal({ type: "update", topic: "intel:s1", data: { type: "intelligence_update", data: { x: 1 } } });
		});
	});

	describe("slow-client policies", () => {
		async function slow(queuePolicy: "conflate" | "drop-oldest", maxMessages = 3) {
			const s = setup({ policy: policy({ queue: { maxBytes: 100_000, maxMessages, policy: queuePolicy } }), snapshot: async () => null });
			s.session.subscribe(["ticks:AAPL", "ticks:MSFT"]);
			await tick();
			s.sock.buffered = 5000;
			return s;
		}

		it("conflate keeps only the newest queued update per topic, and sends it when the client reads again", async () => {
			const { sock, session, pub, drops } = await slow("conflate");
			for (let seq = 1; seq <= 50; seq++) pub("AAPL", seq);
			pub("MSFT", 7);
			expect(session.queue.queuedMessages).to.equal(2);
			expect(sock.closed).to.equal(null);
			sock.buffered = 0;
			sock.written.at(-1)!(); // the socket took its data: the queue drains
			expect(sock.sent.slice(1).map(f => [f.topic, f.seq])).to.deep.equal([
				["ticks:AAPL", 50],
				["ticks:MSFT", 7],
			]);
			expect(drops.filter(d => d === "conflated")).to.have.length(49);
		});

		it("drop-oldest keeps the newest maxMessages frames, in order", async () => {
			const { sock, session, pub, drops } = await slow("drop-oldest", 4);
			for (let seq = 1; seq <= 10; seq++) pub("AAPL", seq);
			expect(session.queue.queuedMessages).to.equal(4);
			sock.buffered = 0;
			sock.written.at(-1)!();
			expect(sock.sent.slice(1).map(f => f.seq)).to.deep.equal([7, 8, 9, 10]);
			expect(drops).to.deep.equal(Array(6).fill("drop-oldest"));
		});

		it("bounds the queue in bytes too", async () => {
			const s = setup({ policy: policy({ queue: { maxBytes: 500, maxMessages: 1000, policy: "drop-oldest" } }), snapshot: async () => null });
			s.session.subscribe(["ticks:AAPL"]);
			await tick();
			s.sock.buffered = 5000;
			for (let seq = 1; seq <= 100; seq++) s.pub("AAPL", seq);
			expect(s.session.queue.queuedBytes).to.be.at.most(500);
			expect(s.session.queue.queuedMessages).to.be.greaterThan(3);
		});
	});

	it("records a stamped update's gateway stages, through a snapshot's hold too, and leaves its frame as it was", async () => {
		const stages = new StageRecorder();
		let resolve: (v: { seq: number; data: unknown }) => void = () => {};
		const { sock, session, bus } = setup({ snapshot: () => new Promise(r => (resolve = r)) }, stages);
		const sent: number[] = [];
		session.queue.onSent = h => sent.push(h.t0);
		session.onMessage(JSON.stringify({ op: "subscribe", topics: ["ticks:AAPL"] }));
		await tick();
		const t0 = stages.clock() - 2;
		bus.publish(tickSubject("AAPL"), { v: 1, seq: 6, symbol: "AAPL" }, { t0, at: t0 + 1 });
		expect(sent, "held until the snapshot is sent").to.deep.equal([]);
		resolve({ seq: 5, data: { seq: 5 } });
		await tick();
		bus.publish(tickSubject("AAPL"), { v: 1, seq: 7, symbol: "AAPL" });
		expect(sock.sent.filter(f => f.type === "update")).to.deep.equal([
			{ type: "update", topic: "ticks:AAPL", seq: 6, data: { v: 1, seq: 6, symbol: "AAPL" } },
			{ type: "update", topic: "ticks:AAPL", seq: 7, data: { v: 1, seq: 7, symbol: "AAPL" } },
		]);
		expect(sent, "only the stamped one").to.deep.equal([t0]);
		const counts = Object.fromEntries(stages.snapshot().stages.map(s => [s.stage, s.count]));
		expect(counts).to.include({ "gateway.received": 1, fanout: 1, published: 0 });
		expect(stages.snapshot().stages.find(s => s.stage === "gateway.received")!.cumulative.p50).to.be.at.least(2);
	});
});
