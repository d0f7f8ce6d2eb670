/**
 * The one shape every bench writes its headline numbers in, so `bench/summary.ts` can put them in
 * one table (bench/README.md documents it). A figure is the median of its runs, with the spread;
 * its ratio is the median of the per-run ratios to a baseline measured in the same run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface Baseline {
	name: string;
	value: number;
	unit: string;
}

export interface Figure {
	name: string;
	/** Median of `runs`. */
	value: number;
	unit: string;
	baseline: Baseline | null;
	/** Median over runs of value ÷ baseline (each run's own baseline); null without a baseline. */
	ratio: number | null;
	/** What the figure should reach, in words ("≥ 0.5× batch endpoint"); null = reported only. */
	goal: string | null;
	/** Whether the goal is reached; null without a goal. */
	met: boolean | null;
	/** Each run's value, in run order. */
	runs: number[];
}

export interface FigureFile {
	bench: string;
	when: string;
	figures: Figure[];
	[extra: string]: unknown;
}

export function median(xs: readonly number[]): number {
	if (xs.length === 0) return NaN;
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, digits: number) => {
	const f = 10 ** digits;
	return Math.round(x * f) / f;
};

export interface FigureSpec {
	name: string;
	unit: string;
	runs: number[];
	baseline?: { name: string; unit: string; runs: number[] };
	/** `ratio` (≥ min) or `value` (≤ max / ≥ min) decides `met`. */
	goal?: { text: string; ratioMin?: number; valueMax?: number; valueMin?: number };
}

/** The median of each run's value ÷ the baseline measured in the same run: how every ratio here is taken. */
export function pairedRatio(runs: readonly number[], baselineRuns: readonly number[]): number {
	if (runs.length !== baselineRuns.length) throw new Error(`${runs.length} runs but ${baselineRuns.length} baseline runs`);
	return median(runs.map((v, i) => v / baselineRuns[i]));
}

/** The figure of `spec`'s runs; throws when it has none, or a baseline with another number of runs. */
export function figure(spec: FigureSpec): Figure {
	const b = spec.baseline;
	if (spec.runs.length === 0) throw new Error(`figure "${spec.name}": no runs`);
	// Each run's ratio is to the baseline measured in that run: the lists must pair up.
	if (b && b.runs.length !== spec.runs.length) throw new Error(`figure "${spec.name}": ${spec.runs.length} runs but ${b.runs.length} baseline runs`);
	const value = median(spec.runs);
	const ratio = b ? pairedRatio(spec.runs, b.runs) : null;
	const g = spec.goal;
	let met: boolean | null = null;
	if (g) {
		met = true;
		if (g.ratioMin !== undefined) met &&= ratio !== null && ratio >= g.ratioMin;
		if (g.valueMax !== undefined) met &&= value <= g.valueMax;
		if (g.valueMin !== undefined) met &&= value >= g.valueMin;
	}
	return {
		name: spec.name,
		value: round(value, 3),
		unit: spec.unit,
		baseline: b ? { name: b.name, value: round(median(b.runs), 3), unit: b.unit } : null,
		ratio: ratio === null ? null : round(ratio, 3),
		goal: g?.text ?? null,
		met,
		runs: spec.runs.map(r => round(r, 3)),
	};
}

/** The runs' min–max, each end written by `format`: a figure's spread as the tables print it. */
export function spread(runs: readonly number[], format: (x: number) => string = String): string {
	return `${format(Math.min(...runs))}–${format(Math.max(...runs))}`;
}

/** A figure as a console.table row: median, spread (whole numbers from 100 up) and run count, then baseline, ratio, met. */
export function figureRow(f: Figure) {
	const end = (x: number) => String(Math.abs(x) >= 100 ? Math.round(x) : x);
	return { name: f.name, value: f.value, spread: spread(f.runs, end), runs: f.runs.length, unit: f.unit, baseline: f.baseline?.value ?? "", ratio: f.ratio ?? "", met: f.met ?? "" };
}

/** Writes bench/results/<bench>.json: the figures plus whatever else the bench keeps. */
export function writeFigures(root: string, bench: string, figures: Figure[], extra: Record<string, unknown> = {}): string {
	const file = path.join(root, "bench", "results", `${bench}.json`);
	mkdirSync(path.dirname(file), { recursive: true });
	const out: FigureFile = { bench, when: new Date().toISOString(), figures, ...extra };
	writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
	return file;
}
