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

const PARAMS = new Map<string, readonly number[]>();
/**
 * Distinct parameter lists shared at most: specs also come from requests (strategy performance),
 * and an unbounded table would grow with every new one. Past this, a strategy keeps its own copy.
 */
export const PARAMS_SHARED_LIMIT = 4096;
/** How many parameter lists are shared now (for tests). */
export const sharedParamLists = (): number => PARAMS.size;

/**
 * Base of the strategies: it owns one or two indicators (updated in order on each closed bar) and a
 * small memory of previous-bar numbers for crossing rules; both serialise, so a strategy snapshots
 * and restores like an indicator. A bad bar is ignored (returns null) and changes nothing.
 *
 * The memory is numbers in an arena from `mem`: alone a strategy owns a small arena; beside an
 * IndicatorSet (a symbol's timeframe), `shareIndicators` moves the memory into the set's arena and
 * makes the strategy use the set's equal indicators instead of its own copies: the set updates them
 * once per bar and saves them once. The parameter list is one frozen array shared by every strategy
 * of the same name and parameters; name, input names and reasons are on the prototype. The
 * indicators are two fields rather than an array (one object fewer per strategy; none has more).
 */
export abstract class Strategy {
	readonly params: readonly number[];
	/** The indicators in the order the subclass gave them; sharing can swap them for the set's. */
	protected first: AnyIndicator;
	protected second: AnyIndicator | null;
	protected arena: Arena;
	/**
	 * Offset of the memory: `memorySize` previous-bar values the rules compare against (NaN until
	 * known; saved and loaded), then `scratchSize` slots a bar writes before it reads them (never saved).
	 */
	protected mem: number;
	readonly #memorySize: number;
	readonly #scratchSize: number;
	#owned = true;

	protected constructor(params: readonly number[], first: AnyIndicator, second: AnyIndicator | null, memorySize: number, scratchSize = 0) {
		// Equal lists share one array whatever the strategy; String() is exact for doubles, -0 aside.
		const key = params.map(p => (Object.is(p, -0) ? "-0" : String(p))).join(":");
		let shared = PARAMS.get(key);
		if (shared === undefined) {
			shared = Object.freeze([...params]);
			if (PARAMS.size < PARAMS_SHARED_LIMIT) PARAMS.set(key, shared);
		}
		this.params = shared;
		this.first = first;
		this.second = second;
		this.arena = new Arena(memorySize + scratchSize);
		this.mem = this.arena.alloc(memorySize + scratchSize);
		this.#memorySize = memorySize;
		this.#scratchSize = scratchSize;
	}

	abstract get name(): string;
	/** Names of the numbers a signal reports, in the order `signal` receives them. */
	abstract get inputNames(): readonly string[];
	/** The rule that fired, in words, from the signal's direction and inputs. */
	abstract reason(direction: 1 | -1, inputs: Record<string, number>): string;

	/** Its name and every parameter, defaults filled in (`ma-cross:5:20:0`): what tells two of a name apart. */
	get spec(): string {
		return [this.name, ...this.params].join(":");
	}

	/** The indicators it reads, in order (a new array). */
	get indicators(): AnyIndicator[] {
		return this.second === null ? [this.first] : [this.first, this.second];
	}

	/** The i-th parameter. */
	protected param(i: number): number {
		return this.params[i];
	}

	/** Feeds a closed bar; returns the signal it fires, if any. */
	update(bar: Bar): Signal | null {
		if (checkBar(bar) !== null) return null;
		if (this.#owned) {
			this.first.update(bar);
			this.second?.update(bar);
		}
		return this.evaluate(bar);
	}

	/**
	 * Use `set`'s indicators (adding the ones it lacks as unpublished members) instead of owned
	 * copies, and keep the memory in the set's arena. The set must be updated with each bar before
	 * `update`; the state then holds no indicators.
	 */
	shareIndicators(set: IndicatorSet): this {
		this.first = set.adopt(this.first);
		if (this.second !== null) this.second = set.adopt(this.second);
		this.#owned = false;
		const size = this.#memorySize + this.#scratchSize;
		const o = set.arena.alloc(size);
		set.arena.f64.set(this.arena.f64.subarray(this.mem, this.mem + size), o);
		this.arena = set.arena;
		this.mem = o;
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
			indicators: this.#owned ? this.indicators.map(i => i.toJSON()) : [],
			memory: Array.from(m.subarray(this.mem, this.mem + this.#memorySize), v => (Number.isNaN(v) ? null : v)),
		};
	}

	/**
	 * Restore a saved state. Its memory may be longer (a newer version's, with slots this one lacks,
	 * met in a rolling deploy) or shorter than this strategy's: only this strategy's own slots are
	 * written, never past them into the neighbouring state of a shared arena.
	 */
	load(s: StrategyState): this {
		if (s.name !== this.name || s.params.join() !== this.params.join()) throw new TypeError(`state is for ${s.name}(${s.params.join()}), not ${this.name}(${this.params.join()})`);
		if (this.#owned) this.indicators.forEach((ind, i) => ind.load(s.indicators[i]));
		const m = this.arena.f64;
		const n = Math.min(s.memory.length, this.#memorySize);
		for (let i = 0; i < n; i++) m[this.mem + i] = s.memory[i] ?? NaN;
		return this;
	}
}

/** A signal object from its numbers: what `Strategy.update` returns, and how a stored one is rebuilt. */
export function signalOf(strategy: Strategy, direction: 1 | -1, strength: number, values: ArrayLike<number>, barTime: number): Signal {
	const inputs: Record<string, number> = {};
	const names = strategy.inputNames;
	for (let i = 0; i < names.length; i++) inputs[names[i]] = values[i];
	return { strategy: strategy.name, spec: strategy.spec, direction: direction > 0 ? "long" : "short", strength, reason: strategy.reason(direction, inputs), inputs, barTime };
}
