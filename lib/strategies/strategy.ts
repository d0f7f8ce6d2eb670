import type { Bar } from "../bars/bar.ts";
import type { IndicatorState } from "../indicators/indicator.ts";
import type { AnyIndicator } from "../indicators/registry.ts";
import { checkBar } from "../indicators/validate.ts";
import type { Signal } from "./signal.ts";

export interface StrategyState {
	name: string;
	params: number[];
	indicators: IndicatorState[];
	memory: (number | null)[];
}

/**
 * Base of the strategies: it owns the indicators (updated in order on each closed bar) and a small
 * `memory` of previous-bar numbers for crossing rules; both serialise, so a strategy snapshots and
 * restores like an indicator. A bad bar is ignored (returns null) and changes nothing.
 */
export abstract class Strategy {
	abstract readonly name: string;
	readonly params: readonly number[];
	protected readonly indicators: readonly AnyIndicator[];
	/** Previous-bar values the rules compare against; NaN until known. */
	protected readonly memory: Float64Array;

	protected constructor(params: readonly number[], indicators: readonly AnyIndicator[], memorySize: number) {
		this.params = params;
		this.indicators = indicators;
		this.memory = new Float64Array(memorySize).fill(NaN);
	}

	/** Feeds a closed bar; returns the signal it fires, if any. */
	update(bar: Bar): Signal | null {
		if (checkBar(bar) !== null) return null;
		for (const ind of this.indicators) ind.update(bar);
		return this.evaluate(bar);
	}

	/** Decides on the bar (indicators already include it) and refreshes `memory`. */
	protected abstract evaluate(bar: Bar): Signal | null;

	protected signal(bar: Bar, direction: 1 | -1, strength: number, reason: string, inputs: Record<string, number>): Signal {
		return { strategy: this.name, direction: direction > 0 ? "long" : "short", strength, reason, inputs, barTime: bar.time };
	}

	toJSON(): StrategyState {
		return {
			name: this.name,
			params: [...this.params],
			indicators: this.indicators.map((i) => i.toJSON()),
			memory: [...this.memory].map((v) => (Number.isNaN(v) ? null : v)),
		};
	}

	load(s: StrategyState): this {
		if (s.name !== this.name || s.params.join() !== this.params.join()) throw new TypeError(`state is for ${s.name}(${s.params.join()}), not ${this.name}(${this.params.join()})`);
		this.indicators.forEach((ind, i) => ind.load(s.indicators[i]));
		s.memory.forEach((v, i) => (this.memory[i] = v ?? NaN));
		return this;
	}
}
