import type { Bar } from "../bars/bar.ts";
import { Bollinger } from "../indicators/bollinger.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

/**
 * Bollinger breakout: long when the close crosses above the upper band, short when it crosses
 * below the lower band. Strength = distance outside the band over the band's half-width (1 when
 * the bands have collapsed to a line, where any break is decisive).
 */
export class BollingerBreakoutStrategy extends Strategy {
	readonly name = "bb-breakout";
	get #bands() {
		return this.indicators[0] as Bollinger;
	}

	constructor(period = 20, deviations = 2) {
		const bands = new Bollinger(period, deviations);
		super([period, deviations], [bands], 3);
	}

	protected evaluate(bar: Bar) {
		const b = this.#bands.value;
		const [prevClose, prevUpper, prevLower] = this.memory;
		this.memory[0] = bar.close;
		this.memory[1] = b === null ? NaN : b.upper;
		this.memory[2] = b === null ? NaN : b.lower;
		if (b === null) return null;
		const inputs = { close: bar.close, upper: b.upper, middle: b.middle, lower: b.lower };
		const half = b.upper - b.middle;
		if (cross(prevClose, prevUpper, bar.close, b.upper) > 0) {
			return this.signal(bar, 1, half > 0 ? clamp01((bar.close - b.upper) / half) : 1, "close crossed above the upper band", inputs);
		}
		if (cross(prevClose, prevLower, bar.close, b.lower) < 0) {
			return this.signal(bar, -1, half > 0 ? clamp01((b.lower - bar.close) / half) : 1, "close crossed below the lower band", inputs);
		}
		return null;
	}
}
