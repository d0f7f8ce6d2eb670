/**
 * Windows and events (docs/events.md):
 * - window updates/s for one metric feeding all six windows (three bucket rings), against one bare
 *   DDSketch.accept in the same run (the floor any sketch-based window pays);
 * - memory per metric with every bucket of every ring in use (24 h of values): heap growth after gc
 *   over 100 metrics, measured as BENCH_RUNS (3) cohorts of 100 / BENCH_RUNS metrics built one after
 *   the other (each run one cohort's growth per metric, the earlier cohorts still alive), so the
 *   bench builds 100 metrics whatever the number of runs.
 * Events accepted/s and event → WS latency are bench/events.ts's.
 * Writes bench/results/analytics.json (figures shape, bench/README.md). Run with `tsx --expose-gc`.
 */
import path from "node:path";
import { DDSketch } from "@datadog/sketches-js";
import { MetricWindows } from "../lib/analytics/metric-windows.ts";
import { figure, figureRow, writeFigures } from "./lib/figures.ts";

const T0 = 1_700_000_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function perSecond(n: number, run: () => void): number {
	const t = performance.now();
	run();
	return n / ((performance.now() - t) / 1000);
}

// 1. Window updates: a value every 1 ms of fake time, so buckets roll over as in a live feed.
const N = 1_000_000;
const values = Float64Array.from({ length: 4096 }, (_, i) => 50 + ((i * 7919) % 1000) / 10);
perSecond(200_000, () => {
	const m = new MetricWindows();
	for (let i = 0; i < 200_000; i++) m.add(T0 + i, values[i & 4095], T0 + i);
});
const windowsRuns: number[] = [];
const sketchRuns: number[] = [];
for (let r = 0; r < 3; r++) {
	windowsRuns.push(
		perSecond(N, () => {
			const m = new MetricWindows();
			for (let i = 0; i < N; i++) m.add(T0 + i, values[i & 4095], T0 + i);
		}),
	);
	sketchRuns.push(
		perSecond(N, () => {
			const s = new DDSketch({ relativeAccuracy: 0.01 });
			for (let i = 0; i < N; i++) s.accept(values[i & 4095]);
		}),
	);
}

// 2. Memory per metric, every ring full: a value every 5 s for 24 h. Metrics share nothing, so a
// cohort's growth per metric is a metric's size whatever the cohort's size.
const METRICS = 100;
const kept: MetricWindows[] = new Array<MetricWindows>(METRICS);
const bytesPerMetricRuns: number[] = [];
gc();
// Each cohort's heap after gc is the next one's starting point (one gc between two cohorts).
let heapBefore = process.memoryUsage().heapUsed;
for (let r = 0; r < RUNS; r++) {
	const from = Math.round((r * METRICS) / RUNS);
	const end = Math.round(((r + 1) * METRICS) / RUNS);
	for (let k = from; k < end; k++) {
		const m = new MetricWindows();
		for (let t = 0; t < 86_400_000; t += 5000) m.add(T0 + t, values[(t / 5000) & 4095] * (1 + k), T0 + t);
		kept[k] = m;
	}
	gc();
	const heapAfter = process.memoryUsage().heapUsed;
	bytesPerMetricRuns.push((heapAfter - heapBefore) / (end - from));
	heapBefore = heapAfter;
}
const buckets = kept[0].bucketCount;

const figures = [
	figure({
		name: "window updates/s, one metric feeding all six windows, one core",
		unit: "updates/s",
		runs: windowsRuns,
		baseline: { name: "bare DDSketch.accept/s", unit: "accepts/s", runs: sketchRuns },
		goal: { text: "≥ 2,000,000/s", valueMin: 2_000_000 },
	}),
	figure({ name: `memory per metric, 24 h with every bucket in use (${buckets} buckets)`, unit: "bytes", runs: bytesPerMetricRuns }),
];
console.table(figures.map(figureRow));
writeFigures(path.resolve(import.meta.dirname, ".."), "analytics", figures);
