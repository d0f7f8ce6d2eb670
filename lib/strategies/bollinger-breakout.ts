import type { Bar } from "../bars/bar.ts";
import { Bollinger } from "../indicators/bollinger.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

const INPUTS = Object.freeze(["close", "upper", "middle", "lower"]);

/**
 * Bollinger breakout: long when the close crosses above the upper band, short when it crosses
 * below the lower band. Strength = distance outside the band over the band's half-width (1 when
 * the bands have collapsed to a line, where any break is decisive).
 */
export class BollingerBreakoutStrategy extends Strategy {
	constructor(period = 20, deviations = 2) {
		const bands = new Bollinger(period, deviations);
		super([period, deviations], bands, null, 3, 3); // memory: previous close, upper, lower; scratch: this bar's upper, middle, lower
	}

	get name(): string {
		return "bb-breakout";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1): string {
		return direction > 0 ? "close crossed above the upper band" : "close crossed below the lower band";
	}

	protected evaluate(bar: Bar) {
		// The bands copied into the memory, not read as a `value` object (one per update).
		const m = this.arena.f64;
		const k = this.mem;
		this.first.write(m, k + 3);
		const upper = m[k + 3],
			middle = m[k + 4],
			lower = m[k + 5];
		const prevClose = m[k],
			prevUpper = m[k + 1],
			prevLower = m[k + 2];
		m[k] = bar.close;
		m[k + 1] = upper;
		m[k + 2] = lower;
		if (Number.isNaN(middle)) return null;
		const half = upper - middle;
		if (cross(prevClose, prevUpper, bar.close, upper) > 0) {
			return this.signal(bar, 1, half > 0 ? clamp01((bar.close - upper) / half) : 1, [bar.close, upper, middle, lower]);
		}
		if (cross(prevClose, prevLower, bar.close, lower) < 0) {
			return this.signal(bar, -1, half > 0 ? clamp01((lower - bar.close) / half) : 1, [bar.close, upper, middle, lower]);
		}
		return null;
	}
}
