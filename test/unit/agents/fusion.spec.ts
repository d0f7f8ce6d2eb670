/**
 * The confidence formula in docs/agents.md ("Confidence") is the one lib/agents/fusion.ts
 * implements: the coefficients are read from the doc and checked against the code on random
 * inputs, and each part moves the confidence the documented way.
 */
import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { directionOf, freshnessOf, fuseConfidence, type AgentOpinion } from "../../../lib/agents/fusion.ts";
import { HORIZON_PLAN } from "../../../lib/intelligence/unified-request.ts";
import type { AgentName } from "../../../lib/agents/model.ts";

const doc = readFileSync(new URL("../../../docs/agents.md", import.meta.url), "utf8");
const op = (agent: AgentName, direction: number | null, health = 1, weight = 1, evidence = 1): AgentOpinion => ({ agent, weight, direction, health, evidence });
const all = (d: number, health = 1) => [op("sentiment", d, health), op("forecast", d, health), op("explain", d, health), op("strategy", d, health)];

describe("lib/agents/fusion: the documented confidence", () => {
	it("docs/agents.md's formula, with its coefficients, is what fuseConfidence computes", () => {
		const m = /confidence = \(([\d.]+) A \+ ([\d.]+) C \+ ([\d.]+) H\) × \(([\d.]+) \+ ([\d.]+) F\) × E, 0 when no agent answered/.exec(doc);
		expect(m, "the formula line in docs/agents.md").to.not.equal(null);
		const [a, c, h, f0, f1] = m!.slice(1).map(Number);
		expect([a, c, h, f0, f1]).to.deep.equal([0.4, 0.3, 0.3, 0.5, 0.5]);
		const opinion = fc.record({
			agent: fc.constantFrom<AgentName>("sentiment", "forecast", "explain", "strategy"),
			weight: fc.double({ min: 0.1, max: 3, noNaN: true }),
			direction: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: null }),
			health: fc.double({ min: 0, max: 1, noNaN: true }),
			evidence: fc.double({ min: 0, max: 1, noNaN: true }),
		});
		fc.assert(
			fc.property(fc.array(opinion, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (ops, F) => {
				// The doc's definitions, computed independently of the code.
				const answered = ops.filter(o => o.direction !== null);
				const w = (xs: typeof ops, f: (o: (typeof ops)[number]) => number) => xs.reduce((s, o) => s + o.weight * f(o), 0);
				const sumAbs = w(answered, o => Math.abs(o.direction!));
				const A = sumAbs > 0 ? Math.abs(w(answered, o => o.direction!)) / sumAbs : 0.5;
				const C = w(answered, () => 1) / w(ops, () => 1);
				const H = answered.length ? w(answered, o => o.health) / w(answered, () => 1) : 0;
				const E = answered.length ? w(answered, o => o.evidence) / w(answered, () => 1) : 0;
				const expected = answered.length === 0 ? 0 : (a * A + c * C + h * H) * (f0 + f1 * F) * E;
				const got = fuseConfidence(ops, F);
				expect(got.confidence).to.be.closeTo(expected, 0.0011);
				expect(got.agreement).to.be.closeTo(A, 0.0011);
				expect(got.coverage).to.be.closeTo(C, 0.0011);
				expect(got.health).to.be.closeTo(H, 0.0011);
				expect(got.evidence).to.be.closeTo(E, 0.0011);
			}),
		);
	});

	it("agreement: agents pointing the same way give more confidence than agents that disagree; no opinion is 0.5", () => {
		const agree = fuseConfidence(all(0.6), 1);
		const split = fuseConfidence([op("sentiment", 0.6), op("forecast", -0.6), op("explain", 0.6), op("strategy", -0.6)], 1);
		expect(agree.agreement).to.equal(1);
		expect(split.agreement).to.equal(0);
		expect(agree.confidence).to.be.greaterThan(split.confidence);
		expect(agree.confidence).to.equal(1);
		expect(fuseConfidence(all(0), 1).agreement).to.equal(0.5);
		// A dissenting minority lowers it partly: |3·0.6 − 0.6| / (4·0.6) = 0.5
		expect(fuseConfidence([op("sentiment", 0.6), op("forecast", 0.6), op("explain", 0.6), op("strategy", -0.6)], 1).agreement).to.equal(0.5);
	});

	it("health: less healthy agents give less confidence", () => {
		const healthy = fuseConfidence(all(0.5, 1), 1);
		const sick = fuseConfidence(all(0.5, 0.4), 1);
		expect(sick.health).to.equal(0.4);
		expect(sick.confidence).to.be.closeTo(healthy.confidence - 0.3 * 0.6, 1e-9);
	});

	it("freshness: older data gives less confidence, down to half without a quote; windows as documented", () => {
		const window = HORIZON_PLAN.intraday.freshnessMs;
		const ages = [0, 10_000, 60_000, 600_000];
		const conf = ages.map(age => fuseConfidence(all(0.5), freshnessOf(age, window)).confidence);
		for (let i = 1; i < conf.length; i++) expect(conf[i]).to.be.lessThan(conf[i - 1]);
		expect(freshnessOf(60_000, 60_000)).to.be.closeTo(Math.exp(-1), 1e-12);
		expect(freshnessOf(null, window)).to.equal(0);
		expect(fuseConfidence(all(0.5), 0).confidence).to.equal(0.5);
		expect([HORIZON_PLAN.intraday, HORIZON_PLAN.short_term, HORIZON_PLAN.medium_term, HORIZON_PLAN.long_term].map(p => p.freshnessMs)).to.deep.equal([60_000, 900_000, 86_400_000, 86_400_000]);
		expect(doc).to.include("window 60 s (intraday),\n  15 min (short), 1 d (medium, long)");
	});

	it("one agent down lowers coverage, health stays that of the answering agents, and the confidence drops; none answering is 0", () => {
		const up = fuseConfidence(all(0.5), 1);
		const oneDown = fuseConfidence([op("sentiment", 0.5), op("forecast", 0.5), op("explain", null, 0), op("strategy", 0.5)], 1);
		expect(oneDown.coverage).to.equal(0.75);
		expect(oneDown.health).to.equal(1);
		expect(oneDown.agreement).to.equal(1);
		expect(oneDown.confidence).to.be.closeTo(up.confidence - 0.3 * 0.25, 1e-9);
		// Weights count: losing a weight-3 agent costs more coverage than a weight-1 one.
		const heavyDown = fuseConfidence([op("sentiment", 0.5), op("forecast", 0.5), op("explain", null, 0, 3), op("strategy", 0.5)], 1);
		expect(heavyDown.coverage).to.equal(0.5);
		expect(fuseConfidence([op("explain", null, 0), op("strategy", null, 0)], 1).confidence).to.equal(0);
	});

	it("directions are read from each agent's answer as documented", () => {
		expect(directionOf("sentiment", { items: [], summary: { polarity: -0.7 } })).to.equal(-0.7);
		expect(directionOf("explain", { score: 0.42 })).to.equal(0.42);
		expect(directionOf("strategy", { suggestions: [{ action: "sell", confidence: 0.8 }] })).to.equal(-0.8);
		expect(directionOf("strategy", { suggestions: [{ action: "buy", confidence: 0.3 }] })).to.equal(0.3);
		expect(directionOf("strategy", { suggestions: [{ action: "hold", confidence: 0.9 }] })).to.equal(0);
		// forecast: ln(mean_h / last) / sigma_h, clipped to [-1, 1]
		expect(directionOf("forecast", { last: 100, points: [{ mean: 101, sigma: 0.02 }] })).to.be.closeTo(Math.log(1.01) / 0.02, 1e-12);
		expect(directionOf("forecast", { last: 100, points: [{ mean: 150, sigma: 0.02 }] })).to.equal(1);
		expect(directionOf("forecast", { last: 100, points: [{ mean: 90, sigma: 0.01 }] })).to.equal(-1);
	});
});
