/**
 * Holt's linear trend (additive, optionally damped):
 *   l_t = a y_t + (1 - a)(l_{t-1} + phi b_{t-1}),  b_t = b (l_t - l_{t-1}) + (1 - b) phi b_{t-1},
 *   yhat_{t+h} = l_t + (phi + phi^2 + ... + phi^h) b_t.
 * a and b are fitted by least squares of the one-step-ahead errors (Nelder-Mead on logits),
 * l_0 = y_0, b_0 = y_1 - y_0. phi = 1 is Holt's original model; phi < 1 damps the trend.
 */
import { nelderMead } from "../volatility/nelder-mead.ts";

export interface HoltFit {
	alpha: number;
	beta: number;
	phi: number;
	level: number;
	trend: number;
	/** Root mean square of the one-step-ahead errors. */
	rmse: number;
}

const logistic = (u: number) => 1 / (1 + Math.exp(-u));

function run(y: number[], alpha: number, beta: number, phi: number): { sse: number; level: number; trend: number } {
	let level = y[0];
	let trend = y[1] - y[0];
	let sse = 0;
	for (let t = 1; t < y.length; t++) {
		const predicted = level + phi * trend;
		const err = y[t] - predicted;
		sse += err * err;
		const prevLevel = level;
		level = alpha * y[t] + (1 - alpha) * predicted;
		trend = beta * (level - prevLevel) + (1 - beta) * phi * trend;
	}
	return { sse, level, trend };
}

export function fitHolt(y: number[], opts: { phi?: number } = {}): HoltFit {
	if (y.length < 3) throw new RangeError(`Holt's trend needs at least 3 values (got ${y.length})`);
	if (!y.every(Number.isFinite)) throw new RangeError("Holt's trend needs finite values");
	const phi = opts.phi ?? 1;
	const best = nelderMead(u => run(y, logistic(u[0]), logistic(u[1]), phi).sse, [0, -2], { maxIterations: 400, tolerance: 1e-10, step: 1 });
	const alpha = logistic(best.x[0]);
	const beta = logistic(best.x[1]);
	const { sse, level, trend } = run(y, alpha, beta, phi);
	return { alpha, beta, phi, level, trend, rmse: Math.sqrt(sse / (y.length - 1)) };
}

/** Point forecasts for steps 1..horizon. */
export function holtForecast(fit: HoltFit, horizon: number): number[] {
	const out: number[] = [];
	let damp = 0;
	for (let h = 1; h <= horizon; h++) {
		damp += Math.pow(fit.phi, h);
		out.push(fit.level + damp * fit.trend);
	}
	return out;
}
