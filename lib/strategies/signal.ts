/** A trading signal: what fired, which way, how strongly, and the numbers it saw. */
export interface Signal {
	strategy: string;
	/** The strategy with all its parameters, defaults filled in (`ma-cross:5:20:0`), as the performance route names it. */
	spec: string;
	direction: "long" | "short";
	/** 0..1; each strategy documents its own scale. */
	strength: number;
	/** The rule that fired, in words. */
	reason: string;
	inputs: Record<string, number>;
	/** Open time of the bar whose close fired it. */
	barTime: number;
}

/**
 * +1 when a crosses above b between two bars, −1 when it crosses below, else 0. Touching counts as
 * the "before" side (prev a ≤ b, then a > b), so a line that meets and stays equal never fires.
 * NaN (warm-up) never crosses.
 */
export function cross(prevA: number, prevB: number, a: number, b: number): 1 | -1 | 0 {
	if (prevA <= prevB && a > b) return 1;
	if (prevA >= prevB && a < b) return -1;
	return 0;
}

/**
 * `cross` of four numbers in an arena, given by their offsets: for an update whose inlining budget
 * is spent (sr-breakout, after Donchian's), where the four doubles passed to `cross` were boxed on
 * every bar.
 */
export function crossIn(m: Float64Array, prevA: number, prevB: number, a: number, b: number): 1 | -1 | 0 {
	return cross(m[prevA], m[prevB], m[a], m[b]);
}

export function clamp01(x: number): number {
	return x <= 0 ? 0 : x >= 1 ? 1 : Number.isNaN(x) ? 0 : x;
}
