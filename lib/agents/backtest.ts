/**
 * Rolling-origin evaluation of the built-in forecast against the random walk (tomorrow = today):
 * at every `step`-th origin after `window` closes, fit on the last `window` closes, forecast
 * `horizons`, and compare with what happened. Reports MAE and RMSE of both, and how often the
 * actual close fell inside the 80% and 95% intervals.
 */
import { forecastPrices } from "./forecast.ts";

export interface HorizonScore {
	horizon: number;
	origins: number;
	mae: number;
	rmse: number;
	randomWalkMae: number;
	randomWalkRmse: number;
	/** mae / randomWalkMae: below 1 beats the random walk. */
	maeRatio: number;
	coverage80: number;
	coverage95: number;
}

export function rollingOriginBacktest(closes: number[], opts: { window: number; horizons: number[]; step: number; phi?: number }): HorizonScore[] {
	const maxH = Math.max(...opts.horizons);
	const acc = opts.horizons.map(h => ({ h, n: 0, ae: 0, se: 0, rwAe: 0, rwSe: 0, in80: 0, in95: 0 }));
	for (let origin = opts.window; origin + maxH <= closes.length; origin += opts.step) {
		const history = closes.slice(origin - opts.window, origin);
		const f = forecastPrices(history, maxH, { phi: opts.phi });
		const last = history[history.length - 1];
		for (const a of acc) {
			const p = f.points[a.h - 1];
			const actual = closes[origin + a.h - 1];
			a.n++;
			a.ae += Math.abs(actual - p.mean);
			a.se += (actual - p.mean) ** 2;
			a.rwAe += Math.abs(actual - last);
			a.rwSe += (actual - last) ** 2;
			if (actual >= p.lower80 && actual <= p.upper80) a.in80++;
			if (actual >= p.lower95 && actual <= p.upper95) a.in95++;
		}
	}
	return acc.map(a => ({
		horizon: a.h,
		origins: a.n,
		mae: a.ae / a.n,
		rmse: Math.sqrt(a.se / a.n),
		randomWalkMae: a.rwAe / a.n,
		randomWalkRmse: Math.sqrt(a.rwSe / a.n),
		maeRatio: a.ae / a.rwAe,
		coverage80: a.in80 / a.n,
		coverage95: a.in95 / a.n,
	}));
}
