/**
 * The two-level cache across a cluster (real nats-server and redis-server, two in-process nodes):
 * an intelligence answer computed on node A is served on node B from the shared L2 (then from B's
 * L1); a new tick (new seq) is a miss; DELETE /api/v1/cache empties L2 and every node's L1; status
 * per level on both paths. Also `/health` and `/metrics/performance` of a cluster node.
 */
import { expect } from "chai";
import { Redis } from "ioredis";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { defaultConfig } from "../../lib/config/config.ts";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / M) * M - 80 * M;

describe("cache: two levels shared by two nodes; /health and /metrics/performance", function () {
	this.timeout(60_000);
	let nats: TestServer;
	let redis: TestServer;
	let a: TestNode;
	let b: TestNode;
	const url = (n: TestNode) => n.base;
	const request = { symbols: ["CCH"], time_horizon: "intraday", include_explanations: true, include_strategies: true, include_forecasts: true, real_time_data: true };
	const unified = async (n: TestNode) => {
		const r = await postJson(`${url(n)}/api/v1/intelligence/unified`, request);
		expect(r.status, JSON.stringify(r.body)).to.equal(200);
		return r.body as { cached: boolean; request_id: string };
	};
	const status = async (n: TestNode, path = "/api/v1/cache/status") => (await getJson(`${url(n)}${path}`)).body;

	before(async () => {
		[nats, redis] = await Promise.all([startNats(), startRedis()]);
		const cfg = (nodeId: string, services?: string[]) => testConfig({ nodeId, transporter: nats.url, redisUrl: redis.url, ...(services ? { services } : {}), workers: { ...defaultConfig().workers, autoStart: false } } as never);
		[a, b] = await Promise.all([startNode(cfg("cache-a")), startNode(cfg("cache-b", ["gateway", "intelligence", "monitor"]))]);
		await waitFor(() => b.broker.registry.getActionEndpoints("symbols.latest")?.hasAvailable(), { what: "node b sees node a's symbols" });
		const ticks = Array.from({ length: 60 }, (_, i) => ({ symbol: "CCH", price: 100 + Math.sin(i / 3) * 2, size: 10, ts: T0 + i * M + 1000 }));
		expect((await postJson(`${url(a)}/api/v1/ticks`, ticks)).status).to.equal(200);
	});
	after(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await Promise.all([nats?.stop(), redis?.stop()]);
	});

	it("serves on node B from the shared L2 what node A computed, then from B's L1", async () => {
		const first = await unified(a);
		expect(first.cached).to.equal(false);
		const fromL2 = await unified(b);
		expect(fromL2).to.include({ cached: true, request_id: first.request_id });
		let s = await status(b);
		expect(s.l1).to.include({ hits: 0, misses: 1 });
		expect(s.l2).to.include({ hits: 1, misses: 0, connected: true });
		expect(await unified(b)).to.include({ cached: true, request_id: first.request_id });
		s = await status(b, "/cache/status"); // the seed path answers the same
		expect(s.l1).to.include({ hits: 1 });
		expect(s.hit_ratio).to.equal(1);
		expect(s.l1.entries).to.equal(1);
		expect(s.l1.bytes).to.be.greaterThan(1000);
		const sa = await status(a);
		expect(sa.l2.sets).to.equal(1);
		expect(sa.l2.compressed_writes, "an answer over 1 KB is stored gzipped").to.equal(1);
		// A real-time answer (its key holds the symbols' seqs) lives the `insights` TTL of seed 003's table.
		const client = new Redis(redis.url);
		try {
			const keys = await client.keys("rookery-cache-*intelligence.answerLive*");
			expect(keys).to.have.length(1);
			const insightsMs = defaultConfig().cache.ttlSeconds.insights * 1000;
			expect(await client.pttl(keys[0])).to.be.within(insightsMs - 10_000, insightsMs);
		} finally {
			client.disconnect();
		}
	});

	it("a new tick (a new seq) makes the next request a miss on either node", async () => {
		const before = await unified(b);
		expect((await postJson(`${url(a)}/api/v1/ticks`, [{ symbol: "CCH", price: 101, size: 1, ts: T0 + 61 * M }])).status).to.equal(200);
		const after = await unified(b);
		expect(after.cached).to.equal(false);
		expect(after.request_id).to.not.equal(before.request_id);
		expect(await unified(a)).to.include({ cached: true, request_id: after.request_id });
	});

	it("DELETE /api/v1/cache empties L2 and the L1 of every node", async () => {
		await unified(b); // in B's L1
		const del = await fetch(`${url(a)}/api/v1/cache`, { method: "DELETE" });
		expect(del.status).to.equal(200);
		await waitFor(async () => (await status(b)).l1.entries === 0, { what: "node b's L1 emptied by the broadcast" });
		expect((await unified(b)).cached).to.equal(false);
	});

	it("warms a starting node with the most requested symbols saved by the nodes", async () => {
		await a.deps.kv.hset("rookery:cache:hot-symbols", "some-node", [
			["CCH", 9],
			["NOPE", 1],
		]);
		const c = await startNode({ nodeId: "cache-c", transporter: nats.url, redisUrl: redis.url, services: ["gateway", "intelligence", "monitor"], cache: { ...defaultConfig().cache, warmSymbols: 1 } } as never);
		try {
			// The warmed answer is the default request for CCH: computed (or found in L2) and now in C's L1.
			const s = await waitFor(
				async () => {
					const st = await status(c);
					return st.l1.entries >= 1 ? st : null;
				},
				{ timeoutMs: 20_000, what: "node c's L1 warmed" },
			);
			expect(s.l1.entries).to.equal(1);
		} finally {
			await c.stop();
		}
	});

	it("/health reports system, event loop, disk, agents, cache, connections, background tasks and dependencies", async () => {
		const r = await getJson(`${url(b)}/health`);
		expect(r.status).to.equal(200);
		const h = r.body;
		expect(h.status).to.be.oneOf(["ok", "warning"]);
		expect(h.checks).to.include.keys("store", "kv", "transporter");
		expect(h.checks.transporter.ok).to.equal(true);
		expect(h.system.cpu_percent).to.be.a("number");
		expect(h.system.memory.memory_percent).to.be.within(0, 100);
		expect(h.system.event_loop_delay.p99_ms).to.be.a("number");
		expect(h.system.disk.disk_percent).to.be.within(0, 100);
		expect(h.agents.forecast).to.include({ available: true });
		expect(h.cache.l2.connected).to.equal(true);
		expect(h.websocket).to.deep.equal({ connections: 0, by_tier: { free: 0, pro: 0, internal: 0 } });
		expect(h.background.workers.total).to.equal(5);
		expect(h.background.intelligence_streams).to.equal(0);
		expect(h.background.deliveries.ws_send_queue_messages).to.equal(0);
		expect(h.background.deliveries.alert_delivery_backlog, "node b runs no alert-delivery").to.equal(null);
		// Node a delivers alerts: its /health carries the alert-delivery streams' backlog, measured at start.
		const ha = await waitFor(
			async () => {
				const body = (await getJson(`${url(a)}/health`)).body;
				return body.background.deliveries.alert_delivery_backlog ? body : null;
			},
			{ what: "node a's alert-delivery backlog in /health" },
		);
		expect(ha.background.deliveries.alert_delivery_backlog).to.deep.equal({ deliveries: 0, failed: 0 });
		expect(h.warnings).to.be.an("array");
		expect(h.status === "warning").to.equal(h.warnings.length > 0);
	});

	it("lists the cache and performance paths in the OpenAPI document, clearing as admin-only", async () => {
		const doc = (await getJson(`${url(b)}/api/openapi.json`)).body;
		for (const p of ["/api/v1/cache/status", "/cache/status", "/metrics/performance"])
			expect(doc.paths[p].get.summary, p)
				.to.be.a("string")
				.and.not.match(/^monitor\./);
		for (const [p, m] of [
			["/api/v1/cache", "delete"],
			["/cache/clear", "delete"],
		])
			expect(doc.paths[p][m]["x-required-role"], p).to.equal("admin");
	});

	it("/metrics/performance answers in seed 000's shape, counting client calls", async () => {
		const r = await getJson(`${url(b)}/metrics/performance`);
		expect(r.status).to.equal(200);
		const p = r.body;
		expect(p.current_stats.system.cpu_percent).to.be.a("number");
		expect(p.current_stats.system.memory_percent).to.be.a("number");
		expect(p.current_stats.performance.cache_hit_ratio).to.be.within(0, 1);
		expect(p.current_stats.performance.avg_response_time_ms).to.be.a("number");
		expect(p.current_stats.performance.total_requests).to.be.at.least(5);
		expect(p.current_stats.performance.avg_response_time_ms_since_start).to.be.greaterThan(0);
		expect(p.history).to.be.an("array");
	});
});
