import { BollingerBreakoutStrategy } from "./bollinger-breakout.ts";
import { LevelBreakoutStrategy } from "./level-breakout.ts";
import { MaCrossoverStrategy } from "./ma-crossover.ts";
import { MacdRsiStrategy } from "./macd-rsi.ts";
import { RsiTrendStrategy } from "./rsi-trend.ts";
import type { Strategy, StrategyState } from "./strategy.ts";
import type { IndicatorSet } from "../indicators/indicator-set.ts";

export { type Signal, cross, clamp01 } from "./signal.ts";
export { Strategy, type StrategyState, signalOf } from "./strategy.ts";
export { MacdRsiStrategy, MaCrossoverStrategy, RsiTrendStrategy, BollingerBreakoutStrategy, LevelBreakoutStrategy };

const MAKERS: Record<string, (p: number[]) => Strategy> = {
	"macd-rsi": p => new MacdRsiStrategy(...p),
	"ma-cross": p => new MaCrossoverStrategy(...p),
	"rsi-trend": p => new RsiTrendStrategy(...p),
	"bb-breakout": p => new BollingerBreakoutStrategy(...p),
	"sr-breakout": p => new LevelBreakoutStrategy(...p),
};

const names = Object.keys(MAKERS);
/** Every known strategy, the built-ins then plug-ins' (live: grows as plug-ins register). */
export const STRATEGY_NAMES: readonly string[] = names;

/** Adds a strategy (a plug-in's, lib/plugins); refuses a name that exists or is not [a-z][a-z0-9-]{0,31}. */
export function registerStrategy(name: string, make: (params: number[]) => Strategy): void {
	if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new RangeError(`strategy name "${name}" must match [a-z][a-z0-9-]{0,31}`);
	if (Object.hasOwn(MAKERS, name)) throw new RangeError(`strategy "${name}" already exists`);
	MAKERS[name] = make;
	names.push(name);
}

/** "ma-cross:5:20" → a strategy; omitted parameters take the documented defaults. */
export function createStrategy(spec: string): Strategy {
	const [name, ...raw] = spec.trim().toLowerCase().split(":");
	const make = Object.hasOwn(MAKERS, name) ? MAKERS[name] : undefined;
	if (make === undefined) throw new RangeError(`unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(", ")})`);
	const params = raw.map(Number);
	if (params.some(v => !Number.isFinite(v))) throw new RangeError(`strategy "${spec}" has a non-numeric parameter`);
	return make(params);
}

/** Rebuilds a strategy from its state; with `set`, one that shared that set's indicators. */
export function restoreStrategy(s: StrategyState, set?: IndicatorSet): Strategy {
	const strategy = createStrategy([s.name, ...s.params].join(":"));
	return (set ? strategy.shareIndicators(set) : strategy).load(s);
}
