/**
 * Probes: `/health/live` answers while the process runs, whatever its dependencies; `/health/ready`
 * (and `/health`) answer 503 while the store is away and 200 once it is back. Both need no
 * credentials when auth is configured and are not rate limited. Real node on a real redis-server.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

describe("gateway: /health/live and /health/ready (real node, redis-server stopped and restarted)", function () {
	this.timeout(60_000);
	let redis: TestServer;
	let node: TestNode;
	let base: string;
	const get = async (path: string) => {
		const r = await fetch(`${base}${path}`);
		return { status: r.status, body: (await r.json()) as any, limited: r.headers.has("x-ratelimit-limit") };
	};

	before(async () => {
		redis = await startRedis();
		const tiers = structuredClone(DEFAULT_TIERS);
		tiers.free = { ...tiers.free, burst: 2, ratePerSecond: 0.01 };
		node = await startNode({ nodeId: "gw-health", redisUrl: redis.url, services: ["gateway", "monitor"], auth: { jwtSecret: "h".repeat(40), anonymousTier: null, tiers } as never });
		base = node.base;
	});
	after(async () => {
		await node?.stop();
		await redis?.stop();
	});

	it("both answer 200 without credentials (auth configured) and are never rate limited", async () => {
		expect((await get("/api/v1/streaming/pairs")).status, "other paths need credentials").to.equal(401);
		for (let i = 0; i < 5; i++) {
			const live = await get("/health/live");
			expect(live.status).to.equal(200);
			expect(live.body).to.include({ status: "ok", node: "gw-health" });
			expect(live.limited).to.equal(false);
			const ready = await get("/health/ready");
			expect(ready.status).to.equal(200);
			expect(ready.body).to.include({ status: "ready", node: "gw-health" });
			expect(ready.body.checks.store.ok).to.equal(true);
			expect(ready.limited).to.equal(false);
		}
	});

	it("ready and /health go 503 while Redis is down, live stays 200; all 200 again once it is back", async () => {
		await redis.kill();
		const down = await waitFor(
			async () => {
				const r = await get("/health/ready");
				return r.status === 503 ? r : null;
			},
			{ timeoutMs: 15_000, what: "/health/ready 503 with Redis down" },
		);
		expect(down.body.status).to.equal("not ready");
		expect(down.body.checks.store.ok).to.equal(false);
		expect(down.body.checks.store.error).to.be.a("string").with.length.greaterThan(0);
		expect((await get("/health")).status).to.equal(503);
		const live = await get("/health/live");
		expect(live.status).to.equal(200);
		expect(live.body.status).to.equal("ok");

		await redis.restart();
		await waitFor(async () => (await get("/health/ready")).status === 200, { timeoutMs: 20_000, what: "/health/ready 200 after Redis is back" });
		expect((await get("/health")).status).to.equal(200);
	});
});
