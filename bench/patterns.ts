/**
 * Patterns (docs/events.md "Patterns"), timing noisy on a shared machine: read the ratios.
 * - threshold evaluations/s on one core: 100k threshold patterns over 1k symbols (100 a symbol),
 *   each tick evaluated by its symbol's 100 patterns with the pure evaluator, against a bare
 *   `value > bound` loop over the same patterns in the same run (the floor);
 * - memory per pattern (its state with one entity): heap growth after gc over 100k states built
 *   afresh, as BENCH_RUNS (3; at least 3) cohorts of 100k / BENCH_RUNS built one after the other (each run one
 *   cohort's growth per pattern, the earlier cohorts still alive), so the bench builds 100k states
 *   whatever the number of runs. The evaluator's source-key cache (a WeakMap with an entry per
 *   definition, shared by all patterns) doubles its table now and then, inside one cohort only
 *   (~4 MB: ~+120 B a state in a cohort of 33k): that run is the high end of the spread, the median
 *   a state's own memory, and `bytesPerPatternOverall` in the JSON the growth over all cohorts per
 *   state, cache included (what the one 100k run measured before).
 * Event → WS latency is bench/events.ts's (node in a child process, the bench only the client).
 * Writes bench/results/patterns.json in the figures shape (bench/README.md). Run with `tsx --expose-gc`.
 */
import path from "node:path";
import { applyPattern, initialState, type PatternEvent, type PatternState } from "../lib/patterns/evaluate.ts";
import type { PatternDef } from "../lib/patterns/pattern-types.ts";
import { figure, figureRow, writeFigures } from "./lib/figures.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
/** Memory cohorts: at least 3, so the median leaves out the one the shared key cache's table doubles in. */
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
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

// 2. Memory per pattern: 100k states (definition + one entity) built afresh, in RUNS cohorts. What
// states share (hidden classes, the entity names as property keys) section 1 already made, so a
// cohort's growth per state is one state's size (and its slot in the cohort's array) whatever the
// cohort's size; the one shared thing that still grows is the source-key cache (see the header).
const PATTERNS = SYMBOLS * PER_SYMBOL;
const cohorts: PatternState[][] = [];
const bytesPerPatternRuns: number[] = [];
let grownBytes = 0;
gc();
// Each cohort's heap after gc is the next one's starting point (one gc between two cohorts: each
// full gc of this heap takes a few hundred ms).
let heapBefore = process.memoryUsage().heapUsed;
for (let r = 0; r < RUNS; r++) {
	const from = Math.round((r * PATTERNS) / RUNS);
	const end = Math.round(((r + 1) * PATTERNS) / RUNS);
	const fresh: PatternState[] = [];
	for (let k = from; k < end; k++) {
		const def: PatternDef = { id: `m${k}`, created_at: T0, created_by: "bench", kind: "threshold", entity: `S${k % SYMBOLS}`, source: { type: "tick", field: "price" }, op: "gt", value: 100 };
		const s = applyPattern(initialState(), { t: "def", def });
		fresh.push(applyPattern(s, { t: "in", inputs: [{ key: "tick.price", entity: `S${k % SYMBOLS}`, value: 99, ts: T0 }] }));
	}
	cohorts.push(fresh);
	gc();
	const heapAfter = process.memoryUsage().heapUsed;
	grownBytes += heapAfter - heapBefore;
	bytesPerPatternRuns.push((heapAfter - heapBefore) / fresh.length);
	heapBefore = heapAfter;
}
const bytesPerPatternOverall = grownBytes / cohorts.reduce((n, c) => n + c.length, 0);

const figures = [
	figure({
		name: "threshold evaluations/s, 100k patterns over 1k symbols, one core",
		unit: "evals/s",
		runs: evalRuns,
		baseline: { name: "bare value > bound loop", unit: "compares/s", runs: floorRuns },
		goal: { text: "≥ 1,000,000/s", valueMin: 1e6 },
	}),
	figure({ name: "memory per threshold pattern (state with one entity; the shared key cache apart)", unit: "bytes", runs: bytesPerPatternRuns }),
];
console.table(figures.map(figureRow));
console.log(`memory per pattern by cohort: ${bytesPerPatternRuns.map(Math.round).join(", ")} B; over all ${PATTERNS} states: ${Math.round(bytesPerPatternOverall)} B`);
if (sink < 0) console.log(sink);
writeFigures(path.resolve(import.meta.dirname, ".."), "patterns", figures, { node: process.version, runs: RUNS, bytesPerPatternOverall });
process.exit(0);
