/**
 * The predecessors' remaining REST surface on a real embedded node: seed 004's
 * `/api/v1/realtime/{watchlist,health,stats}` and seed 001's volatility fields on
 * `/api/v1/streaming/{pair}/latest`.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { logReturns, realizedVolatility } from "../../lib/volatility/index.ts";
import { messageKeys } from "../../lib/workers/stream-message.ts";
import { volatilityOfPrices } from "../../lib/workers/quote-volatility.ts";
import { getJson, postJson } from "../helpers/http.ts";

describe("seed surfaces: realtime watchlist/health/stats, streaming latest with volatility (embedded node)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let base: string;

	before(async () => {
		node = await startNode({ nodeId: "seed-surfaces", symbols: ["AAA"] });
		base = node.base;
	});
	after(async () => {
		await node?.stop();
	});

	it("POST /api/v1/realtime/watchlist adds symbols as instruments; replace drops the others; bad input is a 422 naming the field", async () => {
		const added = await postJson(`${base}/api/v1/realtime/watchlist`, { symbols: ["SPY", "QQQ"] });
		expect(added.status, JSON.stringify(added.body)).to.equal(200);
		expect(added.body).to.deep.equal({ watchlist: ["AAA", "QQQ", "SPY"], added: ["SPY", "QQQ"], removed: [] });
		const instruments = (await getJson(`${base}/api/v1/config/instruments`)).body as Array<{ symbol: string; enabled: boolean; data_types: string[] }>;
		expect(instruments.find(i => i.symbol === "SPY")).to.deep.include({ enabled: true, data_types: ["market_data", "news", "fundamentals", "analytics", "insider_data"] });
		const again = await postJson(`${base}/api/v1/realtime/watchlist`, { symbols: ["QQQ", "IWM"], replace: true });
		expect(again.body).to.deep.equal({ watchlist: ["IWM", "QQQ"], added: ["IWM"], removed: ["AAA", "SPY"] });
		const bad = await postJson(`${base}/api/v1/realtime/watchlist`, { symbols: ["not a symbol!"] });
		expect(bad.status).to.equal(422);
		expect(JSON.stringify(bad.body)).to.include("symbols");
		expect((await postJson(`${base}/api/v1/realtime/watchlist`, {})).status).to.equal(422);
		// One symbol normalisation everywhere (lib/protocol/tick.ts): upper-cased, never trimmed.
		const lower = await postJson(`${base}/api/v1/realtime/watchlist`, { symbols: ["dia"] });
		expect(lower.status, JSON.stringify(lower.body)).to.equal(200);
		expect(lower.body.added).to.deep.equal(["DIA"]);
		expect((await postJson(`${base}/api/v1/realtime/watchlist`, { symbols: [" dia "] })).status).to.equal(422);
	});

	it("GET /api/v1/realtime/health is /health; GET /api/v1/realtime/stats counts this node's ticks", async () => {
		const health = await getJson(`${base}/api/v1/realtime/health`);
		expect(health.status).to.equal(200);
		expect(health.body).to.include({ node: "seed-surfaces", mode: "embedded" });
		// "warning" is healthy too: a resource past its limit (a busy test machine's CPU), still 200.
		expect(["ok", "warning"], JSON.stringify(health.body)).to.include(health.body.status);
		const before = (await getJson(`${base}/api/v1/realtime/stats`)).body;
		expect(before).to.include({ node: "seed-surfaces" });
		expect(before.memory.rss_bytes).to.be.greaterThan(0);
		const now = Date.now();
		expect(
			(
				await postJson(
					`${base}/api/v1/ticks`,
					[1, 2, 3].map(i => ({ symbol: "STAT", price: 10 + i, size: 1, ts: now - 1000 + i })),
				)
			).status,
		).to.equal(200);
		const after = (await getJson(`${base}/api/v1/realtime/stats`)).body;
		expect(after.counters.ticks_accepted - before.counters.ticks_accepted).to.equal(3);
		expect(after.counters).to.have.keys("ticks_accepted", "ticks_rejected", "vendor_messages", "worker_runs", "worker_errors", "buffered_messages", "ws_clients", "ws_dropped", "intelligence_requests", "agent_calls");
	});

	it("GET /api/v1/streaming/{pair}/latest carries realized_vol, garch_forecast, spread, and implied_vol when the vendor quote has one", async () => {
		const now = Date.now();
		const prices = Array.from({ length: 80 }, (_, i) => 100 * Math.exp(0.01 * Math.sin(i * 1.7) + 0.002 * i));
		const ticks = prices.map((price, i) => ({ symbol: "VOL/USD", price, size: 1, ts: now - 80_000 + i * 1000, ...(i === 79 ? { bid: price - 0.02, ask: price + 0.03 } : {}) }));
		expect((await postJson(`${base}/api/v1/ticks`, ticks)).status).to.equal(200);
		const r = await getJson(`${base}/api/v1/streaming/VOL%2FUSD/latest`);
		expect(r.status, JSON.stringify(r.body)).to.equal(200);
		// the window is workers.volatilityWindow (60) returns: the last 61 prices
		const expected = realizedVolatility(logReturns(prices.slice(-61)));
		expect(r.body).to.include({ symbol: "VOL/USD", seq: 80, vol_window: 60, spread: 0.05, implied_vol: null });
		expect(r.body.realized_vol).to.be.closeTo(expected, 1e-12);
		expect(r.body.garch_forecast).to.be.a("number").and.to.be.greaterThan(0).and.lessThan(0.1);

		// A vendor that quotes implied volatility: its latest market_data message carries it.
		await node.deps.kv.set(messageKeys.latest("market_data", "VOL/USD"), { symbol: "VOL/USD", data: { price: prices[79], implied_vol: 0.41 } }, 60_000);
		expect((await getJson(`${base}/api/v1/streaming/VOL%2FUSD/latest`)).body).to.include({ implied_vol: 0.41 });
		expect((await getJson(`${base}/api/v1/streaming/NOPE/latest`)).status).to.equal(404);
	});

	it("GET /api/v1/streaming/{pair}/latest serves the volatility fields from the cache until a new tick", async () => {
		const now = Date.now();
		const prices = Array.from({ length: 70 }, (_, i) => 50 * Math.exp(0.02 * Math.cos(i * 1.3) + 0.001 * i));
		expect(
			(
				await postJson(
					`${base}/api/v1/ticks`,
					prices.map((price, i) => ({ symbol: "VC", price, size: 1, ts: now - 70_000 + i * 1000 })),
				)
			).status,
		).to.equal(200);
		const l1 = async () => (await getJson(`${base}/api/v1/cache/status`)).body.l1 as { hits: number; misses: number };
		const s0 = await l1();
		const first = (await getJson(`${base}/api/v1/streaming/VC/latest`)).body;
		const s1 = await l1();
		expect([s1.hits - s0.hits, s1.misses - s0.misses], "first request computed").to.deep.equal([0, 1]);
		expect((await getJson(`${base}/api/v1/streaming/VC/latest`)).body).to.deep.equal(first);
		const s2 = await l1();
		expect([s2.hits - s1.hits, s2.misses - s1.misses], "second request a hit").to.deep.equal([1, 0]);
		// A new tick (seq 71, with a quote) is a new key: the answer is computed on the new window.
		const next = prices[69] * 1.05;
		expect((await postJson(`${base}/api/v1/ticks`, [{ symbol: "VC", price: next, size: 1, ts: now, bid: next - 0.01, ask: next + 0.01 }])).status).to.equal(200);
		const third = (await getJson(`${base}/api/v1/streaming/VC/latest`)).body;
		const s3 = await l1();
		expect([s3.hits - s2.hits, s3.misses - s2.misses], "after a tick, a miss").to.deep.equal([0, 1]);
		expect(third).to.include({ seq: 71, price: next, spread: 0.02 });
		expect(third).to.deep.include(volatilityOfPrices([...prices, next].slice(-61), next - 0.01, next + 0.01));
		expect(third.realized_vol).to.not.equal(first.realized_vol);
	});

	it("lists the new paths in the OpenAPI document, with the watchlist body schema", async () => {
		const doc = (await getJson(`${base}/api/openapi.json`)).body;
		expect(doc.paths).to.include.keys("/api/v1/realtime/watchlist", "/api/v1/realtime/health", "/api/v1/realtime/stats", "/api/v1/streaming/{symbol}/latest");
		expect(JSON.stringify(doc.paths["/api/v1/realtime/watchlist"].post)).to.include('"symbols"').and.include('"replace"');
	});
});
