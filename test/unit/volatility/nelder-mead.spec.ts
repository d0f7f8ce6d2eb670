/**
 * Nelder-Mead: the allocation-free version gives bit for bit what the textbook, allocating one did
 * (kept below as the oracle, as it was in lib/volatility/nelder-mead.ts): same points, same values,
 * same iteration count, on smooth and rough objectives, from random starts, with non-finite values.
 */
import { expect } from "chai";
import fc from "fast-check";
import { nelderMead } from "../../../lib/volatility/nelder-mead.ts";

function reference(f: (x: number[]) => number, start: number[], opts: { maxIterations?: number; tolerance?: number; step?: number } = {}): { x: number[]; fx: number; iterations: number } {
	const n = start.length;
	const maxIterations = opts.maxIterations ?? 200 * n;
	const tolerance = opts.tolerance ?? 1e-9;
	const step = opts.step ?? 0.5;
	const value = (x: number[]) => {
		const v = f(x);
		return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
	};
	let simplex = [start.slice(), ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map(x => ({ x, fx: value(x) }));
	const along = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
	let iterations = 0;
	for (; iterations < maxIterations; iterations++) {
		simplex.sort((a, b) => a.fx - b.fx);
		const best = simplex[0];
		const worst = simplex[n];
		if (Math.abs(worst.fx - best.fx) <= tolerance * (Math.abs(best.fx) + tolerance)) break;
		const centroid = new Array<number>(n).fill(0);
		for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i].x[j] / n;
		const reflected = along(centroid, worst.x, -1);
		const fr = value(reflected);
		if (fr < best.fx) {
			const expanded = along(centroid, worst.x, -2);
			const fe = value(expanded);
			simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
		} else if (fr < simplex[n - 1].fx) {
			simplex[n] = { x: reflected, fx: fr };
		} else {
			const outside = fr < worst.fx;
			const contracted = along(centroid, outside ? reflected : worst.x, 0.5);
			const fc = value(contracted);
			if (fc < (outside ? fr : worst.fx)) {
				simplex[n] = { x: contracted, fx: fc };
			} else {
				simplex = simplex.map((p, i) => (i === 0 ? p : { x: along(best.x, p.x, 0.5), fx: value(along(best.x, p.x, 0.5)) }));
			}
		}
	}
	simplex.sort((a, b) => a.fx - b.fx);
	return { x: simplex[0].x, fx: simplex[0].fx, iterations };
}

/** GARCH(1,1)'s negative log-likelihood on returns, parametrised as lib/volatility/garch.ts does. */
function garchNegLl(returns: number[]): (u: number[]) => number {
	const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
	const e = returns.map(r => r - mean);
	const variance = e.reduce((a, b) => a + b * b, 0) / e.length;
	return u => {
		const p = (1 / (1 + Math.exp(-u[1]))) * 0.9999;
		const alpha = p * (1 / (1 + Math.exp(-u[2])));
		const beta = p - alpha;
		const omega = Math.exp(u[0]);
		let s2 = variance;
		let ll = 0;
		for (let t = 0; t < e.length; t++) {
			if (t > 0) s2 = omega + alpha * e[t - 1] * e[t - 1] + beta * s2;
			ll -= 0.5 * (Math.log(2 * Math.PI) + Math.log(s2) + (e[t] * e[t]) / s2);
		}
		return -ll;
	};
}

const objectives: Record<string, (x: number[]) => number> = {
	rosenbrock: x => x.slice(1).reduce((a, v, i) => a + 100 * (v - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2, 0),
	bowl: x => x.reduce((a, v, i) => a + (i + 1) * (v - i) ** 2, 0),
	// Undefined (NaN) outside a ball, infinite on one half-axis: the guard's paths.
	holes: x => (x.reduce((a, v) => a + v * v, 0) > 50 ? NaN : x[0] < -3 ? Infinity : Math.abs(x[0] - 1) + x.slice(1).reduce((a, v) => a + v * v, 0)),
};

describe("volatility: nelderMead", () => {
	it("matches the allocating implementation bit for bit", () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...Object.keys(objectives)),
				fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 5 }),
				fc.record({ maxIterations: fc.integer({ min: 1, max: 800 }), tolerance: fc.constantFrom(1e-6, 1e-10, 1e-12), step: fc.double({ min: 0.01, max: 2, noNaN: true }) }),
				(name, start, opts) => {
					const f = objectives[name];
					expect(nelderMead(f, start, opts)).to.deep.equal(reference(f, start, opts));
				},
			),
			{ numRuns: 300 },
		);
	});

	it("matches it on GARCH likelihoods of random return series, as fitGarch11 runs it", () => {
		fc.assert(
			fc.property(fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 20, maxLength: 80 }), returns => {
				const f = garchNegLl(returns);
				const variance = returns.reduce((a, r) => a + r * r, 0) / returns.length || 1e-4;
				const start = [Math.log(variance * 0.05), Math.log(0.95 / 0.9999 / (1 - 0.95 / 0.9999)), Math.log(0.05 / 0.95 / (1 - 0.05 / 0.95))];
				const a = nelderMead(f, start, { maxIterations: 1500, tolerance: 1e-10, step: 0.5 });
				expect(a).to.deep.equal(reference(f, start, { maxIterations: 1500, tolerance: 1e-10, step: 0.5 }));
				expect(nelderMead(f, a.x, { maxIterations: 1500, tolerance: 1e-12, step: 0.1 })).to.deep.equal(reference(f, a.x, { maxIterations: 1500, tolerance: 1e-12, step: 0.1 }));
			}),
			{ numRuns: 60 },
		);
	});
});
