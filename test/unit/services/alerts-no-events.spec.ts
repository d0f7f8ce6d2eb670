/**
 * A node that runs alerts without the events service: a firing is stored and published as ever,
 * and its `alert_triggered` event is not sent to a service that is not there (such a call builds an
 * error and logs a warning on every alert, ~0.2 ms each, on the owner's event loop).
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { waitFor } from "../../helpers/ports.ts";

describe("services: alerts on a node without the events service", function () {
	this.timeout(30_000);
	let node: TestNode;
	const calls: string[] = [];

	before(async () => {
		node = await startNode({ nodeId: "alerts-no-events", services: ["gateway", "monitor", "ingest", "symbols", "alerts"], alerts: { system: { enabled: false } } as never });
		const call = node.broker.call.bind(node.broker);
		node.broker.call = ((name: string, ...rest: unknown[]) => {
			calls.push(name);
			return (call as (n: string, ...r: unknown[]) => unknown)(name, ...rest);
		}) as typeof node.broker.call;
	});
	after(() => node?.stop());

	const post = async (path: string, body: unknown) => {
		const res = await fetch(`${node.base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
		expect(res.status, await res.clone().text()).to.be.oneOf([200, 201]);
		return res.json();
	};

	it("fires into the history without calling events.publish", async () => {
		const { id } = (await post("/api/v1/alerts/rules", { name: "over 100", condition: { source: "price", symbol: "NOEV", op: "crosses_above", value: 100 }, cooldown_ms: 0 })) as { id: string };
		const ts = Date.now();
		await post(
			"/api/v1/ticks",
			[99, 101].map((price, i) => ({ symbol: "NOEV", price, size: 1, ts: ts + i })),
		);
		const items = await waitFor(
			async () => {
				const r = (await (await fetch(`${node.base}/api/v1/alerts/history?rule=${id}`)).json()) as { items: unknown[] };
				return r.items.length === 1 ? r.items : null;
			},
			{ what: "the alert in the history" },
		);
		expect(items).to.have.length(1);
		expect(calls).to.not.include("events.publish");
	});
});
