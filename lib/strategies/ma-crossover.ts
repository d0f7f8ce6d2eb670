import type { Bar } from "../bars/bar.ts";
import { Ema } from "../indicators/ema.ts";
import { Sma } from "../indicators/sma.ts";
import { clamp01, cross } from "./signal.ts";
import { Strategy } from "./strategy.ts";

const INPUTS = Object.freeze(["close", "fast", "slow"]);

/**
 * Moving-average crossover: long when the fast MA crosses above the slow one, short when it
 * crosses below. `exponential` = 1 uses EMAs instead of SMAs. Strength = how far the close sits
 * beyond the slow MA, 2 % of it counting as full strength.
 */
export class MaCrossoverStrategy extends Strategy {
	constructor(fast = 10, slow = 30, exponential = 0) {
		const make = (n: number) => (exponential ? new Ema(n) : new Sma(n));
		const f = make(fast);
		const s = make(slow);
		super([fast, slow, exponential], f, s, 2); // memory: previous fast, slow
	}

	get name(): string {
		return "ma-cross";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1): string {
		return `fast MA(${this.param(0)}) crossed ${direction > 0 ? "above" : "below"} slow MA(${this.param(1)})`;
	}

	protected evaluate(bar: Bar) {
		const fast = (this.first as Sma | Ema).value ?? NaN;
		const slow = (this.second as Sma | Ema).value ?? NaN;
		const m = this.arena.f64;
		const k = this.mem;
		const dir = cross(m[k], m[k + 1], fast, slow);
		m[k] = fast;
		m[k + 1] = slow;
		if (dir === 0) return null;
		const strength = clamp01((dir * (bar.close - slow)) / (0.02 * Math.abs(slow)));
		return this.signal(bar, dir, strength, [bar.close, fast, slow]);
	}
}
