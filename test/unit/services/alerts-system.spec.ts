/**
 * Built-in system alerts (seed 000) and the seed's alert surfaces on an embedded node in development
 * mode: a system rule fires on the node's sampled figures, once while the figure stays across
 * (cooldown), to admins' `alerts:{id}` and, through `POST /alerts/subscribe`, as `{"type":"alert"}`
 * on a seed WebSocket path; rules switched off in the config are not loaded.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { defaultAlertsConfig } from "../../../lib/alerts/alert-config.ts";
import { WsTestClient } from "../../helpers/ws-client.ts";
import { getJson, postJson } from "../../helpers/http.ts";

describe("services: system alerts and seed alert surfaces (embedded, development mode)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let base: string;
	const clients: WsTestClient[] = [];

	before(async () => {
		const alerts = defaultAlertsConfig();
		for (const r of Object.values(alerts.system.rules)) r.enabled = false;
		// Fired by the test: any WebSocket upgrade refused within a sample interval.
		alerts.system.rules.ws_upgrade_refused = { enabled: true, op: "gt", value: 0, severity: "critical" };
		alerts.system.intervalMs = 150;
		node = await startNode({ nodeId: "alerts-system", services: ["gateway", "monitor", "alerts"], alerts });
		base = node.base;
	});
	after(async () => {
		for (const c of clients) c.ws.terminate();
		await node?.stop();
	});

	const connect = async (path: string) => {
		const c = await WsTestClient.connect(`${base.replace("http", "ws")}${path}`);
		clients.push(c);
		return c;
	};

	it("loads the enabled built-in rules only, and fires the refused-upgrades rule once (cooldown) to the admin topic and a seed path subscribed to system alerts", async () => {
		const rules = (await getJson(`${base}/api/v1/alerts/rules`)).body.items as Array<{ id: string; owner: string; condition: { source: string } }>;
		expect(rules.map(r => r.id)).to.deep.equal(["system-ws-upgrade-refused"]);
		expect(rules[0]).to.deep.include({ owner: "system", condition: { source: "system", metric: "ws_upgrade_refused", op: "gt", value: 0 } });

		const sub = await postJson(`${base}/alerts/subscribe`, { user_id: "u1", alert_types: ["system"] });
		expect(sub.status).to.equal(201);
		const seed = await connect("/ws/market/AAPL");
		await seed.waitForFrame(f => f.type === "subscribed", "subscribed");
		// The seed path's own alerts topic is not named in its confirmation.
		expect(seed.frames[0]).to.deep.equal({ type: "subscribed", topics: ["ticks:AAPL"] });
		const admin = await connect("/ws");
		admin.subscribe("alerts:system-ws-upgrade-refused");
		await admin.waitForFrame(f => f.type === "subscribed", "subscribed");

		const refuse = () =>
			WsTestClient.connect(`${base.replace("http", "ws")}/ws/nothing`).then(
				() => expect.fail("upgraded"),
				() => {},
			);
		await refuse();
		const alert = await seed.waitForFrame(f => f.type === "alert", "a system alert on the seed path", 10_000);
		expect(alert.data).to.include({ rule_id: "system-ws-upgrade-refused", severity: "critical" });
		expect(alert.data.inputs).to.include({ node: "alerts-system", op: "gt", value: 0, ws_upgrade_refused: 1 });
		await admin.waitForFrame(f => f.type === "update" && f.topic === "alerts:system-ws-upgrade-refused", "the alert on the admin topic", 10_000);
		// The figure falls back, then goes over again within the cooldown (5 min): no second alert.
		await new Promise(r => setTimeout(r, 400));
		await refuse();
		await new Promise(r => setTimeout(r, 600));
		expect(seed.frames.filter(f => f.type === "alert")).to.have.length(1);
		const history = (await getJson(`${base}/api/v1/alerts/history?rule=system-ws-upgrade-refused`)).body.items;
		expect(history).to.have.length(1);
		expect(history[0].alert_id).to.equal(alert.data.alert_id);
		// Built-in rules are switched off in the config, not deleted.
		expect((await fetch(`${base}/api/v1/alerts/rules/system-ws-upgrade-refused`, { method: "DELETE" })).status).to.equal(403);
	});

	it("lists the alert paths in the OpenAPI document, with the rule body's schema", async () => {
		const doc = (await getJson(`${base}/api/openapi.json`)).body;
		const post = doc.paths["/api/v1/alerts/rules"].post;
		expect(post.requestBody.content["application/json"].schema.properties.condition.properties.op.enum).to.include("crosses_above");
		expect(post.responses).to.have.property("201");
		expect(doc.paths["/api/v1/alerts/history"].get.parameters.map((p: { name: string }) => p.name)).to.include.members(["rule", "from", "to", "limit", "cursor"]);
		expect(doc.paths["/api/v1/alerts/rules/{id}"]).to.have.keys("get", "delete");
		expect(doc.paths["/alerts/subscribe"]).to.have.property("post");
		expect(doc.paths["/alerts/unsubscribe/{subscription_id}"]).to.have.property("delete");
	});

	it("refuses a bad alert topic name with BAD_TOPIC", async () => {
		const c = await connect("/ws");
		c.subscribe("alerts:has space");
		const e = await c.waitForFrame(f => f.type === "error", "an error frame");
		expect(e.code).to.equal("BAD_TOPIC");
	});
});
