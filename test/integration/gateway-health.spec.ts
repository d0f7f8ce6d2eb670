/**
 * Probes: `/health/live` answers while the process runs, whatever its dependencies; `/health/ready`
 * (and `/health`) answer 503 while the store or NATS is away and 200 once it is back. Both need no
 * credentials when auth is configured and are not rate limited. Real nodes on a real redis-server
 * and nats-server.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

/** A probe path's answer, and whether rate-limit headers came with it. */
async function probe(base: string, path: string) {
	const r = await fetch(`${base}${path}`);
	return { status: r.status, body: (await r.json()) as any, limited: r.headers.has("x-ratelimit-limit") };
}

/** The node's `/health/ready` once it answers `status`. */
async function readyWhen(base: string, status: number, what: string, timeoutMs: number) {
	return waitFor(
		async () => {
			const r = await probe(base, "/health/ready");
			return r.status === status ? r : null;
		},
		{ timeoutMs, what },
	);
}

describe("gateway: /health/live and /health/ready (real node, redis-server stopped and restarted)", function () {
	this.timeout(60_000);
	let redis: TestServer;
	let node: TestNode;
	let base: string;
	const get = (path: string) => probe(base, path);

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
		const down = await readyWhen(base, 503, "/health/ready 503 with Redis down", 15_000);
		expect(down.body.status).to.equal("not ready");
		expect(down.body.checks.store.ok).to.equal(false);
		expect(down.body.checks.store.error).to.be.a("string").with.length.greaterThan(0);
		expect((await get("/health")).status).to.equal(503);
		const live = await get("/health/live");
		expect(live.status).to.equal(200);
		expect(live.body.status).to.equal("ok");

		await redis.restart();
		await readyWhen(base, 200, "/health/ready 200 after Redis is back", 20_000);
		expect((await get("/health")).status).to.equal(200);
	});
});

describe("gateway: /health/ready while NATS is away (real node, nats-server killed and restarted)", function () {
	this.timeout(60_000);
	let nats: TestServer;
	let redis: TestServer;
	let node: TestNode;
	const get = (path: string) => probe(node.base, path);

	before(async () => {
		[nats, redis] = await Promise.all([startNats(), startRedis()]);
		node = await startNode({ nodeId: "gw-nats", transporter: nats.url, redisUrl: redis.url, services: ["gateway", "monitor"] } as never);
	});
	after(async () => {
		await node?.stop();
		await Promise.all([nats?.stop(), redis?.stop()]);
	});

	it("ready goes 503 naming the transporter as soon as the NATS connection drops (the client reconnects by itself), 200 once it is back", async () => {
		expect((await get("/health/ready")).body.checks.transporter).to.deep.equal({ ok: true });
		await nats.kill();
		const down = await readyWhen(node.base, 503, "/health/ready 503 with NATS down", 5_000);
		expect(down.body.checks.transporter).to.deep.equal({ ok: false, error: "not connected" });
		expect(down.body.checks.store.ok, "only the transporter fails").to.equal(true);
		expect((await get("/health/live")).status).to.equal(200);

		await nats.restart();
		const up = await readyWhen(node.base, 200, "/health/ready 200 after NATS is back", 20_000);
		expect(up.body.checks.transporter).to.deep.equal({ ok: true });
	});
});
