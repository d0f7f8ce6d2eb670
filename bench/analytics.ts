/**
 * Windows and events (docs/events.md):
 * - window updates/s for one metric feeding all six windows (three bucket rings), against one bare
 *   DDSketch.accept in the same run (the floor any sketch-based window pays);
 * - memory per metric with every bucket of every ring in use (24 h of values);
 * - events accepted/s through POST /api/v1/events batches of 5,000 on an embedded node, against
 *   ticks accepted/s through POST /api/v1/ticks batches of 5,000 on the same node.
 * Prints a table; writes bench/results/analytics.json. Run with `tsx --expose-gc`.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { DDSketch } from "@datadog/sketches-js";
import { MetricWindows } from "../lib/analytics/metric-windows.ts";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";

const T0 = 1_700_000_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

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
const windowsRate = perSecond(N, () => {
	const m = new MetricWindows();
	for (let i = 0; i < N; i++) m.add(T0 + i, values[i & 4095], T0 + i);
});
const sketchRate = perSecond(N, () => {
	const s = new DDSketch({ relativeAccuracy: 0.01 });
	for (let i = 0; i < N; i++) s.accept(values[i & 4095]);
});

// 2. Memory per metric, every ring full: a value every 5 s for 24 h.
const METRICS = 100;
gc();
const heap0 = process.memoryUsage().heapUsed;
const kept: MetricWindows[] = [];
for (let k = 0; k < METRICS; k++) {
	const m = new MetricWindows();
	for (let t = 0; t < 86_400_000; t += 5000) m.add(T0 + t, values[(t / 5000) & 4095] * (1 + k), T0 + t);
	kept.push(m);
}
gc();
const bytesPerMetric = (process.memoryUsage().heapUsed - heap0) / METRICS;
const buckets = kept[0].bucketCount;

// 3. Events vs ticks through REST batches on one embedded node.
const node = await createNode(mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "bench-analytics", services: ["gateway", "monitor", "ingest", "symbols", "events", "analytics"] }));
await node.start();
const base = `http://127.0.0.1:${node.port()}/api/v1`;
const post = async (path: string, body: string) => {
	const r = await fetch(`${base}/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
	if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
	await r.arrayBuffer();
};
const BATCH = 5000;
const ROUNDS = 20;
async function restRate(path: string, batch: (round: number) => string): Promise<number> {
	const bodies = Array.from({ length: ROUNDS + 2 }, (_, r) => batch(r));
	await post(path, bodies[0]);
	await post(path, bodies[1]);
	const t = performance.now();
	for (let r = 2; r < ROUNDS + 2; r++) await post(path, bodies[r]);
	return (ROUNDS * BATCH) / ((performance.now() - t) / 1000);
}
const now = Date.now();
const eventsRate = await restRate("events", r =>
	JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ type: "performance_metric", entity: `svc${i % 10}`, ts: now - 30_000 + r, data: { metric_name: `lat.svc${i % 10}`, value: values[i & 4095] } }))),
);
const ticksRate = await restRate("ticks", r => JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ symbol: `S${i % 50}`, price: values[i & 4095], size: 1, ts: now - 30_000 + r }))));
await node.stop();

const rows = [
	{ measure: "window updates/s (one metric, six windows)", value: Math.round(windowsRate), baseline: "DDSketch.accept/s", baselineValue: Math.round(sketchRate), ratio: windowsRate / sketchRate },
	{ measure: "bytes per metric (24 h, all buckets)", value: Math.round(bytesPerMetric), baseline: "buckets in use", baselineValue: buckets, ratio: bytesPerMetric / buckets },
	{ measure: "events accepted/s (POST batches of 5,000)", value: Math.round(eventsRate), baseline: "ticks accepted/s (same node)", baselineValue: Math.round(ticksRate), ratio: eventsRate / ticksRate },
];
console.table(rows.map(r => ({ ...r, ratio: r.ratio.toFixed(2) })));
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/analytics.json", import.meta.url), JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2));
