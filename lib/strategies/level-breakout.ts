import type { Bar } from "../bars/bar.ts";
import { Donchian } from "../indicators/donchian.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

/**
 * Support/resistance breakout: resistance = highest high and support = lowest low of the
 * `lookback` bars before this one (the previous bar's Donchian channel). Long on the first close
 * above resistance, short on the first close below support. Strength = break distance over a
 * quarter of the support–resistance range (1 when the range is zero).
 */
export class LevelBreakoutStrategy extends Strategy {
	readonly name = "sr-breakout";
	get #channel() {
		return this.indicators[0] as Donchian;
	}

	constructor(lookback = 20) {
		const channel = new Donchian(lookback);
		// memory: [resistance, support] for this bar, previous close, [resistance, support] for the previous bar
		super([lookback], [channel], 5);
	}

	protected evaluate(bar: Bar) {
		const m = this.memory;
		const [resistance, support, prevClose, prevResistance, prevSupport] = m;
		const c = this.#channel.value;
		m[3] = resistance;
		m[4] = support;
		m[0] = c === null ? NaN : c.upper;
		m[1] = c === null ? NaN : c.lower;
		m[2] = bar.close;
		const range = resistance - support;
		const strength = (d: number) => (range > 0 ? clamp01(d / (range / 4)) : 1);
		const inputs = { close: bar.close, resistance, support };
		if (cross(prevClose, prevResistance, bar.close, resistance) > 0) {
			return this.signal(bar, 1, strength(bar.close - resistance), `close broke above the ${this.params[0]}-bar resistance`, inputs);
		}
		if (cross(prevClose, prevSupport, bar.close, support) < 0) {
			return this.signal(bar, -1, strength(support - bar.close), `close broke below the ${this.params[0]}-bar support`, inputs);
		}
		return null;
	}
}
