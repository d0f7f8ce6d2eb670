/**
 * Two nodes, each with a gateway and analytics, over a real NATS: one metric fed half through each
 * gateway gives one answer on both (each node aggregates what it received; a query merges every
 * node's bucket sketches), equal to a single node fed everything. The window topic reaches a WS
 * client of the other node, and events posted on one node reach the `events:{type}` topic.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { WindowStore } from "../../lib/analytics/window-store.ts";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";

describe("analytics across two nodes (real NATS)", () => {
	let nats: TestServer;
	const nodes: TestNode[] = [];
	const base = (i: number) => `http://127.0.0.1:${nodes[i].port()}`;

	before(async function () {
		nats = await startNats();
		for (const id of ["an-a", "an-b"]) {
			const config = testConfig({ nodeId: id, transporter: nats.url, services: ["gateway", "monitor", "analytics", "events"] });
			const node = await startNode(config);
			nodes.push(node);
		}
		// Each node sees the other's analytics service before the test feeds them.
		await waitFor(() => nodes.every(n => n.broker.registry.getServiceList({ onlyAvailable: true }).filter((s: { name: string }) => s.name === "analytics").length === 2), { what: "both analytics nodes" });
	});
	after(async () => {
		for (const n of nodes) await n.stop().catch(() => {});
		await nats?.stop();
	});

	it("merges one metric fed through both gateways into one answer", async () => {
		const values = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 1000) - 200 + i / 10);
		const halves = [values.filter((_, i) => i % 2 === 0), values.filter((_, i) => i % 2 === 1)];
		for (let i = 0; i < 2; i++) {
			// The POST lands on this gateway's own analytics (preferLocal): each node holds half.
			const r = await postJson(
				`${base(i)}/api/v1/analytics/metrics/cluster.lat`,
				halves[i].map(value => ({ value })),
			);
			expect(r.status).to.equal(200);
		}
		const local = nodes.map(n => (n.broker.getLocalService("analytics") as unknown as { windows: WindowStore }).windows.stats("cluster.lat", "1h")?.count ?? 0);
		expect(
			local.every(c => c > 0 && c < 400),
			`per-node counts ${local}`,
		).to.equal(true);

		const single = new WindowStore(10);
		for (const v of values) single.record("x", v);
		const want = single.stats("x", "1h")!;
		for (let i = 0; i < 2; i++) {
			const w = (await getJson(`${base(i)}/api/v1/analytics/windows/cluster.lat?window=1h`)).body;
			expect(w).to.include({ count: 400, min: want.min, max: want.max });
			expect(w.sum).to.be.closeTo(want.sum, 1e-6);
			for (const q of ["p50", "p95", "p99"] as const) expect(w[q]).to.be.closeTo(want[q]!, Math.abs(want[q]!) * 0.02 + 1e-9);
		}
	});

	it("publishes the window topic (from one node) to a WS client of either node", async () => {
		const ws = await WsTestClient.connect(`ws://127.0.0.1:${nodes[1].port()}/ws`);
		ws.subscribe("analytics:1m:ws.metric", "events:performance_metric");
		await ws.waitForFrame(f => f.type === "subscribed", "subscribed");
		await postJson(`${base(0)}/api/v1/analytics/metrics/ws.metric`, [{ value: 3 }, { value: 5 }]);
		const f = await ws.waitForFrame(f => f.type === "update" && f.topic === "analytics:1m:ws.metric", "window update", 5000);
		expect(f.data).to.include({ name: "ws.metric", window: "1m", count: 2, sum: 8, min: 3, max: 5 });
		const posted = await postJson(`${base(0)}/api/v1/events`, { type: "performance_metric", data: { metric_name: "ws.metric", value: 7 } });
		expect(posted.status).to.equal(201);
		const e = await ws.waitForFrame(f => f.type === "update" && f.topic === "events:performance_metric", "event update");
		expect(e.seq).to.equal(posted.body.items[0].seq);
		expect(e.data).to.include({ type: "performance_metric", id: posted.body.items[0].id });
		await ws.close();
	});
});
