/**
 * The built-in forecast: Holt's (damped) trend on the closes for the point forecast, GARCH(1,1) on
 * the log returns for the spread. The h-step interval at level c is
 *   point * exp(±z_c * sqrt(s2_{T+1} + ... + s2_{T+h}))
 * where s2 are GARCH's variance forecasts (sample variance when GARCH cannot be fitted).
 */
import { fitGarch11, garchForecast, type Garch11 } from "../volatility/garch.ts";
import { logReturns, realizedVolatility } from "../volatility/realized.ts";
import { fitHolt, holtForecast, type HoltFit } from "./holt.ts";

export const MIN_FORECAST_CLOSES = 20;
/** Damping of the trend: 0.9 beat undamped Holt (phi = 1) on the GOOG backtest in docs/agents.md. */
export const DEFAULT_PHI = 0.9;
/** Standard normal quantiles of the two-sided 80% and 95% intervals. */
export const Z: Record<"80" | "95", number> = { "80": 1.2815515655446004, "95": 1.959963984540054 };

export interface ForecastPoint {
	step: number;
	mean: number;
	lower80: number;
	upper80: number;
	lower95: number;
	upper95: number;
	/** Standard deviation of the cumulative log return to this step. */
	sigma: number;
}

export interface PriceForecast {
	last: number;
	horizon: number;
	points: ForecastPoint[];
	holt: Pick<HoltFit, "alpha" | "beta" | "phi" | "trend" | "rmse">;
	volatility: { model: "garch11" | "sample"; perStep: number; garch: Pick<Garch11, "omega" | "alpha" | "beta" | "longRunVariance"> | null };
	/** +1 up, -1 down, 0 flat: the sign of the last point vs the last close, if it leaves the 80% band's inner half. */
	direction: 1 | -1 | 0;
}

export function forecastPrices(closes: number[], horizon: number, opts: { phi?: number } = {}): PriceForecast {
	if (!Number.isInteger(horizon) || horizon < 1 || horizon > 500) throw new RangeError(`horizon must be an integer 1..500 (got ${horizon})`);
	if (closes.length < MIN_FORECAST_CLOSES) throw new RangeError(`a forecast needs at least ${MIN_FORECAST_CLOSES} closes (got ${closes.length})`);
	const returns = logReturns(closes);
	const holt = fitHolt(closes, { phi: opts.phi ?? DEFAULT_PHI });
	const means = holtForecast(holt, horizon);
	let garch: Garch11 | null = null;
	let variances: number[];
	try {
		garch = fitGarch11(returns);
		variances = garchForecast(garch, horizon);
	} catch {
		const sd = realizedVolatility(returns);
		variances = new Array<number>(horizon).fill(sd * sd);
	}
	const last = closes[closes.length - 1];
	let cumulative = 0;
	const points = means.map((mean, i) => {
		cumulative += variances[i];
		const sigma = Math.sqrt(cumulative);
		return {
			step: i + 1,
			mean,
			lower80: mean * Math.exp(-Z["80"] * sigma),
			upper80: mean * Math.exp(Z["80"] * sigma),
			lower95: mean * Math.exp(-Z["95"] * sigma),
			upper95: mean * Math.exp(Z["95"] * sigma),
			sigma,
		};
	});
	const direction = forecastDirection(last, points[points.length - 1]);
	return {
		last,
		horizon,
		points,
		holt: { alpha: holt.alpha, beta: holt.beta, phi: holt.phi, trend: holt.trend, rmse: holt.rmse },
		volatility: {
			model: garch ? "garch11" : "sample",
			perStep: Math.sqrt(variances[0]),
			garch: garch ? { omega: garch.omega, alpha: garch.alpha, beta: garch.beta, longRunVariance: garch.longRunVariance } : null,
		},
		direction,
	};
}

/** +1 / -1 when the last point's move from `last` leaves the inner half of its 80% band, else 0. */
export function forecastDirection(last: number, end: Pick<ForecastPoint, "mean" | "sigma">): 1 | -1 | 0 {
	const move = Math.log(end.mean / last);
	return Math.abs(move) < 0.5 * Z["80"] * end.sigma ? 0 : move > 0 ? 1 : -1;
}
