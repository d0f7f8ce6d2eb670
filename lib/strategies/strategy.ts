import type { Bar } from "../bars/bar.ts";
import { Arena } from "../indicators/arena.ts";
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
 * memory of previous-bar numbers for crossing rules; both serialise, so a strategy snapshots and
 * restores like an indicator. A bad bar is ignored (returns null) and changes nothing.
 *
 * Parameters and memory are numbers in an arena, [params…, #params, #memory, memory…], with
 * `mem` at the first memory slot: alone a strategy owns a small arena; beside an IndicatorSet (a
 * symbol's timeframe), `shareIndicators` moves them into the set's arena and makes the strategy
 * use the set's equal indicators instead of its own copies: the set updates them once per bar and
 * saves them once. Name, input names and reasons are on the prototype.
 */
export abstract class Strategy {
	/** In the order the subclass gave them; subclasses read them by index, so sharing can swap them. */
	protected indicators: readonly AnyIndicator[];
	protected arena: Arena;
	/** Offset of the memory (previous-bar values the rules compare against; NaN until known). */
	protected mem: number;
	#owned = true;

	protected constructor(params: readonly number[], indicators: readonly AnyIndicator[], memorySize: number) {
		this.indicators = indicators;
		const n = params.length + 2 + memorySize;
		this.arena = new Arena(n);
		const o = this.arena.alloc(n);
		const m = this.arena.f64;
		m.set(params, o);
		m[o + params.length] = params.length;
		m[o + params.length + 1] = memorySize;
		this.mem = o + params.length + 2;
	}

	abstract get name(): string;
	/** Names of the numbers a signal reports, in the order `signal` receives them. */
	abstract get inputNames(): readonly string[];
	/** The rule that fired, in words, from the signal's direction and inputs. */
	abstract reason(direction: 1 | -1, inputs: Record<string, number>): string;

	get params(): readonly number[] {
		const m = this.arena.f64;
		const n = m[this.mem - 2];
		return Array.from(m.subarray(this.mem - 2 - n, this.mem - 2));
	}

	/** The i-th parameter. */
	protected param(i: number): number {
		const m = this.arena.f64;
		return m[this.mem - 2 - m[this.mem - 2] + i];
	}

	protected memorySize(): number {
		return this.arena.f64[this.mem - 1];
	}

	/** Feeds a closed bar; returns the signal it fires, if any. */
	update(bar: Bar): Signal | null {
		if (checkBar(bar) !== null) return null;
		if (this.#owned) for (const ind of this.indicators) ind.update(bar);
		return this.evaluate(bar);
	}

	/**
	 * Use `set`'s indicators (adding the ones it lacks as unpublished members) instead of owned
	 * copies, and keep the memory in the set's arena. The set must be updated with each bar before
	 * `update`; the state then holds no indicators.
	 */
	shareIndicators(set: IndicatorSet): this {
		this.indicators = this.indicators.map((ind) => set.adopt(ind));
		this.#owned = false;
		const from = this.arena.f64;
		const start = this.mem - 2 - from[this.mem - 2];
		const end = this.mem + this.memorySize();
		const o = set.arena.alloc(end - start);
		set.arena.f64.set(from.subarray(start, end), o);
		this.arena = set.arena;
		this.mem = o + (this.mem - start);
		return this;
	}

	/** Decides on the bar (indicators already include it) and refreshes the memory. */
	protected abstract evaluate(bar: Bar): Signal | null;

	/** The signal for `bar`; `inputs` in the order of `inputNames`. */
	protected signal(bar: Bar, direction: 1 | -1, strength: number, inputs: readonly number[]): Signal {
		return signalOf(this, direction, strength, inputs, bar.time);
	}

	toJSON(): StrategyState {
		const m = this.arena.f64;
		return {
			name: this.name,
			params: [...this.params],
			indicators: this.#owned ? this.indicators.map((i) => i.toJSON()) : [],
			memory: Array.from(m.subarray(this.mem, this.mem + this.memorySize()), (v) => (Number.isNaN(v) ? null : v)),
		};
	}

	load(s: StrategyState): this {
		if (s.name !== this.name || s.params.join() !== this.params.join()) throw new TypeError(`state is for ${s.name}(${s.params.join()}), not ${this.name}(${this.params.join()})`);
		if (this.#owned) this.indicators.forEach((ind, i) => ind.load(s.indicators[i]));
		const m = this.arena.f64;
		s.memory.forEach((v, i) => (m[this.mem + i] = v ?? NaN));
		return this;
	}
}

/** A signal object from its numbers: what `Strategy.update` returns, and how a stored one is rebuilt. */
export function signalOf(strategy: Strategy, direction: 1 | -1, strength: number, values: ArrayLike<number>, barTime: number): Signal {
	const inputs: Record<string, number> = {};
	const names = strategy.inputNames;
	for (let i = 0; i < names.length; i++) inputs[names[i]] = values[i];
	return { strategy: strategy.name, direction: direction > 0 ? "long" : "short", strength, reason: strategy.reason(direction, inputs), inputs, barTime };
}
