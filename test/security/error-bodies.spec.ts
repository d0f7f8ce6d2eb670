/**
 * Issue 13 item 16: error answers to clients (REST bodies, WS error frames) do not name internal
 * node ids or action names; Moleculer's errors carry both in their message and data. The actions
 * behind two routes are replaced by ones that fail as calls inside a cluster do.
 */
import { expect } from "chai";
import { Errors, type ServiceBroker } from "moleculer";
import { WsTestClient } from "../helpers/ws-client.ts";
import { startNode, type TestNode } from "./gateway-node.ts";

const NODE = "node-secret-7";
const INNER = "store.secretInnerAction";

describe("security: client errors name no node or action", function () {
	this.timeout(20_000);
	let n: TestNode;
	before(async () => {
		n = await startNode({ services: ["gateway", "monitor", "symbols"] as never });
		const broker: ServiceBroker = n.node.broker;
		const failing = {
			name: "config",
			actions: {
				listInstruments: () => Promise.reject(new Errors.RequestTimeoutError({ action: INNER, nodeID: NODE } as never)),
				listWorkers: () => Promise.reject(new Errors.ServiceNotFoundError({ action: INNER, nodeID: NODE } as never)),
				telemetry: () => Promise.reject(new Errors.QueueIsFullError({ action: INNER, nodeID: NODE } as never)),
				getCadence: { params: { data_type: { type: "number", convert: true } }, handler: () => ({}) },
			},
		};
		broker.createService(failing);
		await broker.waitForServices(["config"]);
		// The symbol's current value fails as a call to another node does.
		await broker.destroyService(broker.getLocalService("symbols")!);
		const timedOut = () => Promise.reject(new Errors.RequestTimeoutError({ action: INNER, nodeID: NODE } as never));
		broker.createService({ name: "symbols", actions: { latest: timedOut, topicSnapshot: timedOut } });
		await broker.waitForServices(["symbols"]);
	});
	after(async () => n?.node.stop());

	const leaks = (text: string) => [NODE, INNER, n.node.broker.nodeID, "config.", "symbols."].filter(s => text.includes(s));

	for (const [path, status] of [
		["/api/v1/config/instruments", 503],
		["/api/v1/workers", 503],
		["/api/v1/workers/telemetry", 503],
		["/api/v1/config/cadences/news", 422],
		["/api/v1/symbols/AAPL/latest", 503],
	] as const) {
		it(`GET ${path}: ${status} without node ids or action names`, async () => {
			const res = await fetch(`${n.base}${path}`);
			const text = await res.text();
			expect(res.status).to.equal(status);
			expect(JSON.parse(text).error.message).to.be.a("string").and.not.equal("");
			expect(leaks(text), text).to.deep.equal([]);
		});
	}

	it("a WS snapshot failure frame names neither", async () => {
		const c = await WsTestClient.connect(`${n.ws}/ws`);
		try {
			c.subscribe("ticks:AAPL");
			const e = await c.waitForFrame(f => f.type === "error", "error frame");
			expect(e.code).to.equal("SNAPSHOT_FAILED");
			expect(leaks(JSON.stringify(e)), JSON.stringify(e)).to.deep.equal([]);
		} finally {
			c.terminate();
		}
	});
});
