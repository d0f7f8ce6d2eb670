/**
 * Each rule source on an embedded node (development mode, real clock), through the real hooks: the
 * symbol actor's final indicators and signals, analytics' window publications, stored events.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { defaultConfig } from "../../../lib/config/config.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { waitFor } from "../../helpers/ports.ts";

const M = 60_000;

describe("services: alert sources through their real hooks (embedded)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let base: string;

	before(async () => {
		node = await startNode({ nodeId: "alerts-sources", services: ["gateway", "monitor", "ingest", "symbols", "events", "analytics", "alerts"], alerts: { system: { ...defaultConfig().alerts.system, enabled: false } } });
		base = `${node.base}/api/v1`;
	});
	after(async () => node?.stop());

	const rule = async (body: object) => {
		const r = await postJson(`${base}/alerts/rules`, { cooldown_ms: 0, ...body });
		expect(r.status, JSON.stringify(r.body)).to.equal(201);
		return r.body.id as string;
	};
	const history = async (id: string) => (await getJson(`${base}/alerts/history?rule=${id}`)).body.items as Array<{ inputs: Record<string, unknown>; message: string }>;

	it("indicator: fires when the 1m SMA(20) of closed bars enters the state, once", async () => {
		const id = await rule({ name: "sma up", condition: { source: "indicator", symbol: "INDA", tf: "1m", field: "sma_20", op: "gt", value: 100 } });
		const t0 = Math.floor(Date.now() / M) * M - 40 * M;
		// 35 one-minute bars rising 90 → 124: the SMA of 20 closes passes 100 once, and stays above.
		const ticks = Array.from({ length: 35 }, (_, i) => ({ symbol: "INDA", price: 90 + i, size: 1, ts: t0 + i * M + 1000 }));
		expect((await postJson(`${base}/ticks`, ticks)).status).to.equal(200);
		const items = await waitFor(async () => ((await history(id)).length > 0 ? history(id) : null), { what: "an indicator alert" });
		expect(items).to.have.length(1);
		expect(items[0].inputs).to.include({ symbol: "INDA", tf: "1m", op: "gt", value: 100 });
		expect(items[0].inputs.sma_20 as number).to.be.greaterThan(100);
	});

	it("window: fires on the published p95 of a metric", async () => {
		const id = await rule({ name: "slow api", condition: { source: "window", metric: "api_response_time", tf: "1m", field: "p95", op: "gt", value: 250 } });
		expect((await postJson(`${base}/analytics/metrics/api_response_time`, [{ value: 100 }, { value: 400 }, { value: 500 }])).status).to.equal(200);
		const items = await waitFor(async () => ((await history(id)).length > 0 ? history(id) : null), { timeoutMs: 5000, what: "a window alert" });
		expect(items[0].inputs).to.include({ metric: "api_response_time", window: "1m", op: "gt" });
	});

	it("event and pattern: fire per matching stored event, filtered by entity and pattern id", async () => {
		const anomaly = await rule({ name: "anomaly on svc", condition: { source: "event", field: "anomaly_detected", symbol: "svc-a" } });
		const pattern = await rule({ name: "h&s", condition: { source: "pattern", field: "head-shoulders" } });
		const r = await postJson(`${base}/events`, [
			{ type: "anomaly_detected", entity: "svc-b", data: { metric: "lat", value: 9 } },
			{ type: "anomaly_detected", entity: "svc-a", data: { metric: "lat", value: 9 } },
			{ type: "pattern_matched", data: { pattern_id: "flag", inputs: {} } },
			{ type: "pattern_matched", entity: "AAPL", data: { pattern_id: "head-shoulders", inputs: {} } },
		]);
		expect(r.status).to.equal(201);
		await waitFor(async () => (await history(anomaly)).length === 1 && (await history(pattern)).length === 1, { what: "one alert each" });
		expect((await history(anomaly))[0].inputs).to.include({ entity: "svc-a", event_id: r.body.items[1].id });
		expect((await history(pattern))[0].inputs).to.include({ pattern_id: "head-shoulders", entity: "AAPL" });
	});
});
