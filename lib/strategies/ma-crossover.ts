import type { Bar } from "../bars/bar.ts";
import { Ema } from "../indicators/ema.ts";
import { Sma } from "../indicators/sma.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

/**
 * Moving-average crossover: long when the fast MA crosses above the slow one, short when it
 * crosses below. `exponential` = 1 uses EMAs instead of SMAs. Strength = how far the close sits
 * beyond the slow MA, 2 % of it counting as full strength.
 */
export class MaCrossoverStrategy extends Strategy {
	readonly name = "ma-cross";
	get #fast() {
		return this.indicators[0] as Sma | Ema;
	}
	get #slow() {
		return this.indicators[1] as Sma | Ema;
	}

	constructor(fast = 10, slow = 30, exponential = 0) {
		const make = (n: number) => (exponential ? new Ema(n) : new Sma(n));
		const f = make(fast);
		const s = make(slow);
		super([fast, slow, exponential], [f, s], 2);
	}

	protected evaluate(bar: Bar) {
		const fast = this.#fast.value ?? NaN;
		const slow = this.#slow.value ?? NaN;
		const dir = cross(this.memory[0], this.memory[1], fast, slow);
		this.memory[0] = fast;
		this.memory[1] = slow;
		if (dir === 0) return null;
		const strength = clamp01((dir * (bar.close - slow)) / (0.02 * Math.abs(slow)));
		const word = dir > 0 ? "above" : "below";
		return this.signal(bar, dir, strength, `fast MA(${this.params[0]}) crossed ${word} slow MA(${this.params[1]})`, { close: bar.close, fast, slow });
	}
}
