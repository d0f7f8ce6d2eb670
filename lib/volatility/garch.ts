/**
 * GARCH(1,1) with Gaussian innovations: e_t = r_t - mean(r), e_t ~ N(0, s2_t),
 * s2_t = omega + alpha * e_{t-1}^2 + beta * s2_{t-1}, s2_1 = the sample variance.
 *
 * Fitted by maximum likelihood with Nelder-Mead on unconstrained parameters
 * (omega = exp(u0), persistence p = logistic(u1), alpha = p * logistic(u2), beta = p - alpha),
 * so omega > 0, alpha, beta >= 0 and alpha + beta < 1 (covariance-stationary) hold by construction.
 * The start point is the usual alpha = 0.05, beta = 0.90 with omega from variance targeting.
 */
import { nelderMead } from "./nelder-mead.ts";

export interface Garch11 {
	omega: number;
	alpha: number;
	beta: number;
	/** Gaussian log-likelihood at the fitted parameters. */
	logLikelihood: number;
	/** omega / (1 - alpha - beta). */
	longRunVariance: number;
	/** Conditional variance of the last observation, s2_T. */
	lastVariance: number;
	/** The last demeaned return, e_T. */
	lastReturn: number;
	/** The mean return the fit removed (e_t = r_t - mean). */
	mean: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
const logistic = (u: number) => 1 / (1 + Math.exp(-u));
const logit = (p: number) => Math.log(p / (1 - p));

function params(u: number[]): { omega: number; alpha: number; beta: number } {
	const p = logistic(u[1]) * 0.9999;
	const alpha = p * logistic(u[2]);
	return { omega: Math.exp(u[0]), alpha, beta: p - alpha };
}

/** Products of conditional variances in [LOG_CHUNK_MIN, LOG_CHUNK_MAX] stay normal doubles when multiplied. */
const LOG_CHUNK_MIN = 1e-150;
const LOG_CHUNK_MAX = 1e150;

/**
 * Log-likelihood and the last conditional variance for given parameters. Σ log s2_t is taken as the
 * log of running products (one `Math.log` every ~35 steps instead of one per step: the fit's
 * objective runs ~240 times a fit and the logs were most of its time). The product is kept between
 * 1e-150 and 1e150, and a variance outside that range gets its own log, so no product over- or
 * underflows or goes subnormal: the sum differs from the per-step one by rounding only. Exported
 * for its tests.
 */
export function garchFilter(e: number[], omega: number, alpha: number, beta: number, s2Start: number): { ll: number; s2: number } {
	// `+`: a number already, unchanged; it makes TurboFan keep s2 an unboxed double. Without it the
	// loop's s2 stayed tagged (the start value comes from a closure) and every step allocated a
	// HeapNumber: ~1 KB an evaluation, 5/6 of what a fit allocated.
	let s2 = +s2Start;
	let scaled = 0;
	let logs = 0;
	let product = 1;
	for (let t = 0; t < e.length; t++) {
		if (t > 0) s2 = omega + alpha * e[t - 1] * e[t - 1] + beta * s2;
		scaled += (e[t] * e[t]) / s2;
		if (s2 >= LOG_CHUNK_MIN && s2 <= LOG_CHUNK_MAX) {
			product *= s2;
			if (product < LOG_CHUNK_MIN || product > LOG_CHUNK_MAX) {
				logs += Math.log(product);
				product = 1;
			}
		} else logs += Math.log(s2); // also NaN, which then makes ll NaN as a per-step log would
	}
	return { ll: -0.5 * (e.length * LOG_2PI + logs + Math.log(product) + scaled), s2 };
}

/** Fit GARCH(1,1) to returns (at least 10, finite, not all equal). */
export function fitGarch11(returns: number[]): Garch11 {
	if (returns.length < 10) throw new RangeError(`GARCH(1,1) needs at least 10 returns (got ${returns.length})`);
	if (!returns.every(Number.isFinite)) throw new RangeError("GARCH(1,1) needs finite returns");
	if (returns.every(r => r === returns[0])) throw new RangeError("GARCH(1,1) needs returns that vary");
	const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
	const e = returns.map(r => r - mean);
	const variance = e.reduce((a, b) => a + b * b, 0) / e.length;
	if (!(variance > 0)) throw new RangeError("GARCH(1,1) needs returns that vary");
	const start = [Math.log(variance * 0.05), logit(0.95 / 0.9999), logit(0.05 / 0.95)];
	const negLl = (u: number[]) => {
		const { omega, alpha, beta } = params(u);
		return -garchFilter(e, omega, alpha, beta, variance).ll;
	};
	const best = nelderMead(negLl, start, { maxIterations: 1500, tolerance: 1e-10, step: 0.5 });
	// A restart from the optimum guards against Nelder-Mead stalling on a degenerate simplex.
	const polished = nelderMead(negLl, best.x, { maxIterations: 1500, tolerance: 1e-12, step: 0.1 });
	const { omega, alpha, beta } = params(polished.fx <= best.fx ? polished.x : best.x);
	const { ll, s2 } = garchFilter(e, omega, alpha, beta, variance);
	return { omega, alpha, beta, logLikelihood: ll, longRunVariance: omega / (1 - alpha - beta), lastVariance: s2, lastReturn: e[e.length - 1], mean };
}

/**
 * The fit one return later, parameters kept: s2_{T+1} = omega + alpha e_T^2 + beta s2_T and
 * e_{T+1} = r - mean. The filter step between refits: O(1), where a refit costs ~0.2 ms.
 */
export function garchObserve(fit: Garch11, r: number): Garch11 {
	// A literal: `{ ...fit, … }` is V8's slow path (Node 20: ~0.4 µs). Per price, the quote volatility
	// state uses garchObserveInPlace.
	return { omega: fit.omega, alpha: fit.alpha, beta: fit.beta, logLikelihood: fit.logLikelihood, longRunVariance: fit.longRunVariance, lastVariance: garchNextVariance(fit), lastReturn: r - fit.mean, mean: fit.mean };
}

/**
 * `garchObserve` on a fit this caller alone holds: its two last-observation fields updated in
 * place, the same arithmetic, no new object. Per price on the vendor path, where the new object
 * (and its eight numbers) was a good part of what each message left for the young generation.
 */
export function garchObserveInPlace(fit: Garch11, r: number): void {
	fit.lastVariance = garchNextVariance(fit);
	fit.lastReturn = r - fit.mean;
}

/**
 * The one-step-ahead variance as `garchForecast(fit, 1)[0]` gives it, without the array: that
 * forecast is LR + 1 · (s2_{T+1} − LR), which can differ from s2_{T+1} in the last bit, so the same
 * two roundings are made here.
 */
export function garchForecastNext(fit: Garch11): number {
	const lr = fit.longRunVariance;
	return lr + (garchNextVariance(fit) - lr);
}

/** The one-step-ahead variance s2_{T+1} = omega + alpha e_T^2 + beta s2_T. */
function garchNextVariance(fit: Garch11): number {
	return fit.omega + fit.alpha * fit.lastReturn * fit.lastReturn + fit.beta * fit.lastVariance;
}

/**
 * Variance forecasts for steps 1..horizon after the last observation:
 * s2_{T+1} = omega + alpha e_T^2 + beta s2_T; s2_{T+h} = LR + (alpha+beta)^(h-1) (s2_{T+1} - LR).
 */
export function garchForecast(fit: Garch11, horizon: number): number[] {
	if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be an integer >= 1 (got ${horizon})`);
	const next = garchNextVariance(fit);
	const persistence = fit.alpha + fit.beta;
	const out: number[] = [];
	for (let h = 1; h <= horizon; h++) out.push(fit.longRunVariance + Math.pow(persistence, h - 1) * (next - fit.longRunVariance));
	return out;
}
