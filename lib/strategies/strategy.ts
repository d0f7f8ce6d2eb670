import type { Bar } from "../bars/bar.ts";
import type { IndicatorState } from "../indicators/indicator.ts";
import type { AnyIndicator } from "../indicators/registry.ts";
import type { IndicatorSet } from "../indicators/indicator-set.ts";
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
 *
 * Beside an IndicatorSet (a symbol's timeframe), `shareIndicators` makes it use the set's equal
 * indicators instead of its own copies: the set updates them once per bar and saves them once.
 */
export abstract class Strategy {
	abstract readonly name: string;
	readonly params: readonly number[];
	/** In the order the subclass gave them; subclasses read them by index, so sharing can swap them. */
	protected indicators: readonly AnyIndicator[];
	#owned = true;
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
		if (this.#owned) for (const ind of this.indicators) ind.update(bar);
		return this.evaluate(bar);
	}

	/**
	 * Use `set`'s indicators (adding the ones it lacks as unpublished members) instead of owned
	 * copies. The set must be updated with each bar before `update`; the state then holds no indicators.
	 */
	shareIndicators(set: IndicatorSet): this {
		this.indicators = this.indicators.map((ind) => set.adopt(ind));
		this.#owned = false;
		return this;
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
			indicators: this.#owned ? this.indicators.map((i) => i.toJSON()) : [],
			memory: [...this.memory].map((v) => (Number.isNaN(v) ? null : v)),
		};
	}

	load(s: StrategyState): this {
		if (s.name !== this.name || s.params.join() !== this.params.join()) throw new TypeError(`state is for ${s.name}(${s.params.join()}), not ${this.name}(${this.params.join()})`);
		if (this.#owned) this.indicators.forEach((ind, i) => ind.load(s.indicators[i]));
		s.memory.forEach((v, i) => (this.memory[i] = v ?? NaN));
		return this;
	}
}
