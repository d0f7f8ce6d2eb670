/**
 * Live signal accuracy (seed 004's "signal accuracy"; docs/api.md, "Strategy performance"): each
 * signal a symbol's strategies fire on live bars is scored, as lib/strategies/performance.ts scores
 * it on stored bars, once its timeframe has closed h more bars: a hit when the close h bars later
 * moved the signal's way (signed return > 0). The symbols service counts the outcomes in
 * `rookery_strategy_outcomes_total{strategy, tf, horizon, result}` (`strategy` is the signal's spec,
 * `ma-cross:5:20:0`, so two parameter sets of one strategy score apart), so hit rate per horizon is
 * hits / (hits + misses) over any range Prometheus is asked about.
 *
 * Fed the symbol actor's published messages in order: a final bar of a timeframe comes before the
 * signals decided on it, so a signal's entry is the last final close of its timeframe. Signals
 * waiting for their horizons are bounded (`maxPending`, drop-oldest: the oldest is never scored,
 * counted in `dropped`).
 */
import { DEFAULT_HORIZONS } from "./performance.ts";

export interface SignalOutcome {
	/** What `signal` was given: the strategy's spec, for the symbols service. */
	strategy: string;
	tf: string;
	horizon: number;
	hit: boolean;
}

interface Pending {
	tf: string;
	strategy: string;
	dir: 1 | -1;
	entry: number;
	/** Final bars of `tf` closed since the signal's own. */
	bars: number;
}

export class SignalOutcomes {
	readonly #pending: Pending[] = [];
	readonly #lastClose = new Map<string, number>();
	readonly #longest: number;
	/** Signals dropped unscored because `maxPending` were waiting (drop-oldest). */
	dropped = 0;

	constructor(
		readonly horizons: readonly number[] = DEFAULT_HORIZONS,
		readonly maxPending = 256,
	) {
		if (horizons.length === 0 || horizons.some(h => !Number.isInteger(h) || h < 1)) throw new RangeError(`horizons must be whole numbers of bars >= 1, got ${horizons.join(",")}`);
		this.#longest = Math.max(...horizons);
	}

	/** Signals waiting for a horizon. */
	get pending(): number {
		return this.#pending.length;
	}

	/** A final bar of `tf` closed at `close`: the signals of `tf` age a bar; each horizon reached is scored. */
	bar(tf: string, close: number, out: (o: SignalOutcome) => void): void {
		const pending = this.#pending;
		let kept = 0;
		for (const p of pending) {
			if (p.tf === tf) {
				p.bars++;
				if (this.horizons.includes(p.bars)) out({ strategy: p.strategy, tf, horizon: p.bars, hit: p.dir * (close / p.entry - 1) > 0 });
			}
			if (p.tf !== tf || p.bars < this.#longest) pending[kept++] = p;
		}
		pending.length = kept;
		this.#lastClose.set(tf, close);
	}

	/** A signal on the last final bar of `tf`. */
	signal(tf: string, strategy: string, direction: "long" | "short"): void {
		const entry = this.#lastClose.get(tf);
		if (entry === undefined) return; // no final bar seen on this node yet: nothing to score against
		if (this.#pending.length >= this.maxPending) {
			this.#pending.shift();
			this.dropped++;
		}
		this.#pending.push({ tf, strategy, dir: direction === "long" ? 1 : -1, entry, bars: 0 });
	}
}
