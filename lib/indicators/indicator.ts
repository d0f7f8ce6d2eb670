import type { Bar } from "../bars/bar.ts";
import { Arena } from "./arena.ts";
import { checkBar } from "./validate.ts";

/** Serialised indicator: enough to rebuild it with `restoreIndicator` from the registry. */
export interface IndicatorState {
	kind: string;
	params: number[];
	count: number;
	state: unknown;
}

const COLUMNS = new Map<string, readonly string[]>();

/**
 * Base of every streaming indicator.
 *
 * All numbers live in an `Arena`: `width` outputs at `at` (the latest committed values, NaN in
 * warm-up) and the state at `o`. Alone, an indicator owns a small arena; an IndicatorSet moves its
 * members into one arena per bar stream, outputs side by side in the set's `values`. The object
 * itself holds only offsets and small integers (unboxed); kind, outputs and lookback are getters
 * on the prototype.
 *
 * Each subclass writes its own `update` (validate with checkBar, compute, store outputs, bump
 * `accepted`) instead of inheriting one that calls an abstract hook: a shared `update` would
 * be one call site seeing every indicator class, which V8 makes megamorphic — measured, EMA fell
 * from 43 to 25 M updates/s once ten classes had passed through it. Cold paths (peek, columns,
 * snapshots) stay here. What the classes share besides is on intermediate prototypes, adding no
 * field: the period, params and lookback of one-period indicators (`withPeriod`,
 * period-indicator.ts), the highs/lows window on top of that (`withRange`), OBV's and VWAP's empty
 * params (`CumulativeIndicator`); and the computation they share is in `core/` functions that each
 * `update` calls.
 */
export abstract class Indicator<V> {
	arena: Arena;
	/** Offset of the outputs in `arena.f64`. */
	at: number;
	/** Offset of the state in `arena.f64`. */
	protected o: number;
	protected accepted = 0;

	constructor(slots: number) {
		const width = this.width;
		this.arena = new Arena(width + slots);
		this.at = this.arena.alloc(width + slots);
		this.o = this.at + width;
	}

	/** Numbers of state after the outputs (a getter, not a field: 8 bytes less per indicator). */
	protected abstract get slots(): number;

	/** Spec kind, e.g. "sma"; with params it names the columns ("sma_20"). */
	abstract get kind(): string;
	abstract get params(): readonly number[];
	/** Output field names; empty for single-valued indicators. */
	abstract get outputs(): readonly string[];
	/** Bars consumed before the first value: TA-Lib's lookback for the same parameters. */
	abstract get lookback(): number;

	/** Closed bars accepted so far. */
	get count(): number {
		return this.accepted;
	}

	/** Number of output columns. */
	get width(): number {
		return this.outputs.length === 0 ? 1 : this.outputs.length;
	}

	/** Value after the last committed bar, or null during warm-up. Multi-output values are new objects. */
	get value(): V | null {
		return this.read(this.arena.f64, this.at);
	}

	/** Commits a closed bar. Returns null when accepted, else the reason it was refused (state unchanged). */
	abstract update(bar: Bar): string | null;

	/** Value if `bar` closed now; null in warm-up or for a bad bar. Never changes state. */
	peek(bar: Bar): V | null {
		if (checkBar(bar) !== null) return null;
		const out = new Float64Array(this.width);
		this.preview(bar, out, 0);
		return this.read(out, 0);
	}

	/** Writes the value (or the peek of `forming`) into out[at..at+width), NaN for warm-up. */
	write(out: Float64Array, at: number, forming?: Bar): void {
		const width = this.width;
		if (forming === undefined) {
			// A copy loop, not out.set(subarray(…)): a subarray is a new object on every call.
			const m = this.arena.f64;
			for (let i = 0; i < width; i++) out[at + i] = m[this.at + i];
		} else if (checkBar(forming) === null) this.preview(forming, out, at);
		else out.fill(NaN, at, at + width);
	}

	/**
	 * Moves outputs and state into `arena`: outputs to `at` (already reserved there), or next to the
	 * state when `at` is omitted. Offsets inside the state are relative, so a copy is a move.
	 */
	moveTo(arena: Arena, at?: number): this {
		const from = this.arena.f64;
		const width = this.width;
		const out = at ?? arena.alloc(width);
		const o = arena.alloc(this.slots);
		arena.f64.set(from.subarray(this.at, this.at + width), out);
		arena.f64.set(from.subarray(this.o, this.o + this.slots), o);
		this.arena = arena;
		this.at = out;
		this.o = o;
		this.moveWindow(from, arena);
		return this;
	}

	/** Numbers of state it keeps besides its outputs and its window. */
	get stateSlots(): number {
		return this.slots;
	}

	/** Length of the window of recent closes it reads (`core/series.ts`); 0 = none. */
	get closeWindow(): number {
		return 0;
	}

	/** Length of the window of recent highs and lows it reads; 0 = none. */
	get rangeWindow(): number {
		return 0;
	}

	/** Moves its window (if any) from `from` into `arena`, shared there when it can be (`seriesMove`). */
	protected moveWindow(_from: Float64Array, _arena: Arena): void {}

	/** Column names: "sma_20", or "macd_12_26_9.signal" for multi-output indicators (shared, do not modify). */
	get columns(): readonly string[] {
		const base = [this.kind, ...this.params].join("_");
		let cols = COLUMNS.get(base);
		if (cols === undefined) {
			cols = Object.freeze(this.outputs.length === 0 ? [base] : this.outputs.map(o => `${base}.${o}`));
			COLUMNS.set(base, cols);
		}
		return cols;
	}

	toJSON(): IndicatorState {
		return { kind: this.kind, params: [...this.params], count: this.accepted, state: this.save() };
	}

	/** Loads state produced by toJSON of an indicator with the same kind and params. */
	load(s: IndicatorState): this {
		if (s.kind !== this.kind || s.params.join() !== this.params.join()) {
			throw new TypeError(`state is for ${s.kind}(${s.params.join()}), not ${this.kind}(${this.params.join()})`);
		}
		this.accepted = s.count;
		this.restore(s.state);
		return this;
	}

	/** Writes the outputs `bar` would give into out[at..at+width), NaN for warm-up; `bar` is valid. */
	protected abstract preview(bar: Bar, out: Float64Array, at: number): void;
	/** The value held in m[at..at+width). */
	protected abstract read(m: Float64Array, at: number): V | null;
	protected abstract save(): unknown;
	/** Restores the state and the outputs. */
	protected abstract restore(state: unknown): void;
}

const NO_OUTPUTS: readonly string[] = Object.freeze([]);

/** Base for single-valued indicators. */
export abstract class ScalarIndicator extends Indicator<number> {
	get outputs(): readonly string[] {
		return NO_OUTPUTS;
	}

	override get width(): number {
		return 1;
	}

	protected read(m: Float64Array, at: number): number | null {
		return orNull(m[at]);
	}
}

const NO_PARAMS: readonly number[] = Object.freeze([]);

/** Base for running totals from the first bar (OBV, VWAP): no parameters, no warm-up. */
export abstract class CumulativeIndicator extends ScalarIndicator {
	get params(): readonly number[] {
		return NO_PARAMS;
	}

	get lookback(): number {
		return 0;
	}
}

/**
 * A period-like parameter as a small integer (`| 0`). Stored that way, V8 keeps the field unboxed;
 * a value that came out of optimised code as a double would make it box the field in every
 * instance of the class (16 bytes each). Refuses what is not a positive integer.
 */
export function whole(v: number): number {
	if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new RangeError(`period must be an integer >= 1, got ${v}`);
	return v | 0;
}

/** NaN (the cores' warm-up marker) to null, the public one. */
export function orNull(x: number): number | null {
	return Number.isNaN(x) ? null : x;
}
