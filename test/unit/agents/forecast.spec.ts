import { expect } from "chai";
import { readFileSync } from "node:fs";
import { forecastPrices } from "../../../lib/agents/forecast.ts";
import { fitHolt, holtForecast } from "../../../lib/agents/holt.ts";
import { rollingOriginBacktest } from "../../../lib/agents/backtest.ts";

const goog = readFileSync(new URL("../../fixtures/goog-daily.csv", import.meta.url), "utf8")
	.trim()
	.split("\n")
	.slice(1)
	.map(l => Number(l.split(",")[4]));

describe("lib/agents/forecast", () => {
	it("Holt follows an exact linear trend", () => {
		const y = Array.from({ length: 30 }, (_, i) => 100 + 2 * i);
		const fit = fitHolt(y);
		expect(fit.rmse).to.be.lessThan(1e-6);
		const f = holtForecast(fit, 3);
		f.forEach((v, i) => expect(v).to.be.closeTo(158 + 2 * (i + 1), 1e-6));
		// damped: the increments shrink by phi each step
		const d = holtForecast({ ...fit, phi: 0.5 }, 2);
		expect(d[1] - d[0]).to.be.closeTo(0.25 * fit.trend, 1e-9);
	});

	it("forecastPrices gives nested intervals that widen with the horizon", () => {
		const f = forecastPrices(goog.slice(0, 300), 10);
		expect(f.points).to.have.length(10);
		expect(f.volatility.model).to.equal("garch11");
		for (const p of f.points) {
			expect(p.lower95).to.be.lessThan(p.lower80);
			expect(p.lower80).to.be.lessThan(p.mean);
			expect(p.mean).to.be.lessThan(p.upper80);
			expect(p.upper80).to.be.lessThan(p.upper95);
		}
		for (let i = 1; i < 10; i++) expect(f.points[i].sigma).to.be.greaterThan(f.points[i - 1].sigma);
		expect(f.last).to.equal(goog[299]);
	});

	it("refuses too few closes or a bad horizon", () => {
		expect(() => forecastPrices([1, 2, 3], 1)).to.throw(RangeError, /at least 20/);
		expect(() => forecastPrices(goog.slice(0, 50), 0)).to.throw(RangeError, /horizon/);
	});

	it("rolling-origin backtest on GOOG daily: close to the random walk, intervals near their nominal coverage", () => {
		// Figures in docs/agents.md (window 250, every 5th origin, 156 origins).
		const r = rollingOriginBacktest(goog, { window: 250, horizons: [1, 5, 10, 20], step: 5 });
		expect(r.map(x => x.origins)).to.deep.equal([156, 156, 156, 156]);
		const [h1, h5, h10, h20] = r;
		expect(h1.maeRatio).to.be.closeTo(1.009, 0.002);
		expect(h5.maeRatio).to.be.closeTo(1.012, 0.002);
		expect(h10.maeRatio).to.be.closeTo(1.014, 0.002);
		expect(h20.maeRatio).to.be.closeTo(1.007, 0.002);
		expect(h1.coverage95).to.be.within(0.93, 0.99);
		expect(h1.coverage80).to.be.within(0.75, 0.88);
	});
});
