/**
 * Fuzzing with fast-check: thousands of random WS frames (to the protocol, and over a real socket)
 * and REST bodies; nothing crashes, every reply is well-formed, and the node keeps serving.
 */
import { expect } from "chai";
import fc from "fast-check";
import { WebSocket } from "ws";
import { ClientSession } from "../../lib/streaming/client-session.ts";
import { TopicHub } from "../../lib/streaming/topic-hub.ts";
import { LocalBus } from "../../lib/bus/local-bus.ts";
import { createNode, type RookeryNode } from "../../services/node.ts";
import { defaultConfig, mergeConfig } from "../../lib/config/config.ts";
import { waitFor } from "../helpers/ports.ts";

const FRAME_TYPES = new Set(["subscribed", "unsubscribed", "authenticated", "snapshot", "update", "reset", "error", "pong"]);

/** Frames a client might send: mostly near-valid, so the fuzz reaches deep paths. */
const topicArb = fc.oneof(
	fc.constantFrom("ticks:AAPL", "bars:1m:AAPL", "indicators:MSFT", "signals:X", "news:AAPL", "intel:s1", "ticks:*", "bars:9m:A", "ticks:", "ticks:a", ":", "intel:a.b"),
	fc.string({ maxLength: 40 }),
	fc.anything(),
);
const frameArb = fc.oneof(
	fc.record({ op: fc.constantFrom("subscribe", "unsubscribe", "ping", "auth", "nope"), topics: fc.oneof(fc.array(topicArb, { maxLength: 8 }), fc.anything()), since: fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom("ticks:AAPL", "bars:1m:AAPL", "x"), fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.anything()))), token: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: ["op"] }).map(f => JSON.stringify(f)),
	fc.json(),
	fc.string({ maxLength: 200 }),
);

function wellFormed(text: string): void {
	const f = JSON.parse(text);
	expect(f).to.be.an("object");
	expect(FRAME_TYPES.has(f.type), text.slice(0, 200)).to.equal(true);
	if (f.type === "error") expect(f.code).to.be.a("string").and.match(/^[A-Z_]+$/);
}

describe("gateway fuzzing (fast-check)", function () {
	this.timeout(120_000);

	it("the WS protocol answers 5,000 random frames with well-formed frames only, never throwing", async () => {
		const bus = new LocalBus();
		const hub = new TopicHub(bus);
		await fc.assert(
			fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 5 }), async frames => {
				const sent: string[] = [];
				const s = new ClientSession({ send: (t, done) => (sent.push(t), done()), bufferedAmount: () => 0, close: () => {} }, hub, {
					policy: { tier: "pro", maxTopics: 5, wildcards: false, queue: { maxBytes: 1e6, maxMessages: 1000, policy: "conflate" } },
					authRequired: false,
					socketHighWater: 1e6,
					maxPendingPerTopic: 10,
					maxReplay: 100,
					snapshot: async () => ({ seq: 3, data: {} }),
					replay: async (_t, from) => ({ entries: from <= 3 ? [{ seq: 3, data: {} }] : [], lastSeq: 3 }),
					authenticate: async () => {
						throw new Error("refused");
					},
					onDrop: () => {},
				});
				for (const f of frames) s.onMessage(f);
				await new Promise(r => setImmediate(r));
				bus.publish("rookery.ticks.AAPL", { v: 1, seq: 4 });
				s.close();
				for (const t of sent) wellFormed(t);
				expect(sent.length).to.be.greaterThan(0);
			}),
			{ numRuns: 5000 },
		);
		expect(hub.topicCount, "every closed session released its topics").to.equal(0);
	});

	describe("over a real node", () => {
		let node: RookeryNode;
		let base: string;
		before(async () => {
			node = await createNode(mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "fuzz", services: ["gateway", "ingest", "symbols", "monitor"] }));
			await node.start();
			base = `http://127.0.0.1:${node.port()}`;
		});
		after(async () => node?.stop());

		it("answers 1,000 random frames on one WebSocket, staying open, every reply well-formed", async () => {
			const ws = new WebSocket(`ws://127.0.0.1:${node.port()}/ws`);
			const replies: string[] = [];
			ws.on("message", d => replies.push(d.toString()));
			await new Promise(r => ws.once("open", r));
			const frames = fc.sample(frameArb, 1000);
			for (const f of frames) ws.send(f);
			// Frames are answered in order: the answer to this last one comes after every earlier
			// synchronous answer (waiting for a quiet 250 ms instead failed on a loaded machine, where
			// the server's whole batch can take longer than that).
			ws.send(JSON.stringify({ op: "subscribe", topics: ["end-of-fuzz"] }));
			await waitFor(() => replies.some(r => r.includes("end-of-fuzz")), { timeoutMs: 20_000, what: "the answer to the last frame" });
			expect(ws.readyState).to.equal(WebSocket.OPEN);
			for (const r of replies) wellFormed(r);
			expect(replies.length).to.be.greaterThan(frames.length / 2);
			ws.terminate();
		});

		it("answers 1,500 random REST bodies with a status and the error format, never a 500", async () => {
			const paths = ["/api/v1/ticks", "/api/v1/auth/keys", "/streaming/subscribe/sse", "/api/v1/symbols/AAPL/history"];
			await fc.assert(
				fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.json(), fc.string({ maxLength: 300 }), fc.jsonValue().map(v => JSON.stringify({ symbol: "FZ", price: v, size: 1, ts: Date.now() }))), async (path, body) => {
					const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(5000) });
					const text = res.headers.get("content-type")?.includes("event-stream") ? (await res.body?.cancel(), "") : await res.text();
					expect(res.status, `${path} ${body.slice(0, 100)} → ${text.slice(0, 200)}`).to.be.oneOf([200, 400, 401, 404, 413, 422]);
					if (res.status >= 400) {
						const err = JSON.parse(text).error;
						expect(err.code).to.be.a("string");
						expect(err.message).to.be.a("string");
					}
				}),
				{ numRuns: 1500 },
			);
			expect((await fetch(`${base}/health`)).status).to.equal(200);
		});
	});
});
