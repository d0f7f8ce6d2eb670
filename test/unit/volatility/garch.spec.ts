import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fitGarch11, garchFilter, garchForecast, garchForecastNext, garchObserve, garchObserveInPlace, type Garch11 } from "../../../lib/volatility/garch.ts";
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

	it("fitGarch11 gives what the first implementation gave on three fixed series (test/fixtures/garch-golden.json): parameters bit for bit, log-likelihood to rounding", () => {
		// Speed-ups of the fit (array reuse, no objects per evaluation, an unboxed filter) must not
		// move a single bit of the parameters, the last variance or the forecast's inputs. The
		// log-likelihood sums its logs as logs of products (lib/volatility/garch.ts filter): it moved
		// by 4 ulps at most on these series (1e-14 relative allowed), and no parameter moved at all.
		const golden = JSON.parse(readFileSync(new URL("../../fixtures/garch-golden.json", import.meta.url), "utf8")) as { series: number[][]; fits: Garch11[] };
		golden.series.forEach((r, i) => {
			const { logLikelihood, ...fit } = fitGarch11(r.slice());
			const { logLikelihood: goldenLl, ...goldenFit } = golden.fits[i];
			expect(fit, `series ${i}`).to.deep.equal(goldenFit);
			expect(Math.abs(logLikelihood / goldenLl - 1), `series ${i} log-likelihood`).to.be.at.most(1e-14);
		});
	});

	it("the log-likelihood's products of variances neither overflow nor underflow, however large or small the variances", () => {
		// Returns from 1e-160 to 1e80 in size: variances far outside the products' 1e-150..1e150 range.
		for (const scale of [1e-160, 1e-80, 1e-20, 1, 1e40, 1e80]) {
			const r = Array.from({ length: 60 }, (_, t) => scale * Math.sin(t * 1.7 + 0.3) * (1 + (t % 7)));
			const fit = fitGarch11(r);
			expect(Number.isFinite(fit.logLikelihood), `scale ${scale}`).to.equal(true);
			expect(fit.lastVariance, `scale ${scale}`).to.be.greaterThan(0);
			// The log-likelihood scales as −n·log(scale) for returns scaled by `scale`.
			const unit = fitGarch11(r.map(x => x / scale));
			expect(fit.logLikelihood + 60 * Math.log(scale), `scale ${scale}`).to.be.closeTo(unit.logLikelihood, 1e-6 * Math.abs(unit.logLikelihood) + 1e-6);
		}
	});

	it("garchFilter's log-likelihood equals the per-step sum of logs to rounding, with variances of any size", () => {
		const perStep = (e: number[], omega: number, alpha: number, beta: number, s2Start: number) => {
			let s2 = s2Start;
			let ll = 0;
			for (let t = 0; t < e.length; t++) {
				if (t > 0) s2 = omega + alpha * e[t - 1] * e[t - 1] + beta * s2;
				ll -= 0.5 * (Math.log(2 * Math.PI) + Math.log(s2) + (e[t] * e[t]) / s2);
			}
			return ll;
		};
		const rand = mulberry32(7);
		for (let run = 0; run < 1000; run++) {
			// With beta = 0 each variance is omega + alpha·e², so the returns' sizes set the variances':
			// mostly 1e-160..1e-120 (products cross 1e-150 every step or two), some far smaller (1e-200:
			// beyond the bound alone) or larger; every other run the mirror image (mostly
			// 1e120..1e160, some 1e170..1e180), and no e²/s2 that overflows.
			const sign = run % 2 === 0 ? -1 : 1;
			const sizes = [10 ** (sign * (60 + Math.floor(rand() * 20))), 10 ** (sign * (85 + Math.floor(rand() * 6))), 10 ** (sign * (20 + Math.floor(rand() * 20)))];
			const e = Array.from({ length: 60 + Math.floor(rand() * 60) }, () => (rand() - 0.5) * sizes[rand() < 0.8 ? 0 : rand() < 0.5 ? 1 : 2]);
			const [omega, alpha, beta] = [1e-320, 0.5 + rand() * 0.4, rand() < 0.5 ? 0 : rand() * 0.09];
			const expected = perStep(e, omega, alpha, beta, e[0] * e[0] + 1e-300);
			const { ll } = garchFilter(e, omega, alpha, beta, e[0] * e[0] + 1e-300);
			expect(Math.abs(ll - expected), `run ${run}`).to.be.at.most(1e-13 * Math.abs(expected));
		}
	});

	it("garchForecast starts from the next-step variance and converges to the long-run variance", () => {
		const fit = { omega: 1e-6, alpha: 0.1, beta: 0.85, logLikelihood: 0, longRunVariance: 2e-5, lastVariance: 4e-5, lastReturn: 0.01, mean: 0 };
		const f = garchForecast(fit, 200);
		expect(f[0]).to.be.closeTo(1e-6 + 0.1 * 1e-4 + 0.85 * 4e-5, 1e-15);
		expect(f[1] - 2e-5).to.be.closeTo(0.95 * (f[0] - 2e-5), 1e-15);
		expect(f[199]).to.be.closeTo(2e-5, 1e-9);
		expect(() => garchForecast(fit, 0)).to.throw(RangeError);
	});

	it("garchObserveInPlace and garchForecastNext give garchObserve's fit and garchForecast(fit, 1)[0] bit for bit", () => {
		const rand = mulberry32(19);
		for (let run = 0; run < 200; run++) {
			const returns = Array.from({ length: 60 }, () => (rand() - 0.5) * 0.02 * (rand() < 0.1 ? 10 : 1));
			let reference = fitGarch11(returns);
			const inPlace = { ...reference };
			for (let k = 0; k < 60; k++) {
				const r = (rand() - 0.5) * 0.02;
				reference = garchObserve(reference, r);
				garchObserveInPlace(inPlace, r);
				expect(inPlace, `run ${run}, step ${k}`).to.deep.equal(reference);
				expect(Object.is(garchForecastNext(inPlace), garchForecast(reference, 1)[0]), `run ${run}, step ${k}`).to.equal(true);
			}
		}
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
