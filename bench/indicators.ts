/**
 * Streaming indicator throughput: Rookery vs trading-signals vs technicalindicators, same bars,
 * same run, plus a bare loop (the cost of walking the bars at all) and the ten indicators together.
 * BENCH_RUNS (default 3) whole runs: the table shows medians, each figure its runs and the median of
 * its per-run ratios. Then heap growth over 10M updates each. Prints a table; writes
 * bench/results/indicators.json.
 *   npm run bench:indicators
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { Bench } from "tinybench";
import type { Bar } from "../lib/bars/bar.ts";
import { IndicatorSet, createIndicator } from "../lib/indicators/index.ts";
import { checkBar } from "../lib/indicators/validate.ts";
import { type Feed, PEERS } from "./indicator-peers.ts";
import { figure, median } from "./lib/figures.ts";
import { randomWalk } from "./lib/random-walk.ts";

v8.setFlagsFromString("--expose-gc"); // lets the heap check force a GC without a node flag
const gc = vm.runInNewContext("gc") as () => void;

const SPECS = Object.keys(PEERS);
/** Whole runs of every task (each task's rate is the median over them; the figures keep each run). */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = 10_000; // updates per timed iteration
const HEAP_UPDATES = 10_000_000;
const MASK = (1 << 16) - 1;
const bars = randomWalk(MASK + 1);

/**
 * V8 keeps one set of type feedback per function literal, shared by every closure made from it. One
 * shared timing loop would make its `feed(…)` call megamorphic across all tasks, and one shared
 * `(b) => ours.update(b)` would make our update call megamorphic across ten classes, while each peer
 * feed is its own literal in indicator-peers.ts (measured: EMA 49 → 79 M/s with its own call site).
 * So every task gets its own compiled loop, and each of our indicators its own feed: every library
 * is called from a monomorphic site, as from a caller's own loop.
 */
const st = { pos: 0, sink: 0 }; // sink is consumed so the JIT cannot drop the work
const compile = <T>(params: string[], body: string, ...args: unknown[]): T => new Function(...params, body)(...args) as T;
// The task's name is in each compiled source: V8 caches the compilation of identical source text, and
// closures of one cached function share their call sites' feedback, so without it the loops (and our
// feeds) were one call site again after all (measured: VWAP 8 → 16 ns per update once seven other
// indicators had run through it, the peers unchanged).
const chunk = (name: string, feed: Feed) =>
	compile<() => void>(["bars", "feed", "st"], `return () => { let p = st.pos, k = 0; for (let i = 0; i < ${CHUNK}; i++) if (feed(bars[p++ & ${MASK}]) === undefined) k++; st.pos = p; st.sink += k; }; // ${name}`, bars, feed, st);
const feedOf = (name: string, ind: { update(bar: Bar): unknown }) => compile<Feed>(["ind"], `return (b) => ind.update(b); // ${name}`, ind);

const bench = new Bench({ time: 400, warmupTime: 100 });
const task = (name: string, feed: Feed) => bench.add(name, chunk(name, feed));
task("bare loop", b => b.close);
// The bar check every one of our updates runs first (a bad bar is refused, nothing changed): its own
// cost, net of the loop, against the peers' whole update, which checks nothing.
task("bar check alone", checkBar);
for (const spec of SPECS) {
	const [tsFeed, tiFeed] = PEERS[spec]();
	task(`${spec} rookery`, feedOf(spec, createIndicator(spec)));
	task(`${spec} trading-signals`, tsFeed);
	task(`${spec} technicalindicators`, tiFeed);
}
task("all ten (IndicatorSet)", feedOf("set", new IndicatorSet(SPECS)));
/** Per run, each task's updates/s. Every task runs once a run, so a peer and ours share each run's conditions. */
const runs: Array<Map<string, number>> = [];
for (let k = 0; k < RUNS; k++) {
	bench.reset();
	await bench.run();
	runs.push(new Map(bench.tasks.map(t => [t.name, (t.result?.throughput.mean ?? NaN) * CHUNK])));
}
const rateIn = (run: Map<string, number>, name: string) => run.get(name) ?? NaN;
const rate = (name: string) => median(runs.map(run => rateIn(run, name)));
const bare = rate("bare loop");
const ns = (x: number) => 1e9 / x - 1e9 / bare; // ns per update net of the loop
const rows = SPECS.map(spec => {
	const [r, a, b] = [rate(`${spec} rookery`), rate(`${spec} trading-signals`), rate(`${spec} technicalindicators`)];
	const peer = Math.max(a, b);
	return {
		indicator: spec,
		rookery: r,
		tradingSignals: a,
		technicalindicators: b,
		vsTradingSignals: r / a,
		vsTechnicalindicators: r / b,
		vsFasterPeer: r / peer,
		netNs: { rookery: ns(r), fasterPeer: ns(peer) },
		vsFasterPeerNetOfLoop: ns(peer) / ns(r),
	};
});
const together = rate("all ten (IndicatorSet)");
const checkNs = ns(rate("bar check alone"));

/** Heap after a forced GC, before and after 10M updates (steady state, so growth should be ~0). */
function heapGrowth(update: (b: Bar) => unknown): number {
	for (let i = 0; i < 1_000_000; i++) update(bars[i & MASK]);
	gc();
	const before = process.memoryUsage().heapUsed;
	for (let i = 0; i < HEAP_UPDATES; i++) update(bars[i & MASK]);
	gc();
	return process.memoryUsage().heapUsed - before;
}
const heap = Object.fromEntries(
	SPECS.map(spec => {
		const ind = createIndicator(spec);
		return [spec, heapGrowth(b => ind.update(b))];
	}),
);
const allTen = new IndicatorSet(SPECS);
heap["all ten (IndicatorSet)"] = heapGrowth(b => allTen.update(b));

const M = (x: number) => (x / 1e6).toFixed(2);
const X = (x: number) => `${x.toFixed(1)}×`;
console.log(`\nbare loop: ${M(bare)} M bars/s; ${CHUNK} updates per sample; ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}\n`);
console.table(
	Object.fromEntries(
		rows.map(r => [
			r.indicator,
			{
				"rookery M/s": M(r.rookery),
				"trading-signals M/s": M(r.tradingSignals),
				"technicalindicators M/s": M(r.technicalindicators),
				"× trading-signals": X(r.vsTradingSignals),
				"× technicalindicators": X(r.vsTechnicalindicators),
				"ns/update net of loop (faster peer)": `${r.netNs.rookery.toFixed(1)} (${r.netNs.fasterPeer.toFixed(1)})`,
				"% of bare loop": `${((100 * r.rookery) / bare).toFixed(0)}%`,
				"heap Δ / 10M (bytes)": heap[r.indicator],
			},
		]),
	),
);
console.log(`bar check alone: ${checkNs.toFixed(1)} ns net of the loop (bare loop ${(1e9 / bare).toFixed(1)} ns/bar)`);
console.log(`all ten together: ${M(together)} M bars/s (${M(together * SPECS.length)} M indicator updates/s); heap Δ over 10M bars: ${heap["all ten (IndicatorSet)"]} bytes`);

mkdirSync(new URL("results/", import.meta.url), { recursive: true });
const figures = rows.map(r =>
	figure({
		name: `${r.indicator} updates`,
		unit: "updates/s",
		runs: runs.map(run => rateIn(run, `${r.indicator} rookery`)),
		baseline: { name: "faster JS peer", unit: "updates/s", runs: runs.map(run => Math.max(rateIn(run, `${r.indicator} trading-signals`), rateIn(run, `${r.indicator} technicalindicators`))) },
		goal: { text: "≥ 2× the faster peer", ratioMin: 2 },
	}),
);
const report = {
	bench: "indicators",
	figures,
	date: new Date().toISOString(),
	node: process.version,
	cpu: os.cpus()[0]?.model,
	chunk: CHUNK,
	bareLoop: bare,
	rows,
	barCheckNs: checkNs,
	allTen: together,
	heapGrowthBytes: heap,
	sink: st.sink,
};
writeFileSync(new URL("results/indicators.json", import.meta.url), JSON.stringify(report, null, 2) + "\n");
