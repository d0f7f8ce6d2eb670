/**
 * Nelder-Mead simplex minimisation (standard coefficients: reflection 1, expansion 2,
 * contraction 0.5, shrink 0.5). Used to fit GARCH by maximum likelihood without gradients.
 *
 * The vertices and the trial points live in arrays made once per call and reused: a GARCH refit
 * (up to 3,000 iterations) made ~4 arrays and objects an iteration, a third of the vendor path's
 * garbage. The arithmetic is the textbook one in the same order, so the results are bit for bit
 * those of the allocating version (test/unit/volatility/nelder-mead.spec.ts keeps it as the oracle).
 * `f` must not keep the array it is given: it is overwritten afterwards.
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

interface Vertex {
	x: number[];
	fx: number;
}

/**
 * Sorts the vertices by value, stably, in place: the order `Array.prototype.sort` with
 * `(a, b) => a.fx - b.fx` gives (ties and +Infinity keep their order), without the work array V8's
 * sort allocates per call, once per iteration here.
 */
function sortByValue(s: Vertex[]): void {
	for (let i = 1; i < s.length; i++) {
		const v = s[i];
		let j = i - 1;
		for (; j >= 0 && v.fx - s[j].fx < 0; j--) s[j + 1] = s[j];
		s[j + 1] = v;
	}
}

/** Puts the point `x` (its value `fx`) in the vertex; returns the vertex's array before, free for reuse. */
function replace(v: Vertex, x: number[], fx: number): number[] {
	const old = v.x;
	v.x = x;
	v.fx = fx;
	return old;
}

/** out[i] = a[i] + t·(b[i] − a[i]); `out` may be `b`. */
function along(out: number[], a: number[], b: number[], t: number): number[] {
	for (let i = 0; i < a.length; i++) out[i] = a[i] + t * (b[i] - a[i]);
	return out;
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
	const simplex: Vertex[] = [start.slice(), ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map(x => ({ x, fx: value(x) }));
	// Copies of `start`, so that every array holds packed doubles as the vertices do (a holey or
	// integer array would make the reads in `f` polymorphic). Trial points: one that is taken swaps
	// its array with the worst vertex's.
	const centroid = start.slice();
	let reflected = start.slice();
	let expanded = start.slice();
	let contracted = start.slice();
	let iterations = 0;
	for (; iterations < maxIterations; iterations++) {
		sortByValue(simplex);
		const best = simplex[0];
		const worst = simplex[n];
		if (Math.abs(worst.fx - best.fx) <= tolerance * (Math.abs(best.fx) + tolerance)) break;
		centroid.fill(0);
		for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i].x[j] / n;
		const fr = value(along(reflected, centroid, worst.x, -1));
		if (fr < best.fx) {
			const fe = value(along(expanded, centroid, worst.x, -2));
			if (fe < fr) expanded = replace(worst, expanded, fe);
			else reflected = replace(worst, reflected, fr);
		} else if (fr < simplex[n - 1].fx) {
			reflected = replace(worst, reflected, fr);
		} else {
			const outside = fr < worst.fx;
			const fc = value(along(contracted, centroid, outside ? reflected : worst.x, 0.5));
			if (fc < (outside ? fr : worst.fx)) contracted = replace(worst, contracted, fc);
			else
				for (let i = 1; i <= n; i++) {
					const p = simplex[i];
					p.fx = value(along(p.x, best.x, p.x, 0.5));
				}
		}
	}
	sortByValue(simplex);
	return { x: simplex[0].x, fx: simplex[0].fx, iterations };
}
