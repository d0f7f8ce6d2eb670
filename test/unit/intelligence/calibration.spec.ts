/**
 * The calibration table in docs/agents.md is what bench/calibration.ts computes now (rerun here:
 * about 6 s of CPU), and the replay never looks ahead: changing the bars after an origin changes
 * no confidence up to it.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { AgentRunner } from "../../../lib/agents/agent-runner.ts";
import { defaultAgentsConfig } from "../../../lib/agents/agent-config.ts";
import { createModel } from "../../../lib/agents/models.ts";
import { AGENT_NAMES, type AgentName } from "../../../lib/agents/model.ts";
import { calibrate, reliability, reliabilityTable } from "../../../lib/intelligence/calibration.ts";
import { CALIBRATION_BEGIN, CALIBRATION_END, googCalibration, readCsvBars } from "../../../bench/calibration.ts";

const doc = readFileSync(new URL("../../../docs/agents.md", import.meta.url), "utf8");

describe("lib/intelligence/calibration: the published reliability table", function () {
	this.timeout(120_000);

	it("docs/agents.md publishes exactly the table bench/calibration.ts computes", async () => {
		const published = doc.slice(doc.indexOf(CALIBRATION_BEGIN) + CALIBRATION_BEGIN.length, doc.indexOf(CALIBRATION_END)).trim();
		const r = await googCalibration();
		expect(r.origins).to.equal(1041);
		expect(published).to.equal(reliabilityTable(r));
	});

	it("walk-forward: the confidence at an origin does not change when the bars after it do", async () => {
		const bars = readCsvBars(new URL("../../fixtures/goog-daily.csv", import.meta.url)).slice(0, 120);
		const runners = Object.fromEntries(AGENT_NAMES.map(n => [n, new AgentRunner(n, defaultAgentsConfig()[n], s => createModel(n, s), { now: () => 0 })])) as Record<AgentName, AgentRunner<unknown, unknown>>;
		const opts = {
			horizon: "medium_term" as const,
			indicators: ["sma:20", "rsi:14", "macd:12:26:9"],
			strategies: ["ma-cross", "rsi-trend"],
			from: 40,
			runAgent: async (agent: AgentName, params: object) => {
				const r = await runners[agent].run(agent === "forecast" ? params : (params as { view: unknown }).view);
				return { agent, node: "t", mode: r.mode, latencyMs: 0, health: 1, result: r.result };
			},
		};
		const a = await calibrate(bars, opts);
		// The future from bar 80 on crashes: only the outcomes of origins whose horizon reaches it may change.
		const crashed = bars.map((b, i) => (i < 80 ? b : { ...b, open: b.open / 3, high: b.high / 3, low: b.low / 3, close: b.close / 3 }));
		const b = await calibrate(crashed, opts);
		const before = (r: typeof a) => r.points.filter(p => p.index < 80).map(p => p.confidence);
		expect(before(b)).to.deep.equal(before(a));
		expect(before(a).length).to.be.greaterThan(30);
		// … and the hits of origins 75..79 do change (their 5-bar horizon lands in the crash).
		const hits = (r: typeof a) => r.points.filter(p => p.index >= 75 && p.index < 80).map(p => p.hit);
		expect(hits(b)).to.not.deep.equal(hits(a));
	});

	it("buckets by predicted confidence, the last one closed at 1", () => {
		const rows = reliability(
			[
				{ confidence: 0, hit: true },
				{ confidence: 0.5, hit: false },
				{ confidence: 0.5, hit: true },
				{ confidence: 1, hit: true },
			],
			[0, 0.5, 1],
		);
		expect(rows).to.deep.equal([
			{ lo: 0, hi: 0.5, calls: 1, meanConfidence: 0, hits: 1, hitRate: 1 },
			{ lo: 0.5, hi: 1, calls: 3, meanConfidence: 0.667, hits: 2, hitRate: 0.667 },
		]);
	});
});
