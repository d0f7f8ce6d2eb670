import type { Arena } from "./arena.ts";
import { EXTREMES_SLOTS, extremesWithWindow } from "./core/extremes.ts";
import { seriesMove } from "./core/series.ts";
import type { Indicator } from "./indicator.ts";
import { windowLookback, withPeriod } from "./period-indicator.ts";

/**
 * The highest high and lowest low of the last `period` bars (`core/extremes.ts`) as a base for
 * Donchian, Williams %R and Stochastic: `withRange(Indicator<V>)` or `withRange(ScalarIndicator)`.
 * On top of `withPeriod` (params `[period]`, lookback `period − 1`) it holds the highs/lows window
 * (its own, or its IndicatorSet's shared one, moved with the indicator) and EXTREMES_SLOTS of
 * state. Each subclass still writes its own `update` (indicator.ts says why).
 */
export function withRange<B extends abstract new (...args: any[]) => Indicator<any>>(Base: B) {
	abstract class RangeIndicator extends withPeriod(Base, windowLookback) {
		/** Offset of the highs/lows window. */
		protected w = 0;

		/** Sets up the extremes at the start of the state and a window of `period` bars; once, from the constructor. */
		protected initRange(period: number): void {
			this.w = extremesWithWindow(this.arena, this.o, period);
			this.initPeriod(period);
		}

		override get rangeWindow(): number {
			return this.period;
		}

		protected override moveWindow(from: Float64Array, arena: Arena): void {
			this.w = seriesMove(from, this.w, arena, 2, this.period);
		}

		protected get slots(): number {
			return EXTREMES_SLOTS;
		}
	}
	return RangeIndicator;
}
