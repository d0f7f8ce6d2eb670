import type { Bar } from "../bars/bar.ts";
import { Donchian } from "../indicators/donchian.ts";
import { clamp01, crossIn } from "./signal.ts";
import { Strategy } from "./strategy.ts";

const INPUTS = Object.freeze(["close", "resistance", "support"]);

/**
 * Support/resistance breakout: resistance = highest high and support = lowest low of the
 * `lookback` bars before this one (the previous bar's Donchian channel). Long on the first close
 * above resistance, short on the first close below support. Strength = break distance over a
 * quarter of the support–resistance range (1 when the range is zero).
 */
export class LevelBreakoutStrategy extends Strategy {
	constructor(lookback = 20) {
		const channel = new Donchian(lookback);
		// memory: [resistance, support] for this bar, previous close, [resistance, support] for the
		// previous bar; scratch: the channel's upper, middle, lower as `write` copies them
		super([lookback], channel, null, 5, 3);
	}

	get name(): string {
		return "sr-breakout";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1): string {
		return direction > 0 ? `close broke above the ${this.param(0)}-bar resistance` : `close broke below the ${this.param(0)}-bar support`;
	}

	protected evaluate(bar: Bar) {
		const m = this.arena.f64;
		const k = this.mem;
		// memory before this bar: [resistance, support, previous close, previous resistance, previous support]
		const resistance = m[k],
			support = m[k + 1];
		// Crossings decided on the arena (crossIn), the close put for a moment where the channel's
		// middle goes; the channel then copied into the memory, not read as a `value` object; no
		// closure, and the inputs array only for a signal: updates that fire nothing allocate nothing.
		m[k + 6] = bar.close;
		const up = crossIn(m, k + 2, k + 3, k + 6, k);
		const down = crossIn(m, k + 2, k + 4, k + 6, k + 1);
		this.first.write(m, k + 5);
		m[k + 3] = resistance;
		m[k + 4] = support;
		m[k] = m[k + 5]; // NaN in warm-up
		m[k + 1] = m[k + 7];
		m[k + 2] = bar.close;
		const range = resistance - support;
		if (up > 0) return this.signal(bar, 1, range > 0 ? clamp01((bar.close - resistance) / (range / 4)) : 1, [bar.close, resistance, support]);
		if (down < 0) return this.signal(bar, -1, range > 0 ? clamp01((support - bar.close) / (range / 4)) : 1, [bar.close, resistance, support]);
		return null;
	}
}
