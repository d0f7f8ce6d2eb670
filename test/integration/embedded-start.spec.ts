/**
 * What a new user sees after `npm start` with no environment: embedded mode, the synthetic feed
 * producing live quotes within 5 s, the URLs printed, and a clean exit on SIGTERM even with a
 * WebSocket client still connected.
 */
import { expect } from "chai";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";

describe("embedded start (no TRANSPORTER, no REDIS_URL)", function () {
	this.timeout(20_000);
	let node: RookeryNodeProcess | undefined;
	let ws: WsTestClient | undefined;

	before(async () => {
		// As `npm start` runs it: default log level and feed; only the port and symbol are chosen.
		node = await startNode({ nodeId: null, feed: null, logLevel: null, env: { SYMBOLS: "AAPL" } });
	});

	after(async () => {
		ws?.terminate();
		await node?.kill();
	});

	it("serves a live AAPL quote from the synthetic feed within 5 s of coming up", async () => {
		const n = node!;
		// Counted from the moment the gateway answers (startup itself is tsx + module loading,
		// which a loaded CI box can stretch); the feed's first tick is due 0.5 s after start.
		const quote = await waitFor(
			async () => {
				const r = await getJson(`${n.url}/api/v1/symbols/AAPL/latest`);
				return r.status === 200 ? r.body : null;
			},
			{ timeoutMs: Math.max(0, n.readyAt + 5000 - Date.now()), intervalMs: 50, what: "GET /api/v1/symbols/AAPL/latest 200 within 5 s" },
		).catch(err => {
			throw new Error(`${(err as Error).message} (spawned ${Date.now() - n.spawnedAt} ms ago)\n${n.output()}`);
		});
		expect(quote).to.include({ v: 1, symbol: "AAPL" });
		expect(quote.seq).to.be.a("number").and.at.least(1);
		expect(quote.price).to.be.a("number").and.greaterThan(0);
		expect(quote.ts).to.be.a("number");
		expect(Math.abs(quote.ts - Date.now()), "quote is live").to.be.lessThan(60_000);
	});

	it("starts warm: past synthetic ticks give 1m indicators and a forecast from the first minute", async () => {
		const n = node!;
		// Printed once ingest has started, i.e. once the history is written.
		await waitFor(async () => n.stdout.includes("Rookery is running"), { timeoutMs: 10_000, intervalMs: 50, what: "the URLs printed" });
		const bars = await getJson(`${n.url}/api/v1/symbols/AAPL/bars?tf=1m&limit=500`);
		expect(bars.status).to.equal(200);
		const items = bars.body.bars as Array<{ time: number }>;
		expect(items.length, "1m bars of the 8 h history").to.be.greaterThan(400);
		const ind = await getJson(`${n.url}/api/v1/symbols/AAPL/indicators?tf=1m`);
		expect(ind.status).to.equal(200);
		const values = ind.body.final.values as Record<string, number | null>;
		for (const k of ["sma_20", "ema_20", "rsi_14", "macd_12_26_9.macd", "macd_12_26_9.signal", "bbands_20_2.upper", "adx_14.adx"]) expect(values[k], k).to.be.a("number");
		const intel = await postJson(`${n.url}/api/v1/intelligence/unified`, { symbols: ["AAPL"] });
		expect(intel.status).to.equal(200);
		const forecast = intel.body.symbols.AAPL.agents.forecast;
		expect(forecast.status, JSON.stringify(forecast)).to.equal("ok");
		expect(forecast.result.points).to.have.length.greaterThan(0);
		expect(forecast.result.last).to.be.a("number").and.greaterThan(0);
	});

	it("prints the URLs and reports embedded mode on /health", async () => {
		const n = node!;
		const base = `http://localhost:${n.port}`;
		for (const url of [`${base}/api/v1/symbols`, `${base}/api/v1/symbols/AAPL/latest`, `ws://localhost:${n.port}/ws`, `${base}/health`, `${base}/metrics`]) {
			expect(n.stdout, n.output()).to.include(url);
		}
		expect(n.stdout).to.include("embedded mode");
		const health = await getJson(`${n.url}/health`);
		expect(health.status).to.equal(200);
		expect(health.body).to.include({ mode: "embedded" });
		// "warning" is healthy too: a resource past its limit (a busy test machine's CPU), still 200.
		expect(["ok", "warning"], JSON.stringify(health.body)).to.include(health.body.status);
	});

	it("exits 0 within a few seconds on SIGTERM with a WebSocket client connected, closing it with 1001", async () => {
		const n = node!;
		ws = await WsTestClient.connect(n.wsUrl);
		ws.subscribe("ticks:AAPL");
		const snap = await ws.waitForFrame(f => f.type === "snapshot" && f.topic === "ticks:AAPL", "AAPL snapshot");
		await ws.waitForFrame(f => f.type === "update" && f.topic === "ticks:AAPL" && f.seq! > snap.seq!, "a live AAPL update after the snapshot");

		const t0 = Date.now();
		const exit = await n.stop(5000);
		expect(exit, n.output()).to.deep.equal({ code: 0, signal: null });
		expect(Date.now() - t0, "shutdown time").to.be.lessThan(5000);
		const closed = await ws.waitForClose(1000);
		expect(closed.code, "close code").to.equal(1001);
	});
});
