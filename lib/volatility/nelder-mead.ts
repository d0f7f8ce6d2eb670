/**
 * Nelder-Mead simplex minimisation (standard coefficients: reflection 1, expansion 2,
 * contraction 0.5, shrink 0.5). Used to fit GARCH by maximum likelihood without gradients.
 */
export interface NelderMeadOptions {
	maxIterations?: number;
	/** Stop when the spread of function values over the simplex is below this. */
	tolerance?: number;
	/** Initial simplex step per coordinate. */
	step?: number;
}

export interface NelderMeadResult {
	x: number[];
	fx: number;
	iterations: number;
}

export function nelderMead(f: (x: number[]) => number, start: number[], opts: NelderMeadOptions = {}): NelderMeadResult {
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
