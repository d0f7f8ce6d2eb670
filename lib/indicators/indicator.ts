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
 * Base of every streaming indicator. It validates once, so subclasses only compute:
 * `commit` applies a closed bar, `preview` computes the value a forming bar would give without
 * touching state. Multi-output values are preallocated objects that are overwritten on each call:
 * copy them if you keep them across updates.
 */
export abstract class Indicator<V> {
	/** Spec kind, e.g. "sma"; with params it names the columns ("sma_20"). */
	abstract readonly kind: string;
	abstract readonly params: readonly number[];
	/** Output field names; empty for single-valued indicators. */
	abstract readonly outputs: readonly string[];
	/** Bars consumed before the first value: TA-Lib's lookback for the same parameters. */
	abstract readonly lookback: number;
	#count = 0;

	/** Closed bars accepted so far. */
	get count(): number {
		return this.#count;
	}

	/** Value after the last committed bar, or null during warm-up. */
	abstract get value(): V | null;

	/** Commits a closed bar. Returns null when accepted, else the reason it was refused (state unchanged). */
	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.commit(bar);
		this.#count++;
		return null;
	}

	/** Value if `bar` closed now; null in warm-up or for a bad bar. Never changes state. */
	peek(bar: Bar): V | null {
		return checkBar(bar) === null ? this.preview(bar) : null;
	}

	/** Writes value (or peek of `forming`) into out[at..at+width), NaN for warm-up. */
	write(out: Float64Array, at: number, forming?: Bar): void {
		const v = forming === undefined ? this.value : this.peek(forming);
		this.fill(out, at, v);
	}

	/** Number of columns `write` fills. */
	get width(): number {
		return this.outputs.length === 0 ? 1 : this.outputs.length;
	}

	/** Column names: "sma_20", or "macd_12_26_9.signal" for multi-output indicators. */
	get columns(): string[] {
		const base = [this.kind, ...this.params].join("_");
		return this.outputs.length === 0 ? [base] : this.outputs.map((o) => `${base}.${o}`);
	}

	toJSON(): IndicatorState {
		return { kind: this.kind, params: [...this.params], count: this.#count, state: this.save() };
	}

	/** Loads state produced by toJSON of an indicator with the same kind and params. */
	load(s: IndicatorState): this {
		if (s.kind !== this.kind || s.params.join() !== this.params.join()) {
			throw new TypeError(`state is for ${s.kind}(${s.params.join()}), not ${this.kind}(${this.params.join()})`);
		}
		this.#count = s.count;
		this.restore(s.state);
		return this;
	}

	protected abstract commit(bar: Bar): void;
	protected abstract preview(bar: Bar): V | null;
	protected abstract fill(out: Float64Array, at: number, v: V | null): void;
	protected abstract save(): unknown;
	protected abstract restore(state: unknown): void;
}

/** Base for single-valued indicators: values are plain numbers, NaN internally during warm-up. */
export abstract class ScalarIndicator extends Indicator<number> {
	readonly outputs: readonly string[] = [];

	protected fill(out: Float64Array, at: number, v: number | null): void {
		out[at] = v ?? NaN;
	}
}

/** NaN (the cores' warm-up marker) to null, the public one. */
export function orNull(x: number): number | null {
	return Number.isNaN(x) ? null : x;
}
