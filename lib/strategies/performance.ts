/**
 * How a strategy would have done on a symbol's stored bars (docs/api.md, "Strategy performance"),
 * walk-forward: a fresh strategy is fed the closed bars oldest first, exactly as the symbol's actor
 * feeds them live, so each signal is decided from the bars up to its own. A signal at bar i is then
 * scored over each horizon h with the close h bars later, only when that bar exists (and is at or
 * before `asOf`); signals whose horizon has not passed are counted as pending. Returns are signed by
 * the signal's direction (a short that saw the price fall earns a positive return).
 *
 * The naive follow-the-signal position: flat until the first signal, then +1 after a long and −1
 * after a short, entered at the signal bar's close and held until the next opposite signal; its
 * equity compounds the bar-to-bar returns, and the max drawdown is the largest fall from a peak.
 */
import type { Bar } from "../bars/bar.ts";
import { createStrategy } from "./index.ts";

export const DEFAULT_HORIZONS = [1, 5, 10];
/**
 * Largest parameter a spec may carry here (analysis.maxBars' ceiling: no stored series is longer).
 * The spec comes from a URL, and a strategy allocates per period: sr-breakout:200000000 took 50 s
 * and 3 GB before answering.
 */
export const MAX_STRATEGY_PARAM = 100_000;

export interface HorizonPerformance {
	/** Bars after the signal. */
	horizon: number;
	/** Signals whose horizon has passed. */
	evaluated: number;
	/** Of those, how many moved the signal's way (signed return > 0). */
	hits: number;
	hit_rate: number | null;
	/** Mean signed return (fraction: 0.01 = 1 %). */
	avg_return: number | null;
	/** Signals still waiting for the bar h later. */
	pending: number;
}

export interface StrategyPerformance {
	strategy: string;
	/** With its parameters, defaults filled in: `ma-cross:10:30:0`. */
	spec: string;
	bars: number;
	from: number | null;
	to: number | null;
	signals: { total: number; long: number; short: number };
	horizons: HorizonPerformance[];
	/** The naive follow-the-signal position. */
	position: { total_return: number; max_drawdown: number; flips: number };
}

export interface PerformanceOptions {
	horizons?: number[];
	/** Score as of this bar index (default the last): nothing after it is read. */
	asOf?: number;
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The walk-forward performance of `spec` (e.g. `ma-cross:5:20`) over `bars`, oldest first. */
export function strategyPerformance(bars: readonly Bar[], spec: string, opts: PerformanceOptions = {}): StrategyPerformance {
	const horizons = opts.horizons ?? DEFAULT_HORIZONS;
	const last = Math.min(bars.length - 1, opts.asOf ?? bars.length - 1);
	if (
		spec
			.split(":")
			.slice(1)
			.some(p => Math.abs(Number(p)) > MAX_STRATEGY_PARAM)
	)
		throw new RangeError(`strategy "${spec}": parameters above ${MAX_STRATEGY_PARAM} are refused (no stored series is longer)`);
	const strategy = createStrategy(spec);
	const fired: Array<{ i: number; dir: 1 | -1 }> = [];
	let equity = 1;
	let peak = 1;
	let maxDrawdown = 0;
	let position = 0;
	let flips = 0;
	for (let i = 0; i <= last; i++) {
		const bar = bars[i];
		// The position held over bar i was set at bar i−1's close.
		if (i > 0 && position !== 0) {
			equity *= 1 + position * (bar.close / bars[i - 1].close - 1);
			peak = Math.max(peak, equity);
			maxDrawdown = Math.max(maxDrawdown, (peak - equity) / peak);
		}
		const s = strategy.update(bar);
		if (!s) continue;
		const dir = s.direction === "long" ? 1 : -1;
		fired.push({ i, dir });
		if (position !== dir) {
			if (position !== 0) flips++;
			position = dir;
		}
	}
	const scored = horizons.map(h => {
		let evaluated = 0;
		let hits = 0;
		let sum = 0;
		for (const { i, dir } of fired) {
			if (i + h > last) continue;
			const ret = dir * (bars[i + h].close / bars[i].close - 1);
			evaluated++;
			sum += ret;
			if (ret > 0) hits++;
		}
		return { horizon: h, evaluated, hits, hit_rate: evaluated ? r6(hits / evaluated) : null, avg_return: evaluated ? r6(sum / evaluated) : null, pending: fired.length - evaluated };
	});
	const longs = fired.filter(f => f.dir === 1).length;
	return {
		strategy: strategy.name,
		spec: strategy.spec,
		bars: last + 1,
		from: last >= 0 ? bars[0].time : null,
		to: last >= 0 ? bars[last].time : null,
		signals: { total: fired.length, long: longs, short: fired.length - longs },
		horizons: scored,
		position: { total_return: r6(equity - 1), max_drawdown: r6(maxDrawdown), flips },
	};
}
