/**
 * Push vendors inside the ingest service (docs/ingestion.md): an `alpaca-stream` vendor against a
 * local server speaking Alpaca's stream v2 feeds trades into the symbol actors and quotes into the
 * stored messages; a `replay` vendor feeds the GOOG daily fixture through the service and the actor
 * builds the file's 1d bars. Embedded nodes with a real broker and gateway; no mocks of our code.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import type { RookeryConfig } from "../../lib/config/config.ts";
import { waitFor } from "../helpers/ports.ts";
import { startAlpacaServer, trade, quote, type AlpacaServer } from "../helpers/vendor-servers/alpaca-stream.ts";
import type { VendorSpec } from "../../lib/vendors/index.ts";
import type { StreamMessage } from "../../lib/workers/stream-message.ts";
import { parseTopic } from "../../lib/protocol/wire.ts";

const GOOG = fileURLToPath(new URL("../fixtures/goog-daily.csv", import.meta.url));

function nodeConfig(nodeId: string, symbols: string[], vendor: VendorSpec): RookeryConfig {
	const config = testConfig({ nodeId, symbols, services: ["gateway", "ingest", "symbols", "monitor", "config"] });
	config.vendors = { synthetic: { type: "synthetic" }, push: vendor };
	config.workers = { ...config.workers, autoStart: true, chains: { ...config.workers.chains, market_data: ["push"] } };
	// Only market data: the other workers would add synthetic trades to the same actors.
	for (const dt of ["news", "fundamentals", "analytics", "insider_data"] as const) config.workers.intervals[dt] = 86_400;
	return config;
}

describe("push vendors inside the ingest service", function () {
	this.timeout(30_000);

	describe("alpaca-stream against a local Alpaca v2 server", () => {
		let alpaca: AlpacaServer;
		let node: TestNode;
		let base: string;
		before(async () => {
			alpaca = await startAlpacaServer({ key: "key-1", secret: "secret-1" });
			node = await startNode(nodeConfig("push-alpaca", ["AAPL", "MSFT"], { type: "alpaca-stream", url: alpaca.url, key: "key-1", secret: "secret-1" }));
			base = node.base;
		});
		after(async () => {
			await node?.stop();
			await alpaca?.close();
		});

		it("subscribes the instruments, and trades reach the symbol actors (latest, history) once", async () => {
			await waitFor(() => alpaca.subscriptions.length > 0, { timeoutMs: 10_000, what: "the subscription" });
			expect(alpaca.authenticated).to.equal(1);
			expect(alpaca.subscriptions[0]).to.deep.include({ action: "subscribe", trades: ["AAPL", "MSFT"] });
			// Stored messages are published on the topic `market_data:{SYM}` (lib/protocol/wire.ts).
			const topic = parseTopic("market_data:AAPL");
			expect(topic).to.include({ kind: "market_data", symbol: "AAPL", subject: "rookery.market_data.AAPL" });
			const published: StreamMessage[] = [];
			const unsubscribe = node.deps.bus.subscribe(topic!.subject, m => void published.push(m as StreamMessage));
			const t0 = Date.now();
			alpaca.push([trade("AAPL", 190.25, 1, new Date(t0 - 30).toISOString()), trade("MSFT", 410.5, 2, new Date(t0 - 20).toISOString()), quote("AAPL", 190.2, 190.3)]);
			alpaca.push([trade("AAPL", 190.5, 3, new Date(t0 - 10).toISOString())]);
			alpaca.push([trade("AAPL", 190.5, 3, new Date(t0 - 10).toISOString())]); // a repeat of trade 3
			const history = async (sym: string) => ((await (await fetch(`${base}/api/v1/symbols/${sym}/history`)).json()) as { items?: Array<{ price: number; size: number; ts: number }> }).items ?? [];
			await waitFor(async () => (await history("AAPL")).length >= 2 && (await history("MSFT")).length >= 1, { timeoutMs: 10_000, what: "trades in the logs" });
			await new Promise(r => setTimeout(r, 300));
			expect((await history("AAPL")).map(t => ({ price: t.price, size: t.size, ts: t.ts }))).to.deep.equal([
				{ price: 190.25, size: 100, ts: t0 - 30 },
				{ price: 190.5, size: 100, ts: t0 - 10 },
			]);
			expect((await history("MSFT")).map(t => t.price)).to.deep.equal([410.5]);
			const latest = (await (await fetch(`${base}/api/v1/symbols/AAPL/latest`)).json()) as { price: number };
			expect(latest.price).to.equal(190.5);
			// The quote is a stored message with its spread; trades are stored messages too.
			const msgs = (await (await fetch(`${base}/api/v1/messages/market_data/AAPL?limit=10`)).json()) as StreamMessage[];
			const q = msgs.find(m => m.update_type === "quote")!;
			expect(q.vendor).to.equal("push");
			expect(q.data.spread as number).to.be.closeTo(0.1, 1e-9);
			expect(msgs.filter(m => m.update_type === "trade")).to.have.length(3); // the repeat is a message; the log dedupes the tick
			unsubscribe();
			expect(published.map(m => m.update_type).sort()).to.deep.equal(["quote", "trade", "trade", "trade"]);
			// The worker reports the stream, and the market-data worker polls nothing (push-only chain) without errors.
			const status = (await (await fetch(`${base}/api/v1/workers/worker_market_data`)).json()) as { error_count: number; nodes?: unknown };
			expect(status.error_count).to.equal(0);
		});
	});

	describe("replay of the GOOG daily fixture", () => {
		let node: TestNode;
		before(async () => {
			const config = nodeConfig("push-replay", ["GOOG"], { type: "replay", file: GOOG, symbol: "GOOG", speed: Infinity });
			config.analysis = { ...config.analysis, maxBars: 2000, lateToleranceMs: 5000 };
			// 1,047 bars = 4,188 ticks, far more than the buffer holds: the replay must wait for room
			// (it hands over ≤ 500 ticks at a time and waits while the buffer is over half full).
			config.workers.bufferLimit = 1200;
			node = await startNode(config);
		});
		after(() => node?.stop());

		it("produces the file's 1d bars in the symbol actor", async () => {
			const rows = readFileSync(GOOG, "utf8")
				.trim()
				.split("\n")
				.slice(1)
				.map(l => l.split(",").map(Number));
			const bars = async () => (await node.broker.call<{ bars: Array<{ time: number; open: number; high: number; low: number; close: number; volume: number }> }, object>("symbols.bars", { symbol: "GOOG", tf: "1d", limit: 2000 })).bars;
			await waitFor(async () => (await bars().catch(() => [])).length >= rows.length - 1, { timeoutMs: 20_000, intervalMs: 100, what: "the replayed 1d bars" });
			const got = await bars();
			const closed = got.filter(b => b.time < rows[rows.length - 1][0]);
			expect(closed).to.have.length(rows.length - 1);
			closed.forEach((b, i) =>
				expect({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume }, `bar ${i}`).to.deep.equal({
					time: rows[i][0],
					open: rows[i][1],
					high: rows[i][2],
					low: rows[i][3],
					close: rows[i][4],
					volume: rows[i][5],
				}),
			);
			const h = await node.broker.call<{ items: unknown[] }, object>("symbols.history", { symbol: "GOOG", limit: 1 });
			expect(h.items).to.have.length(1);
			const status = await node.broker.call<Array<{ pipeline: { dropped: number } }>>("ingest.workerStatus");
			expect(status[0].pipeline.dropped, "nothing dropped: the replay waits for room").to.equal(0);
		});
	});
});
