/**
 * Unified intelligence benchmark (`npm run bench`): requests/s and latency percentiles of
 * `POST /api/v1/intelligence/unified` for 3 symbols with the built-in agents (forecast, explain,
 * strategy; sentiment too when news is stored), on an embedded node, over real HTTP.
 * - cold: a node whose cache is off (cacheTtlMs 0), so every request fetches data and runs agents;
 * - cached: the same request again within the freshness window, served from the cache.
 * Each symbol has 300 one-minute bars (a seeded random walk) so GARCH and Holt run on full windows.
 * Results: a table on stdout and JSON in bench/results/intelligence.json.
 */
import os from "node:os";
import path from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { createNode, type RookeryNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { mulberry32 } from "../lib/feed/random.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(ROOT, "bench", "results", "intelligence.json");
const SYMBOLS = ["AAPL", "MSFT", "GOOG"];
const BARS = 300;
const M = 60_000;

async function startNode(cacheTtlMs: number, nodeId: string): Promise<{ node: RookeryNode; url: string }> {
	const base = defaultConfig();
	const node = await createNode(mergeConfig(base, { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId, intelligence: { ...base.intelligence, cacheTtlMs }, workers: { ...base.workers, autoStart: false } }));
	await node.start();
	const url = `http://127.0.0.1:${node.port()}`;
	const t0 = Math.floor(Date.now() / M) * M - (BARS + 1) * M;
	const rand = mulberry32(7);
	for (const symbol of SYMBOLS) {
		let price = 100;
		const ticks = Array.from({ length: BARS }, (_, i) => ({ symbol, price: (price *= Math.exp((rand() - 0.5) * 0.01)), size: 100, ts: t0 + i * M + 1000 }));
		const res = await fetch(`${url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ticks) });
		if (res.status !== 200) throw new Error(`seeding ${symbol}: HTTP ${res.status} ${await res.text()}`);
	}
	return { node, url };
}

const body = JSON.stringify({ user_id: "bench", symbols: SYMBOLS, analysis_type: "comprehensive", time_horizon: "intraday", include_explanations: true, include_strategies: true, include_forecasts: true, real_time_data: true });

async function unified(url: string, expectCached: boolean): Promise<void> {
	const res = await fetch(`${url}/api/v1/intelligence/unified`, { method: "POST", headers: { "content-type": "application/json" }, body });
	const r = (await res.json()) as { cached: boolean; agents_failed: unknown[] };
	if (res.status !== 200 || r.cached !== expectCached || r.agents_failed.length > 0) throw new Error(`unexpected answer: HTTP ${res.status} ${JSON.stringify(r).slice(0, 300)}`);
}

const cold = await startNode(0, "bench-intel-cold");
const cached = await startNode(60_000, "bench-intel-cached");
await unified(cached.url, false);

const bench = new Bench({ time: Number(process.env.BENCH_SECONDS ?? 5) * 1000, warmupTime: 500 });
bench.add("cold (cache off): data + agents for 3 symbols", () => unified(cold.url, false));
bench.add("cached: same request within the window", () => unified(cached.url, true));
await bench.run();

const rows = bench.tasks.map(t => {
	const r = t.result!;
	const lat = (r as unknown as { latency: { p50: number; p99: number; mean: number } }).latency;
	return { case: t.name, "requests/s": Math.round(r.throughput.mean), "mean ms": +lat.mean.toFixed(2), "p50 ms": +lat.p50!.toFixed(2), "p99 ms": +lat.p99!.toFixed(2), samples: r.latency.samples.length };
});
console.table(rows);
mkdirSync(path.dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, symbols: SYMBOLS, barsPerSymbol: BARS, sequential: true, rows }, null, 2));
console.log(`written ${path.relative(ROOT, RESULTS)}`);
await cold.node.stop();
await cached.node.stop();
