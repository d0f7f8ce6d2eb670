/**
 * Rate limits hold across gateway nodes: two real nodes sharing one redis-server, requests spread
 * over both, and the caller's bucket is spent once, not once per node.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

describe("gateway: rate limit across two gateway nodes (shared redis-server)", function () {
	this.timeout(30_000);
	let redis: TestServer;
	const nodes: TestNode[] = [];
	const BURST = 10;

	before(async () => {
		redis = await startRedis();
		const tiers = structuredClone(DEFAULT_TIERS);
		tiers.free = { ...tiers.free, burst: BURST, ratePerSecond: 0.01 };
		for (const id of ["rl-a", "rl-b"]) {
			const node = await startNode({ nodeId: id, redisUrl: redis.url, services: ["gateway", "monitor"], auth: { jwtSecret: "r".repeat(40), anonymousTier: "free", tiers } as never });
			nodes.push(node);
		}
	});
	after(async () => {
		await Promise.all(nodes.map(n => n.stop()));
		await redis?.stop();
	});

	it(`lets exactly ${BURST} of 30 requests through, alternating between the nodes, and 429s the rest on both`, async () => {
		const statuses: Array<[string, number]> = [];
		for (let i = 0; i < 30; i++) {
			const n = nodes[i % 2];
			const res = await fetch(`http://127.0.0.1:${n.port()}/api/v1/streaming/pairs`);
			await res.arrayBuffer();
			statuses.push([n.deps.config.nodeId, res.status]);
		}
		expect(statuses.filter(([, s]) => s === 200)).to.have.length(BURST);
		expect(statuses.slice(0, BURST).every(([, s]) => s === 200)).to.equal(true);
		expect(new Set(statuses.filter(([, s]) => s === 429).map(([id]) => id))).to.deep.equal(new Set(["rl-a", "rl-b"]));
	});

	it("keeps buckets per caller: concurrent requests from two nodes for one key never overspend", async () => {
		// Another caller (a JWT sub) has its own bucket; 40 concurrent requests, 20 per node.
		const { SignJWT } = await import("jose");
		const token = await new SignJWT({ sub: "concurrent", tier: "free" })
			.setProtectedHeader({ alg: "HS256" })
			.setExpirationTime("1h")
			.sign(new TextEncoder().encode("r".repeat(40)));
		const res = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`http://127.0.0.1:${nodes[i % 2].port()}/api/v1/streaming/pairs`, { headers: { authorization: `Bearer ${token}` } }).then(r => r.status)));
		expect(res.filter(s => s === 200)).to.have.length(BURST);
		expect(res.filter(s => s === 429)).to.have.length(40 - BURST);
	});
});
