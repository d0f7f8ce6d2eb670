/**
 * Vendor ingest throughput: messages/s parsed and ingested (a) from an Alpaca-format WebSocket stream
 * (local ws server → AlpacaStreamVendor → embedded node's ingest pipeline: validation, volatility
 * fields, symbol actors, KV latest + capped stream) and (b) from replay of the GOOG daily CSV.
 * Also the pure parse cost of an Alpaca frame (tinybench). Table on stdout, JSON in
 * bench/results/ingest-vendors.json.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { Bench } from "tinybench";
import { alpacaItem } from "../lib/vendors/alpaca-stream.ts";
import { loadReplay } from "../lib/vendors/replay.ts";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { startAlpacaServer, trade } from "../test/helpers/vendor-servers/alpaca-stream.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const csv = readFileSync(path.join(ROOT, "test/fixtures/goog-daily.csv"), "utf8");
const SYMBOLS = ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA"];

async function pipeline(vendors: Record<string, unknown>, chain: string[], expected: number, drive: () => Promise<void>): Promise<{ messages: number; seconds: number; perSecond: number }> {
	const config = mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "bench-vendors", symbols: SYMBOLS, services: ["ingest", "symbols", "config"] });
	config.vendors = { ...config.vendors, ...(vendors as typeof config.vendors) };
	config.workers.chains.market_data = chain;
	config.workers.autoStart = false;
	config.workers.bufferLimit = 1_000_000;
	const node = await createNode(config);
	await node.start();
	const ingest = node.broker.getLocalService("ingest") as unknown as { pipeline: { stats: { written: number } }; workers: Map<string, { start(): void }>; syncPushes(): Promise<void> };
	// Only market_data: the other workers would add their synthetic messages to the count.
	ingest.workers.get("market_data")!.start();
	await ingest.syncPushes();
	const t0 = performance.now();
	await drive();
	while (ingest.pipeline.stats.written < expected) await new Promise(r => setTimeout(r, 5));
	const seconds = (performance.now() - t0) / 1000;
	const messages = ingest.pipeline.stats.written;
	await node.stop();
	return { messages, seconds, perSecond: Math.round(messages / seconds) };
}

async function main() {
	process.stderr.write("ingest-vendors: running…\n");
	const frame = JSON.stringify(Array.from({ length: 100 }, (_, i) => trade(SYMBOLS[i % 5], 100 + i / 100, i, "2025-06-10T14:30:00.123456Z")));
	const bench = new Bench({ time: 1000 });
	bench.add("parse Alpaca frame (100 trades)", () => {
		for (const m of JSON.parse(frame) as Array<Record<string, unknown>>) alpacaItem("alpaca", m);
	});
	bench.add("load replay CSV (1047 GOOG rows)", () => void loadReplay(csv, "csv", "GOOG"));
	await bench.run();
	const parse = bench.tasks.map(t => ({ task: t.name, "ops/s": Math.round(t.result!.throughput.mean), "msgs/s": Math.round(t.result!.throughput.mean * (t.name.startsWith("parse") ? 100 : 1047)) }));

	const srv = await startAlpacaServer();
	const N = 20_000;
	const alpaca = await pipeline({ alpaca: { type: "alpaca-stream", url: srv.url, key: "k", secret: "s", channels: ["trades"] } }, ["alpaca"], N, async () => {
		while (srv.subscriptions.length === 0) await new Promise(r => setTimeout(r, 5));
		const now = Date.now();
		for (let i = 0; i < N; i += 100) srv.push(Array.from({ length: 100 }, (_, k) => trade(SYMBOLS[(i + k) % 5], 100 + ((i + k) % 50) / 100, i + k, new Date(now - 1000 + Math.floor((i + k) / 100)).toISOString())));
	});
	await srv.close();
	const file = path.join(ROOT, "test/fixtures/goog-daily.csv");
	const replay = await pipeline({ replay: { type: "replay", file, symbol: "GOOG", speed: Infinity } }, ["replay"], 1047 * 4, async () => {});

	const rows = [...parse, { task: `Alpaca stream → ingest (${N} trades)`, "ops/s": "", "msgs/s": alpaca.perSecond }, { task: `replay → ingest (${replay.messages} ticks)`, "ops/s": "", "msgs/s": replay.perSecond }];
	console.table(rows);
	mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
	writeFileSync(path.join(ROOT, "bench/results/ingest-vendors.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, table: rows, alpaca, replay }, null, 2));
}

await main().catch(err => { console.error(err); process.exit(1); });
process.exit(0);
