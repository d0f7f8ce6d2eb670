/**
 * The reliability table of the unified confidence in docs/agents.md ("Calibration"): GOOG daily
 * closes (test/fixtures/goog-daily.csv) replayed walk-forward through the built-in agents, medium-
 * term horizon (1d bars, 5 steps). Deterministic (no clock, no randomness), so the table is
 * reproducible; test/unit/intelligence/calibration.spec.ts checks the published one against it.
 *   npx tsx bench/calibration.ts            prints the table
 *   npx tsx bench/calibration.ts --write    also replaces it in docs/agents.md
 */
import { readFileSync, writeFileSync } from "node:fs";
import { AgentRunner } from "../lib/agents/agent-runner.ts";
import { defaultAgentsConfig } from "../lib/agents/agent-config.ts";
import { createModel } from "../lib/agents/models.ts";
import { AGENT_NAMES, type AgentName } from "../lib/agents/model.ts";
import type { Bar } from "../lib/bars/bar.ts";
import { defaultConfig } from "../lib/config/config.ts";
import { calibrate, reliabilityTable, type CalibrationResult } from "../lib/intelligence/calibration.ts";

export const CALIBRATION_BEGIN = "<!-- calibration:begin (bench/calibration.ts) -->";
export const CALIBRATION_END = "<!-- calibration:end -->";

export function readCsvBars(path: URL): Bar[] {
	return readFileSync(path, "utf8")
		.trim()
		.split("\n")
		.slice(1)
		.map(line => {
			const [time, open, high, low, close, volume] = line.split(",").map(Number);
			return { time, open, high, low, close, volume };
		});
}

export async function googCalibration(): Promise<CalibrationResult> {
	const bars = readCsvBars(new URL("../test/fixtures/goog-daily.csv", import.meta.url));
	const cfg = defaultConfig();
	const runners = Object.fromEntries(AGENT_NAMES.map(n => [n, new AgentRunner(n, { ...defaultAgentsConfig()[n], timeoutMs: 60_000 }, s => createModel(n, s), { now: () => 0 })])) as Record<AgentName, AgentRunner<unknown, unknown>>;
	return calibrate(bars, {
		horizon: "medium_term",
		indicators: cfg.analysis.indicators,
		strategies: cfg.analysis.strategies,
		runAgent: async (agent, params) => {
			const input = agent === "sentiment" || agent === "forecast" ? params : (params as { view: unknown }).view;
			const r = await runners[agent].run(input);
			return { agent, node: "replay", mode: r.mode, latencyMs: 0, health: 1, result: r.result };
		},
	});
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const t0 = performance.now();
	const r = await googCalibration();
	const table = reliabilityTable(r);
	console.log(`${r.origins} origins, ${r.noCall} without a call, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
	console.log(table);
	if (process.argv.includes("--write")) {
		const docPath = new URL("../docs/agents.md", import.meta.url);
		const doc = readFileSync(docPath, "utf8");
		const a = doc.indexOf(CALIBRATION_BEGIN);
		const b = doc.indexOf(CALIBRATION_END);
		if (a < 0 || b < a) throw new Error(`docs/agents.md has no ${CALIBRATION_BEGIN} … ${CALIBRATION_END} block`);
		writeFileSync(docPath, `${doc.slice(0, a + CALIBRATION_BEGIN.length)}\n${table}\n${doc.slice(b)}`);
		console.log("\ndocs/agents.md updated");
	}
}
