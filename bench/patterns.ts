/**
 * Patterns (docs/events.md "Patterns"), timing noisy on a shared machine: read the ratios.
 * - threshold evaluations/s on one core: 100k threshold patterns over 1k symbols (100 a symbol),
 *   each tick evaluated by its symbol's 100 patterns with the pure evaluator, against a bare
 *   `value > bound` loop over the same patterns in the same run (the floor);
 * - memory per pattern (its state after some ticks, heap delta over 100k);
 * - event → WS client latency p50/p99 at 10k events/s (POST batches of 100 every 10 ms to an
 *   embedded node, a WS client on `events:performance_metric`), against tick → WS at the same rate.
 * Writes bench/results/patterns.json in the figures shape (bench/README.md). Run with `tsx --expose-gc`.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import WebSocket from "ws";
import { applyPattern, initialState, type PatternEvent, type PatternState } from "../lib/patterns/evaluate.ts";
import type { PatternDef } from "../lib/patterns/pattern-types.ts";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const T0 = 1_700_000_000_000;
const SYMBOLS = 1000;
const PER_SYMBOL = 100;
const ops = ["gt", "lt", "crosses_above", "crosses_below", "gte"] as const;

// 1. Threshold evaluations.
const states: PatternState[][] = [];
const bounds: Float64Array[] = [];
for (let s = 0; s < SYMBOLS; s++) {
	const row: PatternState[] = [];
	const b = new Float64Array(PER_SYMBOL);
	for (let p = 0; p < PER_SYMBOL; p++) {
		b[p] = 90 + (p % 20);
		const def: PatternDef = { id: `p${s}-${p}`, created_at: T0, created_by: "bench", kind: "threshold", entity: `S${s}`, source: { type: "tick", field: "price" }, op: ops[p % ops.length], value: b[p] };
		row.push(applyPattern(initialState(), { t: "def", def }));
	}
	states.push(row);
	bounds.push(b);
}
const TICKS = 20_000;
const price = (i: number) => 100 + Math.sin(i * 0.37) * 12;
function evaluate(from: number, n: number): number {
	const t = performance.now();
	for (let i = from; i < from + n; i++) {
		const s = i % SYMBOLS;
		const ev: PatternEvent = { t: "in", inputs: [{ key: "tick.price", entity: `S${s}`, value: price(i), ts: T0 + i }] };
		const row = states[s];
		for (let p = 0; p < PER_SYMBOL; p++) applyPattern(row[p], ev);
	}
	return (n * PER_SYMBOL) / ((performance.now() - t) / 1000);
}
let sink = 0;
function floor(from: number, n: number): number {
	const t = performance.now();
	for (let i = from; i < from + n; i++) {
		const b = bounds[i % SYMBOLS];
		const v = price(i);
		for (let p = 0; p < PER_SYMBOL; p++) if (v > b[p]) sink++;
	}
	return (n * PER_SYMBOL) / ((performance.now() - t) / 1000);
}
evaluate(0, TICKS); // warm-up: every symbol's entity state exists from here on
floor(0, TICKS);
const evalRuns: number[] = [];
const floorRuns: number[] = [];
for (let r = 0; r < 5; r++) {
	evalRuns.push(evaluate((r + 1) * TICKS, TICKS));
	floorRuns.push(floor((r + 1) * TICKS, TICKS));
}

// 2. Memory per pattern: 100k states (definition + one entity) built afresh.
gc();
const heap0 = process.memoryUsage().heapUsed;
const fresh: PatternState[] = [];
for (let k = 0; k < SYMBOLS * PER_SYMBOL; k++) {
	const def: PatternDef = { id: `m${k}`, created_at: T0, created_by: "bench", kind: "threshold", entity: `S${k % SYMBOLS}`, source: { type: "tick", field: "price" }, op: "gt", value: 100 };
	const s = applyPattern(initialState(), { t: "def", def });
	fresh.push(applyPattern(s, { t: "in", inputs: [{ key: "tick.price", entity: `S${k % SYMBOLS}`, value: 99, ts: T0 }] }));
}
gc();
const bytesPerPattern = (process.memoryUsage().heapUsed - heap0) / fresh.length;

// 3. Event → WS and tick → WS latency at 10k/s on an embedded node.
const node = await createNode(mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "bench-patterns", services: ["gateway", "monitor", "ingest", "symbols", "events", "patterns"] }));
await node.start();
const base = `http://127.0.0.1:${node.port()}`;
async function latency(topic: string, post: (batch: number, sentAt: number) => Promise<unknown>, keyOf: (data: Record<string, unknown>) => string | undefined): Promise<number[]> {
	const ws = new WebSocket(`ws://127.0.0.1:${node.port()}/ws`);
	await new Promise(resolve => ws.once("open", resolve));
	const sent = new Map<string, number>();
	const lat: number[] = [];
	ws.on("message", raw => {
		const f = JSON.parse(String(raw)) as { type: string; data?: Record<string, unknown> };
		const k = f.type === "update" && f.data ? keyOf(f.data) : undefined;
		const at = k === undefined ? undefined : sent.get(k);
		if (at !== undefined) lat.push(performance.now() - at);
	});
	ws.send(JSON.stringify({ op: "subscribe", topics: [topic] }));
	await new Promise(resolve => setTimeout(resolve, 300));
	for (let b = 0; b < 300; b++) {
		const sentAt = performance.now();
		for (let i = 0; i < 100; i++) sent.set(`${b}-${i}`, sentAt);
		await post(b, sentAt);
		const wait = 10 - (performance.now() - sentAt);
		if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
	}
	await new Promise(resolve => setTimeout(resolve, 500));
	ws.close();
	return lat.sort((a, b) => a - b);
}
const postJson = (path: string, body: unknown) => fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const eventLat = await latency(
	"events:performance_metric",
	b =>
		postJson(
			"/api/v1/events",
			Array.from({ length: 100 }, (_, i) => ({ type: "performance_metric", id: `${b}-${i}`, data: { metric_name: "bench.lat", value: i } })),
		),
	d => d.id as string | undefined,
);
const tickLat = await latency(
	"ticks:BENCH",
	b =>
		postJson(
			"/api/v1/ticks",
			Array.from({ length: 100 }, (_, i) => ({ symbol: "BENCH", price: 100 + i / 100, size: 1, ts: Date.now(), id: `${b}-${i}` })),
		),
	d => d.id as string | undefined,
);
await node.stop();

const fig = (name: string, unit: string, runs: number[], baseline: { name: string; unit: string; runs: number[] } | null, goal: string | null, met: boolean | null) => {
	const value = median(runs);
	const b = baseline ? median(baseline.runs) : null;
	return {
		name,
		value: Math.round(value * 100) / 100,
		unit,
		baseline: baseline ? { name: baseline.name, value: Math.round(b! * 100) / 100, unit: baseline.unit } : null,
		ratio: b ? Math.round((value / b) * 1000) / 1000 : null,
		goal,
		met,
		runs: runs.map(r => Math.round(r * 100) / 100),
	};
};
const evalRate = median(evalRuns);
const p50 = eventLat.length ? pct(eventLat, 0.5) : NaN;
const p99 = eventLat.length ? pct(eventLat, 0.99) : NaN;
const figures = [
	fig("threshold evaluations/s, 100k patterns over 1k symbols, one core", "evals/s", evalRuns, { name: "bare value > bound loop", unit: "compares/s", runs: floorRuns }, "≥ 1,000,000/s", evalRate >= 1e6),
	fig("memory per threshold pattern (state with one entity)", "bytes", [bytesPerPattern], null, null, null),
	fig(`event → WS p50 @10k events/s (${eventLat.length} frames)`, "ms", [p50], { name: "tick → WS p50 @10k ticks/s", unit: "ms", runs: [tickLat.length ? pct(tickLat, 0.5) : NaN] }, null, null),
	fig(`event → WS p99 @10k events/s (${eventLat.length} frames)`, "ms", [p99], { name: "tick → WS p99 @10k ticks/s", unit: "ms", runs: [tickLat.length ? pct(tickLat, 0.99) : NaN] }, "p99 < 10 ms embedded", p99 < 10),
];
console.table(figures.map(f => ({ name: f.name, value: f.value, unit: f.unit, baseline: f.baseline?.value ?? "", ratio: f.ratio ?? "", met: f.met ?? "" })));
if (sink < 0) console.log(sink);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL("./results/patterns.json", import.meta.url), JSON.stringify({ bench: "patterns", when: new Date().toISOString(), node: process.version, figures }, null, 2));
process.exit(0);
