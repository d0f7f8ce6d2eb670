/**
 * Graceful degradation (docs/ingestion.md): a node whose Redis (KV and symbol store) is killed while
 * the market-data worker polls a local Yahoo server keeps polling into the bounded buffer, which
 * fills to its bound and counts what it drops; when Redis is back the buffered messages are written,
 * each once. Real broker, real ingest service, real redis-server (append-only, so it comes back with
 * what it acknowledged). Numbers are printed with an `[ingest-degradation]` prefix.
 */
import { expect } from "chai";
import { Redis } from "ioredis";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";
import { startYahooServer, type YahooServer } from "../helpers/vendor-servers/yahoo-chart.ts";
import { DATA_TYPES } from "../../lib/vendors/vendor.ts";
import type { PipelineStats } from "../../lib/workers/message-pipeline.ts";
import type { RunRecord } from "../../lib/workers/data-worker.ts";

const SYMBOLS = Array.from({ length: 10 }, (_, i) => `DG${i}`);
const LIMIT = 40;
const log = (msg: string) => console.log(`      [ingest-degradation] ${msg}`);

describe("ingest while Redis is down: bounded buffer, drops counted, written once when back", function () {
	this.timeout(60_000);
	let redis: TestServer;
	let yahoo: YahooServer;
	let rc: Redis;
	let node: TestNode;
	const stats = async () => (await node.broker.call<Array<{ pipeline: PipelineStats }>>("ingest.workerStatus"))[0].pipeline;
	const metric = (name: string) => (node.broker.metrics.getMetric(name)?.get()?.value as number | undefined) ?? 0;

	before(async () => {
		[redis, yahoo] = await Promise.all([startRedis({ persistent: true }), startYahooServer()]);
		rc = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
		rc.on("error", () => {});
		for (const dt of DATA_TYPES) if (dt !== "market_data") await rc.hset("rk:config:cadences", dt, JSON.stringify({ enabled: false }));
		const config = testConfig({
			nodeId: "ingest-degradation",
			redisUrl: redis.url,
			symbols: SYMBOLS,
			services: ["gateway", "ingest", "symbols", "monitor", "config"],
			vendors: { yahoo: { type: "http-poll", baseUrl: yahoo.url }, synthetic: { type: "synthetic" } },
		});
		config.workers = { ...config.workers, autoStart: true, chains: { ...config.workers.chains, market_data: ["yahoo"] }, intervals: { ...config.workers.intervals, market_data: 1 }, retryAttempts: 1, bufferLimit: LIMIT, bufferRetryMs: 200 };
		node = await startNode(config);
	});

	after(async () => {
		await node?.stop();
		rc?.disconnect();
		await Promise.all([yahoo?.close(), redis?.stop()]);
	});

	it("buffers up to the bound, drops the oldest (counted), and writes the rest exactly once after Redis returns", async () => {
		await waitFor(async () => (await stats()).written >= 2 * SYMBOLS.length * 2, { timeoutMs: 15_000, what: "two polls of every symbol stored" });
		await redis.kill();
		const killedAt = Date.now();
		// Polling goes on (instruments as last read, placement without the lease) into the buffer.
		const full = await waitFor(
			async () => {
				const s = await stats();
				return s.degraded && s.queued === LIMIT && s.dropped > 0 ? s : null;
			},
			{ timeoutMs: 15_000, intervalMs: 50, what: "the buffer full and dropping" },
		);
		log(`buffer full (${full.queued}/${full.limit}) ${Date.now() - killedAt} ms after Redis was killed; dropped so far ${full.dropped}`);
		await new Promise(r => setTimeout(r, 1500));
		const s1 = await stats();
		expect(s1.queued, "never above the bound").to.equal(LIMIT);
		expect(s1.dropped).to.be.greaterThan(full.dropped);
		expect(metric("rookery.ingest.buffer_dropped")).to.equal(s1.dropped);
		expect(metric("rookery.ingest.buffer_size")).to.be.at.most(LIMIT);

		await redis.restart();
		const restartedAt = Date.now();
		const back = await waitFor(
			async () => {
				const s = await stats();
				return !s.degraded && s.written > s1.written + LIMIT / 2 ? s : null;
			},
			{ timeoutMs: 20_000, intervalMs: 50, what: "the buffer drained after Redis came back" },
		);
		log(`drained ${Date.now() - restartedAt} ms after Redis restarted: ${JSON.stringify(s1)} → ${JSON.stringify(back)}`);
		// Stop producing, let the last messages through, then account for every one.
		await node.broker.call("config.stopWorker", { id: "worker_market_data" });
		await waitFor(async () => (await stats()).queued === 0, { timeoutMs: 10_000, what: "the buffer empty" });
		const end = await stats();
		const runs = await node.broker.call<RunRecord[], object>("ingest.workerTelemetry", { data_type: "market_data", limit: 1000 });
		const produced = runs.reduce((n, r) => n + r.items, 0);
		log(`produced ${produced} messages: written ${end.written}, dropped ${end.dropped} (metric ${metric("rookery.ingest.buffer_dropped")})`);
		expect(end.written + end.dropped, "every message written or dropped").to.equal(produced);

		// What is in Redis: every written message once (each message is unique: its own received_at and price).
		let stored = 0;
		for (const s of SYMBOLS) {
			const rows = await rc.xrange(`rk:stream:market_data:${s}`, "-", "+");
			const texts = rows.map(([, f]) => f[1]);
			expect(new Set(texts).size, `${s}: no message stored twice`).to.equal(texts.length);
			stored += texts.length;
		}
		expect(stored, "stored = written").to.equal(end.written);
		// The symbol logs through the API: ids unique.
		for (const s of SYMBOLS) {
			const h = await node.broker.call<{ items: Array<{ id: string }> }, object>("symbols.history", { symbol: s, limit: 1000 });
			const ids = h.items.map(t => t.id);
			expect(new Set(ids).size, `${s}: ticks in the log once`).to.equal(ids.length);
		}
	});
});
