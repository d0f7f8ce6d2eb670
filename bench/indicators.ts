/**
 * Streaming indicator throughput: Rookery vs trading-signals vs technicalindicators, same bars,
 * same run, plus a bare loop (the cost of walking the bars at all) and the ten indicators together.
 * Then heap growth over 10M updates each. Prints a table; writes bench/results/indicators.json.
 *   npm run bench:indicators
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { Bench } from "tinybench";
import type { Bar } from "../lib/bars/bar.ts";
import { IndicatorSet, createIndicator } from "../lib/indicators/index.ts";
import { type Feed, PEERS } from "./indicator-peers.ts";
import { figure } from "./lib/figures.ts";

v8.setFlagsFromString("--expose-gc"); // lets the heap check force a GC without a node flag
const gc = vm.runInNewContext("gc") as () => void;

const SPECS = Object.keys(PEERS);
const CHUNK = 10_000; // updates per timed iteration
const HEAP_UPDATES = 10_000_000;
const MASK = (1 << 16) - 1;
const bars = randomWalk(MASK + 1);

/** Deterministic OHLCV random walk (xorshift), valid bars only. */
function randomWalk(n: number): Bar[] {
	let s = 0x9e3779b9;
	const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
	let close = 100;
	return Array.from({ length: n }, (_, i) => {
		const open = close;
		close = Math.max(1, open + (rnd() - 0.5) * 2);
		const high = Math.max(open, close) + rnd();
		const low = Math.min(open, close) - rnd();
		return { time: i * 60_000, open, high, low, close, volume: Math.floor(rnd() * 1e4) };
	});
}

let pos = 0;
let sink = 0; // consumed so the JIT cannot drop the work
const chunk = (feed: Feed) => () => {
	for (let i = 0; i < CHUNK; i++) if (feed(bars[pos++ & MASK]) === undefined) sink++;
};

const bench = new Bench({ time: 400, warmupTime: 100 });
bench.add("bare loop", chunk((b) => b.close));
for (const spec of SPECS) {
	const ours = createIndicator(spec);
	const [tsFeed, tiFeed] = PEERS[spec]();
	bench.add(`${spec} rookery`, chunk((b) => ours.update(b)));
	bench.add(`${spec} trading-signals`, chunk(tsFeed));
	bench.add(`${spec} technicalindicators`, chunk(tiFeed));
}
const set = new IndicatorSet(SPECS);
bench.add("all ten (IndicatorSet)", chunk((b) => set.update(b)));
await bench.run();

const rate = (name: string) => (bench.getTask(name)?.result?.throughput.mean ?? NaN) * CHUNK;
const bare = rate("bare loop");
const rows = SPECS.map((spec) => {
	const [r, a, b] = [rate(`${spec} rookery`), rate(`${spec} trading-signals`), rate(`${spec} technicalindicators`)];
	return { indicator: spec, rookery: r, tradingSignals: a, technicalindicators: b, vsTradingSignals: r / a, vsTechnicalindicators: r / b, vsFasterPeer: r / Math.max(a, b) };
});
const together = rate("all ten (IndicatorSet)");

/** Heap after a forced GC, before and after 10M updates (steady state, so growth should be ~0). */
function heapGrowth(update: (b: Bar) => unknown): number {
	for (let i = 0; i < 1_000_000; i++) update(bars[i & MASK]);
	gc();
	const before = process.memoryUsage().heapUsed;
	for (let i = 0; i < HEAP_UPDATES; i++) update(bars[i & MASK]);
	gc();
	return process.memoryUsage().heapUsed - before;
}
const heap = Object.fromEntries(SPECS.map((spec) => {
	const ind = createIndicator(spec);
	return [spec, heapGrowth((b) => ind.update(b))];
}));
const allTen = new IndicatorSet(SPECS);
heap["all ten (IndicatorSet)"] = heapGrowth((b) => allTen.update(b));

const M = (x: number) => (x / 1e6).toFixed(2);
const X = (x: number) => `${x.toFixed(1)}×`;
console.log(`\nbare loop: ${M(bare)} M bars/s; ${CHUNK} updates per sample; ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}\n`);
console.table(Object.fromEntries(rows.map((r) => [r.indicator, {
	"rookery M/s": M(r.rookery), "trading-signals M/s": M(r.tradingSignals), "technicalindicators M/s": M(r.technicalindicators),
	"× trading-signals": X(r.vsTradingSignals), "× technicalindicators": X(r.vsTechnicalindicators), "% of bare loop": `${((100 * r.rookery) / bare).toFixed(0)}%`,
	"heap Δ / 10M (bytes)": heap[r.indicator],
}])));
console.log(`all ten together: ${M(together)} M bars/s (${M(together * SPECS.length)} M indicator updates/s); heap Δ over 10M bars: ${heap["all ten (IndicatorSet)"]} bytes`);

mkdirSync(new URL("results/", import.meta.url), { recursive: true });
const figures = rows.map((r) => figure({ name: `${r.indicator} updates`, unit: "updates/s", runs: [r.rookery], baseline: { name: "faster JS peer", unit: "updates/s", runs: [Math.max(r.tradingSignals, r.technicalindicators)] }, goal: { text: "≥ 2× the faster peer", ratioMin: 2 } }));
const report = { bench: "indicators", figures, date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, chunk: CHUNK, bareLoop: bare, rows, allTen: together, heapGrowthBytes: heap, sink };
writeFileSync(new URL("results/indicators.json", import.meta.url), JSON.stringify(report, null, 2) + "\n");
