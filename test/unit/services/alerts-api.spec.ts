/**
 * Alerts over REST and WebSocket on an embedded node with JWT auth and a fake clock: 422s name the
 * field and store nothing; a rule fires once per crossing on the symbol's ticks, to its owner's WS
 * topics (not another user's), NATS `rookery.alerts.{id}`, the history and the events trail; another
 * user gets 404; the tier caps the rule count (atomically, under concurrent creates); cooldown follows the clock; an update replayed after
 * the actor is rebuilt (fresh rule state, as on a new owner) does not fire again.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { DEFAULT_TIERS } from "../../../lib/auth/tiers.ts";
import { WsTestClient } from "../../helpers/ws-client.ts";
import { waitFor } from "../../helpers/ports.ts";

const SECRET = "s".repeat(48);
// Near the real clock: JWT expiry is checked against the node clock.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const jwt = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));

describe("services: alerts REST + WS (embedded node, JWT, fake clock)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let base: string;
	let now = T0;
	const tokens: Record<"alice" | "bob" | "carol" | "admin", string> = { alice: "", bob: "", carol: "", admin: "" };
	const clients: WsTestClient[] = [];

	before(async () => {
		const tiers = structuredClone(DEFAULT_TIERS);
		tiers.pro.maxAlertRules = 4;
		node = await startNode(
			{
				nodeId: "alerts-test",
				services: ["gateway", "monitor", "ingest", "symbols", "events", "alerts"],
				auth: { jwtSecret: SECRET, anonymousTier: null, tiers } as never,
				alerts: { system: { enabled: false } } as never,
			},
			{ now: () => now },
		);
		base = node.base;
		tokens.alice = await jwt({ sub: "alice", tier: "pro" });
		tokens.bob = await jwt({ sub: "bob", tier: "pro" });
		tokens.carol = await jwt({ sub: "carol", tier: "pro" });
		tokens.admin = await jwt({ sub: "root", tier: "internal", roles: ["admin"] });
	});
	after(async () => {
		for (const c of clients) c.ws.terminate();
		await node?.stop();
	});

	const call = async (who: keyof typeof tokens, method: string, path: string, body?: unknown) => {
		const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await res.text();
		return { status: res.status, body: text ? JSON.parse(text) : null };
	};
	const ticks = (symbol: string, prices: number[], step = 1000) => {
		const out = prices.map((price, i) => ({ symbol, price, size: 1, ts: now + i * step }));
		now += prices.length * step;
		return call("alice", "POST", "/api/v1/ticks", out);
	};
	const rules = async (who: keyof typeof tokens) => (await call(who, "GET", "/api/v1/alerts/rules")).body.items as Array<{ id: string; owner: string }>;
	const ws = async (who: keyof typeof tokens, ...topics: string[]) => {
		const c = await WsTestClient.connect(`${base.replace("http", "ws")}/ws?token=${tokens[who]}`);
		clients.push(c);
		c.subscribe(...topics);
		await c.waitForFrame(f => f.type === "subscribed", "subscribed");
		return c;
	};

	const bad: Array<[string, unknown, string]> = [
		["a missing name", { condition: { source: "price", symbol: "AAPL", op: "gt", value: 1 } }, "name"],
		["an unknown source", { name: "x", condition: { source: "weather", op: "gt", value: 1 } }, "condition.source"],
		["an unknown op", { name: "x", condition: { source: "price", symbol: "AAPL", op: "above", value: 1 } }, "condition.op"],
		["a price rule without a symbol", { name: "x", condition: { source: "price", op: "gt", value: 1 } }, "condition.symbol"],
		["a value that is not a number", { name: "x", condition: { source: "price", symbol: "AAPL", op: "gt", value: "200" } }, "condition.value"],
		["a bad timeframe", { name: "x", condition: { source: "indicator", symbol: "AAPL", tf: "7m", field: "rsi_14", op: "lt", value: 30 } }, "condition.tf"],
		["a window rule without a metric", { name: "x", condition: { source: "window", field: "p95", op: "gt", value: 250 } }, "condition.metric"],
		["a bad severity", { name: "x", severity: "urgent", condition: { source: "signal", symbol: "TSLA" } }, "severity"],
		["a webhook without a secret", { name: "x", condition: { source: "signal", symbol: "TSLA" }, channels: [{ type: "ws" }, { type: "webhook", url: "https://example.com/h" }] }, "channels[1].secret"],
		["a webhook to a private address", { name: "x", condition: { source: "signal", symbol: "TSLA" }, channels: [{ type: "webhook", url: "http://10.0.0.5/h", secret: "k".repeat(20) }] }, "channels[0].url"],
		["a bad email", { name: "x", condition: { source: "signal", symbol: "TSLA" }, channels: [{ type: "email", to: "nobody" }] }, "channels[0].to"],
		["the reserved id 'me'", { id: "me", name: "x", condition: { source: "signal", symbol: "TSLA" } }, "id"],
		["an id in the built-in rules' space", { id: "system-cpu-percent", name: "x", condition: { source: "signal", symbol: "TSLA" } }, "id"],
		["a negative cooldown", { name: "x", cooldown_ms: -1, condition: { source: "signal", symbol: "TSLA" } }, "cooldown_ms"],
	];
	for (const [what, body, field] of bad) {
		it(`refuses ${what} with 422 naming '${field}' and stores nothing`, async () => {
			const before = (await rules("admin")).length;
			const r = await call("alice", "POST", "/api/v1/alerts/rules", body);
			expect(r.status).to.equal(422);
			expect(r.body.error.code).to.equal("VALIDATION_ERROR");
			expect(r.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
			expect((await rules("admin")).length).to.equal(before);
		});
	}

	let ruleId = "";
	it("fires crosses_above once per crossing: owner's alerts:{id} and alerts:me, NATS subject, history with deliveries, the events trail", async () => {
		const created = await call("alice", "POST", "/api/v1/alerts/rules", {
			name: "AAPL over 200",
			condition: { source: "price", symbol: "AAPL", op: "crosses_above", value: 200 },
			severity: "high",
			cooldown_ms: 0,
			channels: [{ type: "ws" }, { type: "nats" }, { type: "email", to: "alice@example.com" }],
		});
		expect(created.status).to.equal(201);
		ruleId = created.body.id;
		const nats: unknown[] = [];
		const off = node.deps.bus.subscribe(`rookery.alerts.${ruleId}`, m => nats.push(m));
		const alice = await ws("alice", `alerts:${ruleId}`, "alerts:me");
		const bob = await ws("bob", `alerts:${ruleId}`, "alerts:me");
		expect((await ticks("AAPL", [199, 201, 202, 199, 203])).status).to.equal(200);
		await alice.until(f => f.filter(x => x.type === "update").length === 4, "two alerts on each of two topics");
		off();
		const alerts = alice.forTopic(`alerts:${ruleId}`).map(f => f.data);
		expect(alerts.map(a => a.inputs.price)).to.deep.equal([201, 203]);
		expect(alerts[0]).to.include({ rule_id: ruleId, rule_name: "AAPL over 200", severity: "high" });
		expect(alerts[0]).to.not.have.property("channels");
		expect(alice.forTopic("alerts:me").map(f => f.data.alert_id)).to.deep.equal(alerts.map(a => a.alert_id));
		expect(nats.map(m => (m as { alert_id: string }).alert_id)).to.deep.equal(alerts.map(a => a.alert_id));
		bob.send({ op: "ping" });
		await bob.waitForFrame(f => f.type === "pong", "pong");
		expect(bob.frames.filter(f => f.type === "update")).to.deep.equal([]);

		const h = await call("alice", "GET", `/api/v1/alerts/history?rule=${ruleId}`);
		expect(h.status).to.equal(200);
		expect(h.body.items.map((i: { alert_id: string }) => i.alert_id)).to.deep.equal(alerts.map(a => a.alert_id));
		expect(h.body.items[0].deliveries).to.deep.equal([
			{ channel: "ws", status: "delivered", attempts: 1, last_error: null },
			{ channel: "nats", status: "delivered", attempts: 1, last_error: null },
			// Queued on the delivery channel (every node running alerts has it); no alert-delivery service here, so it waits.
			{ channel: "email", status: "pending", attempts: 0, last_error: null },
		]);
		const events = await waitFor(
			async () => {
				const r = await call("admin", "GET", "/api/v1/events?type=alert_triggered");
				return r.body.items.length === 2 ? r.body.items : null;
			},
			{ what: "two alert_triggered events" },
		);
		expect(events.map((e: { id: string }) => e.id)).to.deep.equal(alerts.map(a => a.alert_id));
		expect(events[0]).to.deep.include({ entity: "AAPL", severity: "high" });
	});

	it("records delivery results idempotently: an older or repeated result changes nothing", async () => {
		const [first] = (await call("alice", "GET", `/api/v1/alerts/history?rule=${ruleId}&limit=1`)).body.items;
		const result = (status: string, attempts: number, last_error: string | null = null) => ({ alert_id: first.alert_id, delivery_id: `${first.alert_id}:2`, channel: "email", status, attempts, last_error });
		await node.broker.call("alerts.recordDelivery", result("retrying", 1, "421 try later"));
		await node.broker.call("alerts.recordDelivery", result("delivered", 2));
		await node.broker.call("alerts.recordDelivery", result("retrying", 1, "421 try later")); // late duplicate
		await node.broker.call("alerts.recordDelivery", result("delivered", 2));
		const again = (await call("alice", "GET", `/api/v1/alerts/history?rule=${ruleId}&limit=1`)).body.items[0];
		expect(again.deliveries[2]).to.deep.equal({ channel: "email", status: "delivered", attempts: 2, last_error: null });
		const unknown = await node.broker.call("alerts.recordDelivery", { ...result("delivered", 1), alert_id: "al_nope", delivery_id: "al_nope:0" }).catch((e: { code: number }) => e);
		expect((unknown as { code: number }).code).to.equal(404);
	});

	it("answers another user 404 on GET/DELETE and hides the rule and its history; admins see all", async () => {
		expect((await call("bob", "GET", `/api/v1/alerts/rules/${ruleId}`)).status).to.equal(404);
		expect((await call("bob", "DELETE", `/api/v1/alerts/rules/${ruleId}`)).status).to.equal(404);
		expect((await call("bob", "GET", `/api/v1/alerts/history?rule=${ruleId}`)).status).to.equal(404);
		expect((await call("bob", "GET", "/api/v1/alerts/history")).body.items).to.deep.equal([]);
		expect((await rules("bob")).map(r => r.id)).to.not.include(ruleId);
		expect((await rules("admin")).map(r => r.id)).to.include(ruleId);
		expect((await call("alice", "GET", `/api/v1/alerts/rules/${ruleId}`)).body).to.include({ id: ruleId, owner: "jwt:alice" });
		expect((await call("admin", "GET", "/api/v1/alerts/history")).body.items.length).to.equal(2);
	});

	it("pages the history with a cursor and filters it by from/to", async () => {
		const all = (await call("alice", "GET", "/api/v1/alerts/history")).body.items as Array<{ alert_id: string; ts: number }>;
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const page: { status: number; body: { items: Array<{ alert_id: string }>; next: string | null } } = await call("alice", "GET", `/api/v1/alerts/history?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
			seen.push(...page.body.items.map(i => i.alert_id));
			cursor = page.body.next;
		} while (cursor);
		expect(seen).to.deep.equal(all.map(a => a.alert_id));
		const late = await call("alice", "GET", `/api/v1/alerts/history?from=${all[1].ts}`);
		expect(late.body.items.map((i: { alert_id: string }) => i.alert_id)).to.deep.equal([all[1].alert_id]);
		expect((await call("alice", "GET", "/api/v1/alerts/history?cursor=bm9wZQ")).status).to.equal(422);
	});

	it("caps rules per owner by tier (403), counting only the owner's", async () => {
		const mk = (i: number) => call("bob", "POST", "/api/v1/alerts/rules", { name: `b${i}`, condition: { source: "signal", symbol: "TSLA" } });
		for (let i = 0; i < 4; i++) expect((await mk(i)).status).to.equal(201);
		const over = await mk(5);
		expect(over.status).to.equal(403);
		expect(over.body.error.message).to.match(/pro tier allows 4/);
		expect((await rules("bob")).length).to.equal(4);
		const page = (await call("bob", "GET", "/api/v1/alerts/rules?limit=3&offset=2")).body;
		expect(page).to.include({ total: 4, limit: 3, offset: 2 });
		expect(page.items.map((r: { id: string }) => r.id)).to.deep.equal((await rules("bob")).slice(2).map(r => r.id));
	});

	it("caps concurrent creations atomically: 8 at once for 4 places give 4 × 201 and 4 × 403; a delete frees a place", async () => {
		const mk = (i: number) => call("carol", "POST", "/api/v1/alerts/rules", { name: `c${i}`, condition: { source: "signal", symbol: "TSLA" } });
		// Straight to the action, so the 8 handlers interleave at every await (as on two nodes).
		const auth = { sub: "carol", roles: [], via: "jwt", tier: "pro" };
		const create = (i: number) =>
			node.broker.call("alerts.createRule", { body: { name: `c${i}`, condition: { source: "signal", symbol: "TSLA" } } }, { meta: { auth } }).then(
				() => 201,
				(err: { code?: number }) => err.code,
			);
		const statuses = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(create));
		expect(statuses.filter(s => s === 201)).to.have.length(4);
		expect(statuses.filter(s => s === 403)).to.have.length(4);
		const mine = await rules("carol");
		expect(mine.length).to.equal(4);
		expect((await call("carol", "DELETE", `/api/v1/alerts/rules/${mine[0].id}`)).status).to.equal(200);
		expect((await mk(8)).status).to.equal(201);
		expect((await mk(9)).status).to.equal(403);
	});

	it("keeps the cooldown on the clock; a replayed update (actor rebuilt, rule state fresh) does not fire again", async () => {
		const created = await call("alice", "POST", "/api/v1/alerts/rules", { name: "MSFT high", condition: { source: "price", symbol: "MSFT", op: "gt", value: 50 }, cooldown_ms: 60_000 });
		const id = created.body.id as string;
		const history = async () => (await call("alice", "GET", `/api/v1/alerts/history?rule=${id}`)).body.items as Array<{ inputs: { price: number } }>;
		await ticks("MSFT", [49, 51, 49], 10_000); // fires at 51
		await ticks("MSFT", [52], 10_000); // re-entered within 60 s: cooldown
		await waitFor(async () => (await history()).length === 1, { what: "one alert" });
		now += 60_000;
		await ticks("MSFT", [49, 53]);
		await waitFor(async () => (await history()).length === 2, { what: "a second alert after the cooldown" });
		expect((await history()).map(a => a.inputs.price)).to.deep.equal([51, 53]);

		// As on a new owner: the rule's state is gone and the actor is rebuilt from its snapshot; its
		// latest tick (53, the one that fired) is replayed: the rule's last firing, restored from the
		// store, holds it in cooldown (with cooldown 0 the store would refuse the same alert id).
		const engine = node.deps.alerts;
		const rule = engine.get(id)!;
		engine.remove(id);
		engine.put(rule);
		await node.broker.call("symbols.passivate", { symbol: "MSFT" });
		const dupBefore = duplicates();
		const cooledBefore = engine.counts.cooldown;
		await node.broker.call("symbols.latest", { symbol: "MSFT" });
		await node.broker.call("symbols.bars", { symbol: "MSFT" });
		await waitFor(() => duplicates() > dupBefore || engine.counts.cooldown > cooledBefore, { what: "the replayed firing suppressed" });
		expect((await history()).length).to.equal(2);
	});

	it("keeps the cooldown across a rebuild: the rule's last firing comes from the alert store", async () => {
		const created = await call("alice", "POST", "/api/v1/alerts/rules", { name: "NFLX high", condition: { source: "price", symbol: "NFLX", op: "gt", value: 50 }, cooldown_ms: 60_000 });
		const id = created.body.id as string;
		const history = async () => (await call("alice", "GET", `/api/v1/alerts/history?rule=${id}`)).body.items as Array<{ inputs: { price: number } }>;
		await ticks("NFLX", [49, 51, 49], 10_000); // fires at 51; the latest tick (49) is below
		await waitFor(async () => (await history()).length === 1, { what: "one alert" });
		// As on a new owner: the rule's state (and its last firing) is gone, the actor is rebuilt
		// from its snapshot, which does not replay the tick that fired.
		const engine = node.deps.alerts;
		const rule = engine.get(id)!;
		engine.remove(id);
		engine.put(rule);
		await node.broker.call("symbols.passivate", { symbol: "NFLX" });
		const cooled = engine.counts.cooldown;
		await ticks("NFLX", [52], 10_000); // re-entered 30 s after the firing: inside the cooldown
		expect(engine.counts.cooldown).to.equal(cooled + 1);
		now += 60_000;
		await ticks("NFLX", [49, 54]);
		await waitFor(async () => (await history()).length === 2, { what: "an alert after the cooldown" });
		expect((await history()).map(a => a.inputs.price)).to.deep.equal([51, 54]);
	});

	function duplicates(): number {
		const m = node.broker.metrics.getMetric("rookery.alerts.duplicates") as unknown as { values: Map<string, { value: number }> };
		return [...m.values.values()].reduce((a, v) => a + v.value, 0);
	}

	it("deletes a rule (owner), which then stops firing; seed subscribe/unsubscribe with ownership", async () => {
		expect((await call("alice", "DELETE", `/api/v1/alerts/rules/${ruleId}`)).status).to.equal(200);
		expect((await call("alice", "GET", `/api/v1/alerts/rules/${ruleId}`)).status).to.equal(404);
		const sub = await call("alice", "POST", "/alerts/subscribe", { user_id: "alice", symbols: ["AAPL"], alert_types: ["price", "system"] });
		expect(sub.status).to.equal(201);
		expect(sub.body).to.include({ status: "subscribed", topic: "alerts:me" });
		expect((await call("alice", "POST", "/alerts/subscribe", { alert_types: ["weather"] })).status).to.equal(422);
		expect((await call("bob", "DELETE", `/alerts/unsubscribe/${sub.body.subscription_id}`)).status).to.equal(404);
		expect((await call("alice", "DELETE", `/alerts/unsubscribe/${sub.body.subscription_id}`)).status).to.equal(200);
		expect((await call("alice", "DELETE", `/alerts/unsubscribe/${sub.body.subscription_id}`)).status).to.equal(404);
	});
});
