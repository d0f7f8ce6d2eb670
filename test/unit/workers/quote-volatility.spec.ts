/** QuoteVolatility: the rolling returns it keeps give exactly what logReturns over the window gives. */
import { expect } from "chai";
import { QuoteVolatility } from "../../../lib/workers/quote-volatility.ts";
import { fitGarch11, garchForecast, logReturns, realizedVolatility } from "../../../lib/volatility/index.ts";

describe("workers: QuoteVolatility", () => {
	it("matches logReturns + realizedVolatility over the window bit for bit, and refits GARCH every refitEvery prices", () => {
		const window = 30;
		const refitEvery = 7;
		const q = new QuoteVolatility({ window, refitEvery });
		const prices: number[] = [];
		let p = 100;
		let seed = 7;
		const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
		let sinceFit = 0;
		let garch: number | null = null;
		for (let i = 0; i < 200; i++) {
			p *= 1 + (rand() - 0.5) / 50;
			// A quote without a price now and then: no new return, the fields stay.
			const quoteOnly = i % 11 === 5;
			const f = q.update("X", quoteOnly ? null : p, 99, 101);
			if (!quoteOnly) {
				prices.push(p);
				if (prices.length > window + 1) prices.shift();
				sinceFit++;
			}
			const r = prices.length > 1 ? logReturns(prices) : [];
			if (r.length >= 20 && (garch === null || sinceFit >= refitEvery)) {
				sinceFit = 0;
				garch = Math.sqrt(garchForecast(fitGarch11(r), 1)[0]);
			}
			expect(f.vol_window).to.equal(r.length);
			expect(f.realized_vol).to.equal(r.length >= 2 ? realizedVolatility(r) : null);
			expect(f.garch_forecast).to.equal(garch);
			expect(f.spread).to.equal(2);
		}
	});
});
