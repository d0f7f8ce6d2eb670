import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fitGarch11, garchForecast } from "../../../lib/volatility/garch.ts";
import { logReturns, realizedVolatility } from "../../../lib/volatility/realized.ts";
import { mulberry32 } from "../../../lib/feed/random.ts";

function gaussian(rand: () => number): () => number {
	return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function simulate(n: number, omega: number, alpha: number, beta: number, seed: number): number[] {
	const z = gaussian(mulberry32(seed));
	let s2 = omega / (1 - alpha - beta);
	let e = 0;
	const out: number[] = [];
	for (let t = 0; t < n; t++) {
		if (t > 0) s2 = omega + alpha * e * e + beta * s2;
		e = Math.sqrt(s2) * z();
		out.push(e);
	}
	return out;
}

const googCloses = () =>
	readFileSync(new URL("../../fixtures/goog-daily.csv", import.meta.url), "utf8")
		.trim()
		.split("\n")
		.slice(1)
		.map(l => Number(l.split(",")[4]));

describe("lib/volatility", () => {
	it("fitGarch11 recovers the parameters of a simulated GARCH(1,1)", () => {
		const fit = fitGarch11(simulate(6000, 2e-6, 0.08, 0.9, 7));
		expect(fit.alpha).to.be.closeTo(0.08, 0.03);
		expect(fit.beta).to.be.closeTo(0.9, 0.04);
		expect(fit.longRunVariance).to.be.closeTo(1e-4, 0.4e-4);
		expect(fit.alpha + fit.beta).to.be.lessThan(1);
	});

	it("fitGarch11 on GOOG daily returns reaches the likelihood of a scipy reference fit", () => {
		// scipy.optimize Nelder-Mead, same likelihood (demeaned returns, s2_1 = sample variance),
		// best of three starts: omega 6.760e-6, alpha 0.05720, beta 0.93516, log-likelihood 2507.7485.
		const fit = fitGarch11(logReturns(googCloses()));
		expect(fit.logLikelihood).to.be.greaterThan(2507.748 - 1e-3);
		expect(fit.alpha).to.be.closeTo(0.0572, 0.005);
		expect(fit.beta).to.be.closeTo(0.9352, 0.006);
		expect(fit.omega).to.be.closeTo(6.76e-6, 1e-6);
	});

	it("fitGarch11 gives, bit for bit, what the first implementation gave on three fixed series (test/fixtures/garch-golden.json)", () => {
		// Speed-ups of the fit (array reuse, no objects per evaluation, an unboxed filter) must not
		// move a single bit of any field, the last variance and log-likelihood included.
		const golden = JSON.parse(readFileSync(new URL("../../fixtures/garch-golden.json", import.meta.url), "utf8")) as { series: number[][]; fits: object[] };
		golden.series.forEach((r, i) => expect(fitGarch11(r.slice()), `series ${i}`).to.deep.equal(golden.fits[i]));
	});

	it("garchForecast starts from the next-step variance and converges to the long-run variance", () => {
		const fit = { omega: 1e-6, alpha: 0.1, beta: 0.85, logLikelihood: 0, longRunVariance: 2e-5, lastVariance: 4e-5, lastReturn: 0.01, mean: 0 };
		const f = garchForecast(fit, 200);
		expect(f[0]).to.be.closeTo(1e-6 + 0.1 * 1e-4 + 0.85 * 4e-5, 1e-15);
		expect(f[1] - 2e-5).to.be.closeTo(0.95 * (f[0] - 2e-5), 1e-15);
		expect(f[199]).to.be.closeTo(2e-5, 1e-9);
		expect(() => garchForecast(fit, 0)).to.throw(RangeError);
	});

	it("fitGarch11 refuses too few, non-finite or constant returns", () => {
		expect(() => fitGarch11([0.1, 0.2])).to.throw(RangeError, /at least 10/);
		expect(() => fitGarch11(new Array(20).fill(0.01))).to.throw(RangeError, /vary/);
		expect(() => fitGarch11([...new Array(20).fill(0.01), NaN])).to.throw(RangeError, /finite/);
	});

	it("logReturns and realizedVolatility", () => {
		const r = logReturns([100, 110, 99]);
		expect(r[0]).to.be.closeTo(Math.log(1.1), 1e-15);
		expect(r[1]).to.be.closeTo(Math.log(0.9), 1e-15);
		expect(() => logReturns([100, 0, 1])).to.throw(RangeError);
		expect(realizedVolatility([0.01])).to.equal(0);
		// sample stdev of [0.01, -0.01, 0.03] = 0.02
		expect(realizedVolatility([0.01, -0.01, 0.03])).to.be.closeTo(0.02, 1e-15);
		expect(realizedVolatility([0.01, -0.01, 0.03], 252)).to.be.closeTo(0.02 * Math.sqrt(252), 1e-14);
	});
});
