/**
 * Moleculer's CircuitBreaker per endpoint for the agents (mixins/agent.mixin.ts): two nodes run
 * `agents.sentiment`, node A's model server fails, node B's answers. A third node calls them the
 * way the intelligence service does. A's endpoint trips on the caller, and every later call is
 * served by B; `/agents/status` shows A's breaker open and B's closed.
 */
import { expect } from "chai";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { startAgentNode, type AgentNode } from "../unit/agents/agent-nodes.ts";
import { sendJson, startFakeModelServer, type FakeModelServer } from "../unit/agents/fake-model-server.ts";

describe("agents: Moleculer's breaker skips a failing node while a healthy one serves", function () {
	this.timeout(60_000);
	let nats: TestServer;
	let failing: FakeModelServer;
	let healthy: FakeModelServer;
	const nodes: AgentNode[] = [];

	before(async () => {
		nats = await startNats();
		failing = await startFakeModelServer((_req, res) => sendJson(res, { error: "model crashed" }, 500));
		healthy = await startFakeModelServer((_req, res) => sendJson(res, { label: "positive", score: 0.9 }));
	});
	after(async () => {
		await Promise.all(nodes.map(n => n.stop()));
		await failing.close();
		await healthy.close();
		await nats.stop();
	});

	it("A's endpoint opens after its failures; B keeps serving; status shows both", async () => {
		const breaker = { threshold: 0.5, minRequestCount: 3, halfOpenTime: 60_000 };
		// Per agent and per node, from the agent's settings (mixins/agent.mixin.ts); callers get them in INFO.
		const a = await startAgentNode({ nodeId: "agent-a", transporter: nats.url, agents: { sentiment: { url: failing.url, breaker } } });
		const b = await startAgentNode({ nodeId: "agent-b", transporter: nats.url, agents: { sentiment: { url: healthy.url, breaker } } });
		const caller = await startAgentNode({ nodeId: "caller", transporter: nats.url });
		nodes.push(a, b, caller);
		await caller.broker.waitForServices("agents.sentiment", 10_000);
		while (caller.broker.registry.getActionEndpoints("agents.sentiment.run")?.endpoints.length !== 2) await new Promise(r => caller.broker.localBus.once("$services.changed", r));

		const opened = new Promise<{ nodeID: string; action: string }>(resolve => caller.broker.localBus.once("$circuit-breaker.opened", resolve));
		const served: string[] = [];
		const failures: string[] = [];
		// Round robin over A and B until A's breaker opens (3 calls went to A, all failed).
		let open: { nodeID: string; action: string } | null = null;
		void opened.then(e => (open = e));
		for (let i = 0; i < 20 && !open; i++)
			await caller.run("sentiment", { texts: ["Acme beats"] }).then(
				r => served.push(r.node),
				e => failures.push(e.name),
			);
		expect(open).to.deep.include({ nodeID: "agent-a", action: "agents.sentiment.run" });
		expect(failing.requests).to.have.length(3);
		expect(failures).to.deep.equal(["ModelError", "ModelError", "ModelError"]);
		expect(served.every(n => n === "agent-b")).to.equal(true);

		// A is skipped: every call now goes to B and succeeds; A's model server is not reached again.
		for (let i = 0; i < 10; i++) expect((await caller.run("sentiment", { texts: ["Acme beats"] })).node).to.equal("agent-b");
		expect(failing.requests).to.have.length(3);

		const status = await caller.status("sentiment");
		const byNode = Object.fromEntries(status.nodes.map(n => [n.node, n]));
		expect(byNode["agent-a"].breaker.state).to.equal("open");
		expect(byNode["agent-a"].health_score).to.equal(0);
		expect(byNode["agent-b"].breaker.state).to.equal("closed");
		expect(byNode["agent-b"].calls).to.be.at.least(10);
		expect(status).to.include({ available: true, breaker_state: "open" });
	});
});
