/**
 * Admin-only actions that live on another node: the gateway reads `role: "admin"` from the action's
 * definition in its registry, which for a remote action comes from the other node's INFO packet.
 * Two real nodes (child processes) over NATS + Redis: A runs only the gateway (and monitor); B
 * runs `intelligence`, the agents and `config`. Through A, a non-admin caller gets 403 and an
 * admin's call runs on B.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

const SECRET = "remote-admin-secret-".padEnd(48, "x");
const jwt = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));

describe("gateway: admin role on actions of another node (two real nodes)", function () {
	this.timeout(90_000);
	let redis: TestServer;
	let nats: TestServer;
	let a: RookeryNodeProcess;
	let b: RookeryNodeProcess;
	let user: string;
	let admin: string;

	before(async () => {
		[redis, nats] = await Promise.all([startRedis(), startNats()]);
		const common = { transporter: nats.url, redisUrl: redis.url, env: { JWT_SECRET: SECRET } };
		b = await startNode({ ...common, nodeId: `rk-adm-b-${process.pid}`, services: "gateway,monitor,config,intelligence,agents.sentiment,agents.forecast,agents.explain,agents.strategy", readyTimeoutMs: 30_000 });
		a = await startNode({ ...common, nodeId: `rk-adm-a-${process.pid}`, services: "gateway,monitor", readyTimeoutMs: 30_000 });
		user = await jwt({ sub: "trader", tier: "pro" });
		admin = await jwt({ sub: "ops", tier: "pro", roles: ["admin"] });
		// A knows B's actions once B's INFO has arrived.
		await waitFor(async () => (await fetch(`${a.url}/api/v1/agents/status`, { headers: { authorization: `Bearer ${user}` } })).status === 200, { timeoutMs: 20_000, what: "intelligence reachable through A" });
	});
	after(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await Promise.all([redis?.stop(), nats?.stop()]);
	});

	const call = (method: string, path: string, token?: string) => fetch(`${a.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async r => ({ status: r.status, body: (await r.json()) as any }));

	it("A runs none of the admin actions it serves: they live on B only", async () => {
		const cluster = await call("GET", "/api/v1/cluster", admin);
		expect(cluster.status).to.equal(200);
		const byId = new Map((cluster.body.nodes as Array<{ id: string; services: string[] }>).map(n => [n.id, n.services]));
		expect(byId.get(a.nodeId)).to.deep.equal(["gateway", "monitor"]);
		expect(byId.get(b.nodeId)).to.include.members(["intelligence", "config", "agents.sentiment"]);
	});

	it("refuses a non-admin caller with 403 (and anonymous with 401) on intelligence.restartAgent and config.stopAll", async () => {
		for (const [method, path, action] of [
			["POST", "/api/v1/agents/sentiment/restart", "intelligence.restartAgent"],
			["POST", "/api/v1/workers/stop-all", "config.stopAll"],
		]) {
			const r = await call(method, path, user);
			expect(r.status, `${path} as a non-admin`).to.equal(403);
			expect(r.body.error.code).to.equal("FORBIDDEN");
			expect(r.body.error.message).to.include(action).and.include("admin");
			expect((await call(method, path)).status, `${path} anonymous`).to.equal(401);
		}
	});

	it("lets an admin through: the call runs on B", async () => {
		const restart = await call("POST", "/api/v1/agents/sentiment/restart", admin);
		expect(restart.status).to.equal(200);
		expect(restart.body.agent).to.equal("sentiment");
		expect(restart.body.restarted.map((r: { node: string }) => r.node)).to.deep.equal([b.nodeId]);
		const stop = await call("POST", "/api/v1/workers/stop-all", admin);
		expect(stop.status, JSON.stringify(stop.body)).to.equal(200);
	});

	it("A's registry carries the role of B's actions: its OpenAPI marks them x-required-role admin", async () => {
		const doc = (await call("GET", "/api/openapi.json", user)).body;
		expect(doc.paths["/api/v1/agents/{name}/restart"].post["x-required-role"]).to.equal("admin");
		expect(doc.paths["/api/v1/workers/stop-all"].post["x-required-role"]).to.equal("admin");
		expect(doc.paths["/api/v1/agents/status"].get["x-required-role"]).to.equal(undefined);
	});
});
