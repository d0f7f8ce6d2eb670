/**
 * Per-hop latency of ticks on an embedded node (lib/metrics/stages.ts, `GET /metrics/stages`): every
 * stage of a POSTed batch is recorded once per request, owner call or frame, each later stage no
 * earlier than the one before; the frames are the documented ones; stamps are off by default; `latencyStages: false` takes no stamp.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import { requestJson } from "../helpers/http.ts";
import { STAGES, type StageSummary } from "../../lib/metrics/stages.ts";

async function postAndWatch(node: TestNode, requests: number) {
	const ws = await WsTestClient.connect(`${node.ws}/ws`);
	ws.subscribe("ticks:STA", "ticks:STB");
	await ws.waitForFrame(f => f.type === "subscribed", "subscribed");
	for (let i = 0; i < requests; i++) {
		const ts = Date.now();
		const r = await requestJson("POST", `${node.base}/api/v1/ticks`, {
			ticks: [
				{ symbol: "STA", price: 10 + i, size: 1, ts },
				{ symbol: "STB", price: 20, size: 2, ts },
				{ symbol: "STA", price: 11, size: 3, ts },
			],
		});
		expect(r.status).to.equal(200);
	}
	const updates = await ws.until(fs => fs.filter(f => f.type === "update").length === 3 * requests, "every update");
	ws.terminate();
	return updates.filter(f => f.type === "update");
}

const stagesOf = async (node: TestNode) => (await requestJson("GET", `${node.base}/metrics/stages`)).body as { enabled: boolean; stages: StageSummary[]; gc?: { count: number }; loopDelay?: { p99: number } };

describe("latency stages of ticks (embedded node)", function () {
	this.timeout(20_000);
	let node: TestNode | undefined;
	afterEach(() => node?.stop());

	it("records every stage of each batch, once per request, owner call or frame, in path order", async () => {
		node = await startNode({ nodeId: "stages-on", latencyStages: true });
		await requestJson("DELETE", `${node.base}/metrics/stages`);
		const updates = await postAndWatch(node, 4);
		// The documented tick message, nothing added.
		for (const u of updates) expect(u.data).to.have.all.keys("v", "seq", "symbol", "price", "size", "ts");
		const snap = await stagesOf(node);
		expect(snap.enabled).to.equal(true);
		const count = Object.fromEntries(snap.stages.map(s => [s.stage, s.count]));
		expect(count).to.deep.equal({ "http.parsed": 4, "ingest.checked": 4, "owner.sent": 4, "owner.received": 4, "actor.turn": 8, "append.done": 8, published: 8, "gateway.received": 8, fanout: 8, "ws.send": 8 });
		expect(snap.stages.map(s => s.stage)).to.deep.equal([...STAGES]);
		for (let i = 1; i < snap.stages.length; i++) expect(snap.stages[i].cumulative.max, snap.stages[i].stage).to.be.at.least(snap.stages[i - 1].cumulative.max);
		for (const s of snap.stages) expect(s.incremental.max, s.stage).to.be.at.most(s.cumulative.max);
		expect(snap.gc).to.be.an("object");
		expect(snap.loopDelay).to.be.an("object");
		const reset = await requestJson("DELETE", `${node.base}/metrics/stages`);
		expect(reset.status).to.equal(200);
		expect((await stagesOf(node)).stages.every(s => s.count === 0)).to.equal(true);
	});

	it("off (latencyStages: false): no stamp, nothing recorded, the same frames", async () => {
		node = await startNode({ nodeId: "stages-off", latencyStages: false });
		const updates = await postAndWatch(node, 2);
		for (const u of updates) expect(u.data).to.have.all.keys("v", "seq", "symbol", "price", "size", "ts");
		const snap = await stagesOf(node);
		expect(snap.enabled).to.equal(false);
		expect(snap.stages.every(s => s.count === 0)).to.equal(true);
		expect(snap.gc).to.equal(undefined);
	});
});
