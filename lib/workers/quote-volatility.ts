/**
 * Volatility fields on market-data messages, as the streaming predecessor published them: `spread`
 * (ask − bid when the vendor quotes both), `realized_vol` (sample standard deviation of the log
 * returns of the last `window` prices, per observation interval, not annualised) and
 * `garch_forecast` (the one-step-ahead GARCH(1,1) volatility, i.e. the square root of the forecast
 * variance). The forecast follows every price (the GARCH filter step, O(1)); the parameters are
 * refitted by maximum likelihood over the same window every `refitEvery` prices (~0.1–0.2 ms a
 * fit), and not sooner than `refitMinMs` of vendor time after the last fit unless
 * `GARCH_REFIT_CAP` × `refitEvery` prices came first. Vendor time, not the clock: the same prices
 * and times give the same fields, however fast they are replayed.
 */
import { fitGarch11, garchForecast, garchForecastNext, garchObserveInPlace, logReturns, realizedVolatility, type Garch11 } from "../volatility/index.ts";

export interface VolatilityOptions {
	window: number;
	refitEvery: number;
	/**
	 * Vendor time (ms, the items' `timestamp`) between fits, once `refitEvery` prices came; absent or
	 * 0, the count alone. A symbol trading 20 times a millisecond refitted 330 times a second of
	 * market, each fit on a window 3 ms long, and spent ~45 ms of CPU a second on it.
	 */
	refitMinMs?: number;
}

/** Prices after which a refit comes however little vendor time passed (a time far ahead cannot stop refits). */
export const GARCH_REFIT_CAP = 10;

export interface VolatilityFields {
	spread: number | null;
	realized_vol: number | null;
	garch_forecast: number | null;
	vol_window: number;
}

interface SymbolVol {
	prices: number[];
	/** logReturns(prices), kept in step with `prices` (the same values, without a new array per update). */
	returns: number[];
	sinceFit: number;
	/** Vendor time of the price that triggered the last fit (NaN when unknown). */
	fitAt: number;
	/** The last fit, filtered forward through every return since (null before the first, or when flat). */
	fit: Garch11 | null;
}

/** GARCH(1,1) needs at least this many returns to fit. */
const MIN_GARCH_RETURNS = 20;

export class QuoteVolatility {
	#symbols = new Map<string, SymbolVol>();

	constructor(readonly opts: VolatilityOptions) {}

	/** Feed one observation (a price, and bid/ask when known, at vendor time `at` ms); returns the fields to attach. */
	update(symbol: string, price: number | null, bid?: number | null, ask?: number | null, at?: number): VolatilityFields {
		let s = this.#symbols.get(symbol);
		if (!s) this.#symbols.set(symbol, (s = { prices: [], returns: [], sinceFit: 0, fitAt: NaN, fit: null }));
		let observed = false;
		let priced = false;
		if (price !== null && price > 0 && Number.isFinite(price)) {
			priced = true;
			// Both positive and finite: the return logReturns would compute for this pair.
			if (s.prices.length > 0) {
				s.returns.push(Math.log(price / s.prices[s.prices.length - 1]));
				observed = true;
			}
			s.prices.push(price);
			if (s.prices.length > this.opts.window + 1) {
				s.prices.shift();
				s.returns.shift();
			}
			s.sinceFit++;
		}
		const returns = s.returns;
		// Only a price refits a fit: a refit held back by the time floor must not come with a quote,
		// or the trades' fields would depend on how quotes fall between them.
		if (returns.length >= MIN_GARCH_RETURNS && (s.fit === null || (priced && this.#refitDue(s, at)))) {
			s.sinceFit = 0;
			s.fitAt = at ?? NaN;
			try {
				s.fit = fitGarch11(returns.slice());
			} catch {
				s.fit = null; // flat prices: no variance to model
			}
		} else if (observed && s.fit !== null) {
			// The fit is this symbol's own (fitGarch11 made it): filtered forward in place.
			garchObserveInPlace(s.fit, returns[returns.length - 1]);
		}
		const garch = s.fit === null ? null : Math.sqrt(garchForecastNext(s.fit));
		return { spread: spreadOf(bid, ask), realized_vol: returns.length >= 2 ? realizedVolatility(returns) : null, garch_forecast: garch, vol_window: returns.length };
	}

	/** `refitEvery` prices since the last fit and `refitMinMs` of vendor time, or the cap's prices. */
	#refitDue(s: SymbolVol, at: number | undefined): boolean {
		const every = this.opts.refitEvery;
		if (s.sinceFit < every) return false;
		const minMs = this.opts.refitMinMs ?? 0;
		// NaN (a time unknown at either end) compares false: the count alone then decides.
		return minMs === 0 || !(at! - s.fitAt < minMs) || s.sinceFit >= GARCH_REFIT_CAP * every;
	}
}

const spreadOf = (bid?: number | null, ask?: number | null) => (typeof bid === "number" && typeof ask === "number" ? Math.round((ask - bid) * 1e8) / 1e8 : null);

/** The same fields from a window of prices at once (seed 001's latest answer), GARCH fitted on it. */
export function volatilityOfPrices(prices: number[], bid?: number | null, ask?: number | null): VolatilityFields {
	const returns = prices.length > 1 ? logReturns(prices) : [];
	let garch: number | null = null;
	if (returns.length >= MIN_GARCH_RETURNS) {
		try {
			garch = Math.sqrt(garchForecast(fitGarch11(returns), 1)[0]);
		} catch {
			// flat prices: no variance to model
		}
	}
	return { spread: spreadOf(bid, ask), realized_vol: returns.length >= 2 ? realizedVolatility(returns) : null, garch_forecast: garch, vol_window: returns.length };
}
