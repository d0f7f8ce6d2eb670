import { type Indicator, whole } from "./indicator.ts";

/** Lookback of a window of n bars that ends on the current one (SMA, WMA, EMA's seed, Donchian): n − 1. */
export const windowLookback = (period: number): number => period - 1;
/** Lookback of n bar-to-bar changes, which take n + 1 bars (ATR, RSI, ROC, MFI, ADX's ±DI): n. */
export const changesLookback = (period: number): number => period;

/**
 * Refuses a period that is not an integer >= min, naming the indicator. Called before `super`, as
 * the size of the state (and so of the arena) depends on the period.
 */
export function checkPeriod(kind: string, period: number, min: number): void {
	if (!Number.isInteger(period) || period < min) throw new RangeError(`${kind} period must be an integer >= ${min}, got ${period}`);
}

/**
 * Base of the indicators with one parameter, a period: `withPeriod(ScalarIndicator, windowLookback)`
 * or `withPeriod(Indicator<V>, changesLookback)`. It holds the period (a small integer, `whole`) and
 * the getters params `[period]` and lookback `lookbackOf(period)`, on the prototype like the rest
 * of the cold paths: no field besides the period. Each subclass still writes its own `update`
 * (indicator.ts says why).
 */
export function withPeriod<B extends abstract new (...args: any[]) => Indicator<any>>(Base: B, lookbackOf: (period: number) => number) {
	abstract class PeriodIndicator extends Base {
		readonly period: number = 0;

		/** Sets the period (refusing what is not a positive integer); once, from the constructor. */
		protected initPeriod(period: number): void {
			(this as { period: number }).period = whole(period);
		}

		get params(): readonly number[] {
			return [this.period];
		}

		get lookback(): number {
			return lookbackOf(this.period);
		}
	}
	return PeriodIndicator;
}
