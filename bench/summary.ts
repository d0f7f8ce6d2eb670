/**
 * The last step of `npm run bench`: every figure of every bench in one table. Reads each
 * bench/results/*.json that has a `figures` array (the shape in bench/README.md and
 * bench/lib/figures.ts), prints one markdown table (figure, median with its spread over the runs,
 * the same-run baseline, the ratio, the goal and MET / NOT MET), and writes it to
 * bench/results/summary.md and bench/results/summary.json. Result files without figures are
 * listed by name, so a bench that does not report yet is visible rather than missing.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spread, type Figure } from "./lib/figures.ts";

const DIR = path.join(import.meta.dirname, "results");
const OWN = new Set(["summary.json"]);

interface Row extends Figure {
	bench: string;
	when: string | null;
}

function isFigure(x: unknown): x is Figure {
	const f = x as Figure;
	return typeof f === "object" && f !== null && typeof f.name === "string" && typeof f.value === "number" && typeof f.unit === "string" && Array.isArray(f.runs);
}

/** Significant digits that keep the number readable: 245,310 / 12.3 / 0.043. */
function num(x: number | null | undefined): string {
	if (x === null || x === undefined || !Number.isFinite(x)) return "–";
	const a = Math.abs(x);
	if (a >= 1000) return Math.round(x).toLocaleString("en-US");
	if (a >= 10) return x.toFixed(1);
	if (a >= 1) return x.toFixed(2);
	return x.toPrecision(2);
}

function spreadCell(runs: number[]): string {
	const ok = runs.filter(Number.isFinite);
	if (ok.length < 2) return `${ok.length} run`;
	return `${spread(ok, num)} (${ok.length} runs)`;
}

const cell = (s: string) => s.replaceAll("|", "\\|");

function main(): void {
	const files = readdirSync(DIR)
		.filter(f => f.endsWith(".json") && !OWN.has(f))
		.sort();
	const rows: Row[] = [];
	const without: string[] = [];
	const unreadable: string[] = [];
	for (const file of files) {
		let data: { bench?: string; when?: string; date?: string; figures?: unknown };
		try {
			data = JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as typeof data;
		} catch {
			unreadable.push(file);
			continue;
		}
		const figures = Array.isArray(data.figures) ? data.figures.filter(isFigure) : [];
		if (figures.length === 0) without.push(file);
		const bench = data.bench ?? file.replace(/\.json$/, "");
		for (const f of figures) rows.push({ ...f, bench, when: data.when ?? data.date ?? null });
	}

	const lines = [
		`# Bench summary`,
		``,
		`${new Date().toISOString()}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}. Each value is the median of its runs (spread: min–max); the ratio is the median of per-run ratios to a baseline measured in the same run.`,
		``,
		`| bench | figure | value | spread | baseline | ratio | goal | status |`,
		`|---|---|---|---|---|---|---|---|`,
		...rows
			.map(r =>
				[
					r.bench,
					r.name,
					`${num(r.value)} ${r.unit}`,
					spreadCell(r.runs),
					r.baseline ? `${r.baseline.name}: ${num(r.baseline.value)} ${r.baseline.unit}` : "–",
					r.ratio === null ? "–" : `${num(r.ratio)}×`,
					r.goal ?? "–",
					r.met === null ? "–" : r.met ? "MET" : "**NOT MET**",
				]
					.map(cell)
					.join(" | "),
			)
			.map(l => `| ${l} |`),
		``,
		`${rows.filter(r => r.met === true).length} of ${rows.filter(r => r.met !== null).length} goals met.`,
	];
	if (without.length > 0) lines.push(``, `Results without figures (not in the shape of bench/README.md): ${without.join(", ")}.`);
	if (unreadable.length > 0) lines.push(``, `Unreadable: ${unreadable.join(", ")}.`);
	const md = lines.join("\n") + "\n";
	process.stdout.write("\n" + md);
	writeFileSync(path.join(DIR, "summary.md"), md);
	writeFileSync(path.join(DIR, "summary.json"), JSON.stringify({ when: new Date().toISOString(), node: process.version, figures: rows, without, unreadable }, null, 2) + "\n");
}

main();
