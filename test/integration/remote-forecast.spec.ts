/**
 * The forecast agent against a local model server through the whole path: config url → agents
 * service → unified intelligence answer (real HTTP both ways, embedded node).
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { postJson } from "../helpers/http.ts";
import { sendJson, startFakeModelServer, type FakeModelServer } from "../unit/agents/fake-model-server.ts";

describe("remote forecast agent in a unified answer (embedded node, local DeepAR-style server)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let server: FakeModelServer;
	let base: string;
	const M = 60_000;
	const T0 = Math.floor(Date.now() / M) * M - 40 * M;

	before(async () => {
		// Answers a rising forecast: mean +1 per step, 80% band ±0.5, 95% band ±1.
		server = await startFakeModelServer((req, res) => {
			const last = req.body.instances[0].target.at(-1) as number;
			const mean = Array.from({ length: req.body.prediction_length as number }, (_, i) => last + i + 1);
			const at = (d: number) => mean.map(m => m + d);
			sendJson(res, { predictions: [{ mean, quantiles: { "0.025": at(-1), "0.1": at(-0.5), "0.5": mean, "0.9": at(0.5), "0.975": at(1) } }] });
		});
		node = await startNode({ nodeId: "remote-forecast", agents: { forecast: { url: `${server.url}/invocations` } } as never });
		base = node.base;
		const ticks = Array.from({ length: 35 }, (_, i) => ({ symbol: "RFC", price: 50 + Math.sin(i / 4), size: 1, ts: T0 + i * M + 1000 }));
		expect((await postJson(`${base}/api/v1/ticks`, ticks)).status).to.equal(200);
	});
	after(async () => {
		await node?.stop();
		await server?.close();
	});

	it("the forecast comes from the model server, with the bars' closes and start, and counts as an up call", async () => {
		const r = await postJson(`${base}/api/v1/intelligence/unified`, { symbols: ["RFC"], analysis_type: "forecast", time_horizon: "intraday" });
		expect(r.status, JSON.stringify(r.body)).to.equal(200);
		const f = r.body.symbols.RFC.agents.forecast;
		expect(f, JSON.stringify(f)).to.include({ status: "ok", mode: "remote" });
		expect(f.result).to.include({ model: "deepar-json", horizon: 10, direction: 1 });
		expect(f.result.points[0].upper80 - f.result.points[0].lower80).to.be.closeTo(1, 1e-9);
		const sent = server.requests.at(-1)!.body;
		expect(sent.prediction_length).to.equal(10);
		expect(sent.instances[0].target.length).to.be.at.least(21);
		expect(sent.instances[0].start).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:00$/);
	});
});
