import type { Bar } from "../bars/bar.ts";
import { checkBar } from "./validate.ts";

/** Serialised indicator: enough to rebuild it with `restoreIndicator` from the registry. */
export interface IndicatorState {
	kind: string;
	params: number[];
	count: number;
	state: unknown;
}

/**
 * Base of every streaming indicator.
 *
 * Each subclass writes its own `update` (validate with checkBar, compute, store outputs in `row`,
 * bump `accepted`) instead of inheriting one that calls an abstract hook: a shared `update` would
 * be one call site seeing every indicator class, which V8 makes megamorphic — measured, EMA fell
 * from 43 to 25 M updates/s once ten classes had passed through it. Cold paths (peek, columns,
 * snapshots) stay here. Multi-output values are preallocated objects overwritten on each call:
 * copy them if you keep them.
 */
export abstract class Indicator<V> {
	/** Spec kind, e.g. "sma"; with params it names the columns ("sma_20"). */
	abstract readonly kind: string;
	abstract readonly params: readonly number[];
	/** Output field names; empty for single-valued indicators. */
	abstract readonly outputs: readonly string[];
	/** Bars consumed before the first value: TA-Lib's lookback for the same parameters. */
	abstract readonly lookback: number;
	/** Latest committed outputs, NaN in warm-up; a view into an IndicatorSet's row once attached. */
	row: Float64Array;
	protected accepted = 0;

	constructor(width: number) {
		this.row = new Float64Array(width).fill(NaN);
	}

	/** Closed bars accepted so far. */
	get count(): number {
		return this.accepted;
	}

	/** Value after the last committed bar, or null during warm-up. */
	abstract get value(): V | null;

	/** Commits a closed bar. Returns null when accepted, else the reason it was refused (state unchanged). */
	abstract update(bar: Bar): string | null;

	/** Value if `bar` closed now; null in warm-up or for a bad bar. Never changes state. */
	peek(bar: Bar): V | null {
		return checkBar(bar) === null ? this.preview(bar) : null;
	}

	/** Writes the value (or the peek of `forming`) into out[at..at+width), NaN for warm-up. */
	write(out: Float64Array, at: number, forming?: Bar): void {
		this.fill(out, at, forming === undefined ? this.value : this.peek(forming));
	}

	/** Makes `view` (width long) the row updates write into, e.g. a slice of a shared array. */
	attach(view: Float64Array): void {
		view.set(this.row);
		this.row = view;
	}

	/** Number of columns in `row`. */
	get width(): number {
		return this.row.length;
	}

	/** Column names: "sma_20", or "macd_12_26_9.signal" for multi-output indicators. */
	get columns(): string[] {
		const base = [this.kind, ...this.params].join("_");
		return this.outputs.length === 0 ? [base] : this.outputs.map((o) => `${base}.${o}`);
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
		this.fill(this.row, 0, this.value);
		return this;
	}

	protected abstract preview(bar: Bar): V | null;
	protected abstract fill(out: Float64Array, at: number, v: V | null): void;
	protected abstract save(): unknown;
	protected abstract restore(state: unknown): void;
}

/** Base for single-valued indicators. */
export abstract class ScalarIndicator extends Indicator<number> {
	readonly outputs: readonly string[] = [];

	constructor() {
		super(1);
	}

	protected fill(out: Float64Array, at: number, v: number | null): void {
		out[at] = v ?? NaN;
	}
}

/** NaN (the cores' warm-up marker) to null, the public one. */
export function orNull(x: number): number | null {
	return Number.isNaN(x) ? null : x;
}
