import { BarBuilder, type BarBuilderOptions, type BarBuilderState, type BuiltBar, type Trade, type TradeResult } from "./bar-builder.ts";
import { TIMEFRAMES, type Timeframe } from "./timeframes.ts";

/** One trade stream feeding bars of several timeframes (a symbol actor's view of its trades). */
export class MultiTimeframeBars {
	readonly builders: ReadonlyMap<Timeframe, BarBuilder>;

	constructor(timeframes: readonly (Timeframe | BarBuilder)[] = TIMEFRAMES, opts: BarBuilderOptions = {}) {
		if (timeframes.length === 0) throw new RangeError("at least one timeframe is needed");
		this.builders = new Map(timeframes.map(tf => (typeof tf === "string" ? [tf, new BarBuilder(tf, opts)] : [tf.timeframe, tf])));
	}

	get(tf: Timeframe): BarBuilder | undefined {
		return this.builders.get(tf);
	}

	/**
	 * Feeds one trade to every timeframe; one result each. Validation, lateness and session refuse a
	 * trade everywhere alike, but "no longer held" depends on each timeframe's history depth.
	 */
	add(t: Trade): Map<Timeframe, TradeResult> {
		const results = new Map<Timeframe, TradeResult>();
		for (const [tf, b] of this.builders) results.set(tf, b.add(t));
		return results;
	}

	/** Closes every forming bar whose end `now` has passed (driven by an injected clock). */
	closeUpTo(now: number): BuiltBar[] {
		const closed: BuiltBar[] = [];
		for (const b of this.builders.values()) {
			const bar = b.closeUpTo(now);
			if (bar !== null) closed.push(bar);
		}
		return closed;
	}

	toJSON(): BarBuilderState[] {
		return [...this.builders.values()].map(b => b.toJSON());
	}

	static fromJSON(states: readonly BarBuilderState[], opts: BarBuilderOptions = {}): MultiTimeframeBars {
		return new MultiTimeframeBars(states.map(s => BarBuilder.fromJSON(s, opts)));
	}
}
