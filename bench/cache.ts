/**
 * Two-level cache benchmark (`npx tsx bench/cache.ts`; BENCH_SECONDS per case, default 3). A
 * cluster in one process over a real nats-server and redis-server: node A runs everything and holds
 * 3 symbols × 300 one-minute bars; node B runs gateway + intelligence + monitor, so its requests
 * read the symbols' seqs from A. On node B, over real HTTP, sequentially:
 * - miss: both levels emptied before each request (the answer is computed: data + agents);
 * - L2 hit: B's L1 emptied before each request (served from the Redis shared with A);
 * - L1 hit: the same request again (served from B's memory).
 * Then the cacher alone (no HTTP, no seq reads): get() from L1 vs from L2. Same-run ratios are what
 * to compare. Results: a table on stdout and bench/results/cache.json (figures for bench/summary.ts).
 */
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig, type ServiceName } from "../lib/config/config.ts";
import { mulberry32 } from "../lib/feed/random.ts";
import { startNats, startRedis } from "../test/helpers/servers.ts";
import { twoLevelCacherOf } from "../middlewares/cache-stats.ts";
import { figure, writeFigures } from "./lib/figures.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SYMBOLS = ["AAPL", "MSFT", "GOOG"];
const BARS = 300;
const M = 60_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Whole runs of every case: each figure keeps its runs (their median is its value). */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const [nats, redis] = await Promise.all([startNats(), startRedis()]);
const base = defaultConfig();
const cfg = (nodeId: string, services: ServiceName[]) =>
	mergeConfig(base, {
		port: 0,
		host: "127.0.0.1",
		logLevel: "fatal",
		feed: { type: "none" },
		nodeId,
		services,
		transporter: nats.url,
		redisUrl: redis.url,
		workers: { ...base.workers, autoStart: false },
		intelligence: { ...base.intelligence, cacheTtlMs: 60_000 },
	});
const a = await createNode(cfg("bench-cache-a", [...base.services]));
const b = await createNode(cfg("bench-cache-b", ["gateway", "intelligence", "monitor"]));
await Promise.all([a.start(), b.start()]);
while (!b.broker.registry.getActionEndpoints("symbols.latest")?.hasAvailable()) await new Promise(r => setTimeout(r, 50));

const urlA = `http://127.0.0.1:${a.port()}`;
const urlB = `http://127.0.0.1:${b.port()}`;
const t0 = Math.floor(Date.now() / M) * M - (BARS + 1) * M;
const rand = mulberry32(7);
for (const symbol of SYMBOLS) {
	let price = 100;
	const ticks = Array.from({ length: BARS }, (_, i) => ({ symbol, price: (price *= Math.exp((rand() - 0.5) * 0.01)), size: 100, ts: t0 + i * M + 1000 }));
	const res = await fetch(`${urlA}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ticks) });
	if (res.status !== 200) throw new Error(`seeding ${symbol}: HTTP ${res.status}`);
}

const body = JSON.stringify({ user_id: "bench", symbols: SYMBOLS, time_horizon: "intraday", include_explanations: true, include_strategies: true, include_forecasts: true, real_time_data: true });
async function unified(expectCached: boolean): Promise<void> {
	const res = await fetch(`${urlB}/api/v1/intelligence/unified`, { method: "POST", headers: { "content-type": "application/json" }, body });
	const r = (await res.json()) as { cached: boolean; agents_failed: unknown[] };
	if (res.status !== 200 || r.cached !== expectCached || r.agents_failed.length > 0) throw new Error(`unexpected answer: HTTP ${res.status} ${JSON.stringify(r).slice(0, 300)}`);
}

const cacherB = twoLevelCacherOf(b.broker)!;
await unified(false);
const bench = new Bench({ time: SECONDS * 1000, warmupTime: 300 });
bench.add("miss (L1 and L2 emptied first): computed on B", async () => {
	await cacherB.clean("**");
	await unified(false);
});
bench.add("L2 hit (B's L1 emptied first): from Redis", async () => {
	cacherB.cleanL1("**");
	await unified(true);
});
bench.add("L1 hit: from B's memory", () => unified(true));

// The cacher alone: one stored answer read back from each level.
const [key] = [...cacherB.l1.keys()];
bench.add("cacher.get, L1", async () => {
	if ((await cacherB.get(key)) === undefined) throw new Error("L1 miss");
});
bench.add("cacher.get, L2 (L1 emptied first)", async () => {
	cacherB.cleanL1("**");
	if ((await cacherB.get(key)) === undefined) throw new Error("L2 miss");
});
type Row = { case: string; "ops/s": number; "mean ms": number; "p50 ms": number; "p99 ms": number; samples: number };
const runRows: Row[][] = [];
for (let k = 0; k < RUNS; k++) {
	bench.reset();
	await bench.run();
	const rows: Row[] = bench.tasks.map(t => {
		const r = t.result!;
		const lat = (r as unknown as { latency: { p50: number; p99: number; mean: number } }).latency;
		return { case: t.name, "ops/s": Math.round(r.throughput.mean), "mean ms": +lat.mean.toFixed(3), "p50 ms": +lat.p50!.toFixed(3), "p99 ms": +lat.p99!.toFixed(3), samples: r.latency.samples.length };
	});
	console.log(`run ${k + 1} of ${RUNS}:`);
	console.table(rows);
	runRows.push(rows);
}
const entry = cacherB.status();
console.log(`answer: ${entry.l1.bytes} bytes of JSON; in Redis ${Math.round(cacherB.stats.bytesWritten / Math.max(1, entry.l2!.sets))} bytes gzipped (${cacherB.stats.compressed} of ${entry.l2!.sets} writes compressed)`);
// The summary's rows (bench/README.md): requests/s on node B by where the answer came from.
const rate = (i: number) => runRows.map(rows => rows[i]["ops/s"]);
const meanMs = (i: number) => runRows.map(rows => rows[i]["mean ms"]);
const miss = { name: "miss: computed on node B", unit: "req/s", runs: rate(0) };
const l2 = { name: "L2 hit on node B (Redis shared with node A)", unit: "req/s", runs: rate(1) };
const figures = [
	figure({ ...miss, name: "unified intelligence, 3 symbols, cache miss (computed on the second node)" }),
	figure({ name: "unified intelligence on the second node from L2", unit: "req/s", runs: l2.runs, baseline: miss, goal: { text: "≥ 3× a miss", ratioMin: 3 } }),
	figure({ name: "unified intelligence on the second node from L1", unit: "req/s", runs: rate(2), baseline: l2, goal: { text: "≥ an L2 hit", ratioMin: 1 } }),
	figure({ name: "cacher.get from L1", unit: "ms", runs: meanMs(3) }),
	figure({ name: "cacher.get from L2", unit: "ms", runs: meanMs(4) }),
];
const file = writeFigures(ROOT, "cache", figures, { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), symbols: SYMBOLS, barsPerSymbol: BARS, sequential: true, runs: runRows });
console.log(`written ${path.relative(ROOT, file)}`);
await Promise.all([a.stop(), b.stop()]);
await Promise.all([nats.stop(), redis.stop()]);
