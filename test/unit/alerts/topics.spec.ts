/**
 * Alert topics are per caller: `alerts:me` and `alerts:{id}` resolve to the caller's own subject
 * (admins: the rule's public one), two callers' `alerts:me` are two hub subscriptions, and a session
 * that cannot resolve them refuses them.
 */
import { expect } from "chai";
import { ClientSession, type SessionOptions } from "../../../lib/streaming/client-session.ts";
import { TopicHub } from "../../../lib/streaming/topic-hub.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { alertSubjects, resolveAlertTopic } from "../../../lib/alerts/topics.ts";
import type { CallerAuth } from "../../../lib/auth/owner.ts";

const alice: CallerAuth = { sub: "alice", roles: [], via: "jwt" };
const bob: CallerAuth = { sub: "bob", roles: [], via: "jwt" };
const admin: CallerAuth = { sub: "root", roles: ["admin"], via: "jwt" };

function session(hub: TopicHub, caller: CallerAuth | null, resolve = true) {
	const sent: Array<{ type: string; topic?: string; code?: string; data?: { alert_id: string } }> = [];
	const opts: SessionOptions = {
		policy: { tier: "pro", maxTopics: 10, wildcards: true, queue: { maxBytes: 1e6, maxMessages: 1000, policy: "disconnect" } },
		authRequired: false,
		socketHighWater: 1e6,
		maxPendingPerTopic: 100,
		maxReplay: 100,
		snapshot: async () => null,
		replay: async () => null,
		authenticate: async () => {
			throw new Error("none");
		},
		onDrop: () => {},
		...(resolve && { resolveTopic: t => resolveAlertTopic(t, caller) }),
	};
	const s = new ClientSession({ send: (text, written) => (sent.push(JSON.parse(text)), written()), bufferedAmount: () => 0, close: () => {} }, hub, opts);
	return { s, sent, updates: () => sent.filter(f => f.type === "update").map(f => `${f.topic}=${f.data!.alert_id}`) };
}

describe("alerts: per-caller WS topics (lib/alerts/topics.ts)", () => {
	it("delivers a rule's alerts to its owner's alerts:{id} and alerts:me and to admins, never to another caller", async () => {
		const bus = new LocalBus();
		const hub = new TopicHub(bus);
		const a = session(hub, alice);
		const b = session(hub, bob);
		const root = session(hub, admin);
		a.s.subscribe(["alerts:r1", "alerts:me"]);
		b.s.subscribe(["alerts:r1", "alerts:me"]);
		root.s.subscribe(["alerts:r1"]);
		await new Promise(r => setImmediate(r));
		// What the alerts service publishes for alice's rule r1.
		bus.publish(alertSubjects.rule("r1"), { alert_id: "x1" });
		bus.publish(alertSubjects.owner("jwt:alice", "r1"), { alert_id: "x1" });
		await new Promise(r => setImmediate(r));
		expect(a.updates()).to.deep.equal(["alerts:r1=x1", "alerts:me=x1"]);
		expect(b.updates()).to.deep.equal([]);
		expect(root.updates()).to.deep.equal(["alerts:r1=x1"]);
		// Same names, different subjects: one hub entry per caller's subject.
		expect(hub.topicCount).to.equal(5);
		b.s.close();
		expect(hub.topicCount).to.equal(3);
		a.s.unsubscribe(["alerts:me"]);
		expect(hub.topicCount).to.equal(2);
	});

	it("refuses alert topics in a session that cannot resolve them", () => {
		const x = session(new TopicHub(new LocalBus()), alice, false);
		x.s.subscribe(["alerts:me"]);
		expect(x.sent.at(-1)).to.include({ type: "error", code: "FORBIDDEN", topic: "alerts:me" });
	});
});
