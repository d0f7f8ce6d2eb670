/** QuoteVolatility: the rolling returns it keeps give exactly what logReturns over the window gives. */
import { expect } from "chai";
import { GARCH_REFIT_CAP, QuoteVolatility } from "../../../lib/workers/quote-volatility.ts";
import { fitGarch11, garchForecast, garchObserve, logReturns, realizedVolatility, type Garch11 } from "../../../lib/volatility/index.ts";

/** A seeded random walk from 100: each call the next price, up to ±1 % from the last. */
function priceWalk(seed: number): () => number {
	let p = 100;
	const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
	return () => (p *= 1 + (rand() - 0.5) / 50);
}

describe("workers: QuoteVolatility", () => {
	it("matches logReturns + realizedVolatility over the window bit for bit, and refits GARCH every refitEvery prices and filters its forecast through every price between", () => {
		const window = 30;
		const refitEvery = 7;
		const q = new QuoteVolatility({ window, refitEvery });
		const prices: number[] = [];
		const walk = priceWalk(7);
		let sinceFit = 0;
		let fit: Garch11 | null = null;
		let refits = 0;
		for (let i = 0; i < 200; i++) {
			const p = walk();
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

	/** The fields for prices at times `at(i)`, against a reference that refits on its own schedule; returns its refit count. */
	function refitsWithFloor(refitEvery: number, refitMinMs: number, at: (i: number) => number): number {
		const window = 30;
		const q = new QuoteVolatility({ window, refitEvery, refitMinMs });
		const prices: number[] = [];
		const walk = priceWalk(11);
		let sinceFit = 0;
		let fitAt = NaN;
		let fit: Garch11 | null = null;
		let refits = 0;
		for (let i = 0; i < 400; i++) {
			const p = walk();
			const f = q.update("X", p, null, null, at(i));
			prices.push(p);
			if (prices.length > window + 1) prices.shift();
			sinceFit++;
			const r = prices.length > 1 ? logReturns(prices) : [];
			const due = sinceFit >= refitEvery && (at(i) - fitAt >= refitMinMs || sinceFit >= GARCH_REFIT_CAP * refitEvery);
			if (r.length >= 20 && (fit === null || due)) {
				sinceFit = 0;
				fitAt = at(i);
				fit = fitGarch11(r);
				refits++;
			} else if (fit !== null) fit = garchObserve(fit, r[r.length - 1]);
			expect(f.garch_forecast, `price ${i}`).to.equal(fit === null ? null : Math.sqrt(garchForecast(fit, 1)[0]));
		}
		return refits;
	}

	it("waits refitMinMs of vendor time after refitEvery prices, or GARCH_REFIT_CAP × refitEvery prices, filtering every price between", () => {
		// 379 prices after the 21st (the first fit): by count alone every 5th.
		expect(refitsWithFloor(5, 0, i => i * 10)).to.equal(1 + Math.floor(379 / 5));
		// 10 ms apart, 100 ms between fits: every 10th.
		expect(refitsWithFloor(5, 100, i => i * 10)).to.equal(1 + Math.floor(379 / 10));
		// 100 ms apart: the count decides again.
		expect(refitsWithFloor(5, 100, i => i * 100)).to.equal(1 + Math.floor(379 / 5));
		// Time stands still, or runs backwards: the cap (10 × 5 prices) decides.
		expect(refitsWithFloor(5, 100, () => 0)).to.equal(1 + Math.floor(379 / 50));
		expect(refitsWithFloor(5, 100, i => 1e6 - i)).to.equal(1 + Math.floor(379 / 50));
	});

	it("refits only on a price: quotes between the trades, however late their times, change no trade's fields", () => {
		// Trades 10 ms apart and a floor of 1,005 ms: the trade 1,000 ms after a fit is held back, the
		// quote 5 ms after it is past the floor.
		const alone = new QuoteVolatility({ window: 60, refitEvery: 60, refitMinMs: 1005 });
		const quoted = new QuoteVolatility({ window: 60, refitEvery: 60, refitMinMs: 1005 });
		const walk = priceWalk(5);
		for (let i = 0; i < 300; i++) {
			const p = walk();
			const a = alone.update("X", p, null, null, i * 10);
			const b = quoted.update("X", p, null, null, i * 10);
			expect(b, `trade ${i}`).to.deep.equal(a);
			// A quote 5 ms later: its garch_forecast is the trade's, no refit.
			expect(quoted.update("X", null, p - 0.01, p + 0.01, i * 10 + 5).garch_forecast, `quote ${i}`).to.equal(a.garch_forecast);
		}
	});
});
