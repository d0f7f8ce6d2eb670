/**
 * The embedded owner's work per tick under the alerts bench's load, for a profiler and for A/B
 * comparisons steadier than latency: an embedded node (ingest, symbols, alerts; memory store, no
 * feed) in this process, 10,000 price rules (100 symbols × 100, as bench/alerts.ts), then batches
 * of 50 ticks (49 quiet symbols in turn + 1 PROBE that crosses every other time) through
 * `ingest.ticks` one after another, tick time advancing 10 ms a batch (5,000 ticks/s of tick time).
 * Prints the CPU µs per batch (median of `runs` windows). No HTTP or WebSocket: those are the same
 * before and after a change to the owner's path.
 *   node --cpu-prof --cpu-prof-interval 100 --import tsx bench/profile-alerts.ts [batches] [runs]
 */
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { OPS } from "../lib/alerts/rule.ts";

const BATCHES = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 5);
const SYMBOLS = 100;
const config = mergeConfig(defaultConfig(), { nodeId: "bench-profile-alerts", port: 0, host: "127.0.0.1", logLevel: "warn", feed: { type: "none" }, symbols: [], services: ["ingest", "symbols", "alerts", "monitor"] });
config.alerts.system.enabled = false;
// Batches go as fast as they are taken, 10 ms of tick time each: the ticks start in the past far
// enough to stay there (only the future is refused; bars close by tick time).
let ts = Date.now() - (RUNS + 1) * BATCHES * 10 - 60_000;
const node = await createNode(config);
await node.start();
const broker = node.broker;
const syms = ["PROBE", ...Array.from({ length: SYMBOLS - 1 }, (_, i) => `Q${String(i + 1).padStart(3, "0")}`)];
for (const symbol of syms)
	for (let j = 0; j < 100; j++) {
		const op = OPS[j % OPS.length];
		const condition = symbol === "PROBE" && j === 0 ? { source: "price", symbol, op: "crosses_above", value: 100 } : { source: "price", symbol, op, value: op === "lt" || op === "lte" || op === "crosses_below" ? -1 : 1e9 };
		await broker.call("alerts.createRule", { body: { id: `b-${symbol}-${j}`, name: `${symbol} ${j}`, cooldown_ms: 0, condition } });
	}
let n = 0;
let quiet = 1;
const batch = () => {
	const ticks = [];
	for (let i = 0; i < 49; i++) {
		ticks.push({ symbol: syms[quiet], price: 50 + (n % 7), size: 1, ts });
		quiet = quiet === SYMBOLS - 1 ? 1 : quiet + 1;
	}
	ticks.push({ symbol: "PROBE", price: n % 2 ? 101 : 99, size: 1, ts });
	n++;
	ts += 10;
	return ticks;
};
const perBatch: number[] = [];
for (let r = 0; r <= RUNS; r++) {
	const cpu0 = process.cpuUsage();
	for (let b = 0; b < BATCHES; b++) {
		await broker.call("ingest.ticks", { body: batch() });
		// Timers (lease renewals, metrics) run between batches, as between POSTs.
		await new Promise(resolve => setImmediate(resolve));
	}
	const cpu = process.cpuUsage(cpu0);
	if (r > 0) perBatch.push((cpu.user + cpu.system) / BATCHES); // the first window warms up
}
perBatch.sort((a, b) => a - b);
// The probe crosses every other batch: its alerts in the history (at most the page's 1,000) show the rules ran.
const fired = (await broker.call("alerts.history", { rule: "b-PROBE-0", limit: 1000 })) as { items: unknown[] };
process.stdout.write(JSON.stringify({ batches: BATCHES, runs: RUNS, cpuUsPerBatch: Math.round(perBatch[RUNS >> 1]), spread: perBatch.map(Math.round), probeAlerts: fired.items.length }) + "\n");
await node.stop();
process.exit(0);
