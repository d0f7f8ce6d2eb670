/** QuoteVolatility: the rolling returns it keeps give exactly what logReturns over the window gives. */
import { expect } from "chai";
import { QuoteVolatility } from "../../../lib/workers/quote-volatility.ts";
import { fitGarch11, garchForecast, garchObserve, logReturns, realizedVolatility, type Garch11 } from "../../../lib/volatility/index.ts";

describe("workers: QuoteVolatility", () => {
	it("matches logReturns + realizedVolatility over the window bit for bit, and refits GARCH every refitEvery prices and filters its forecast through every price between", () => {
		const window = 30;
		const refitEvery = 7;
		const q = new QuoteVolatility({ window, refitEvery });
		const prices: number[] = [];
		let p = 100;
		let seed = 7;
		const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
		let sinceFit = 0;
		let fit: Garch11 | null = null;
		let refits = 0;
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
			if (r.length >= 20 && (fit === null || sinceFit >= refitEvery)) {
				sinceFit = 0;
				fit = fitGarch11(r);
				refits++;
			} else if (!quoteOnly && fit !== null) {
				// Between refits: s2_{T+1} = omega + alpha e_T^2 + beta s2_T with the fitted parameters.
				const e = fit.lastReturn;
				const next: Garch11 = garchObserve(fit, r[r.length - 1]);
				expect(next.lastVariance).to.equal(fit.omega + fit.alpha * e * e + fit.beta * fit.lastVariance);
				expect(next.lastReturn).to.equal(r[r.length - 1] - fit.mean);
				fit = next;
			}
			const garch = fit === null ? null : Math.sqrt(garchForecast(fit, 1)[0]);
			expect(f.vol_window).to.equal(r.length);
			expect(f.realized_vol).to.equal(r.length >= 2 ? realizedVolatility(r) : null);
			expect(f.garch_forecast).to.equal(garch);
			expect(f.spread).to.equal(2);
		}
		expect(refits).to.equal(24); // (182 prices - the 21 before the first fit) / 7, and the first
	});
});
