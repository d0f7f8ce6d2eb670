/**
 * Patterns (docs/events.md "Patterns"), timing noisy on a shared machine: read the ratios.
 * - threshold evaluations/s on one core: 100k threshold patterns over 1k symbols (100 a symbol),
 *   each tick evaluated by its symbol's 100 patterns with the pure evaluator, against a bare
 *   `value > bound` loop over the same patterns in the same run (the floor);
 * - memory per pattern (its state after some ticks, heap delta over 100k).
 * Event → WS latency is bench/events.ts's (node in a child process, the bench only the client).
 * Writes bench/results/patterns.json in the figures shape (bench/README.md). Run with `tsx --expose-gc`.
 */
import path from "node:path";
import { applyPattern, initialState, type PatternEvent, type PatternState } from "../lib/patterns/evaluate.ts";
import type { PatternDef } from "../lib/patterns/pattern-types.ts";
import { figure, writeFigures } from "./lib/figures.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
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

const figures = [
	figure({
		name: "threshold evaluations/s, 100k patterns over 1k symbols, one core",
		unit: "evals/s",
		runs: evalRuns,
		baseline: { name: "bare value > bound loop", unit: "compares/s", runs: floorRuns },
		goal: { text: "≥ 1,000,000/s", valueMin: 1e6 },
	}),
	figure({ name: "memory per threshold pattern (state with one entity)", unit: "bytes", runs: [bytesPerPattern] }),
];
console.table(figures.map(f => ({ name: f.name, value: f.value, unit: f.unit, baseline: f.baseline?.value ?? "", ratio: f.ratio ?? "", met: f.met ?? "" })));
if (sink < 0) console.log(sink);
writeFigures(path.resolve(import.meta.dirname, ".."), "patterns", figures, { node: process.version });
process.exit(0);
