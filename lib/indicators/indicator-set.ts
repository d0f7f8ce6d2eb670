import type { Bar } from "../bars/bar.ts";
import type { IndicatorState } from "./indicator.ts";
import { type AnyIndicator, type IndicatorSpec, createIndicator, restoreIndicator } from "./registry.ts";
import { checkBar } from "./validate.ts";

/**
 * Several indicators over one bar stream, as a symbol actor keeps them per timeframe. Values land in
 * flat Float64Arrays (NaN = warm-up) aligned with `columns`, so a whole row updates without allocating.
 * Strategies on the same bars `adopt` the set's indicators; ones the set lacks join it unpublished
 * (no column), so each distinct indicator is computed and stored once per timeframe.
 */
export class IndicatorSet {
	readonly indicators: readonly AnyIndicator[];
	readonly columns: readonly string[];
	/** Values after the last committed bar. */
	readonly values: Float64Array;
	/** Values computed by the last `peek`. */
	readonly provisional: Float64Array;
	#offsets: Int32Array;
	/** Adopted indicators with no column, updated after the published ones. */
	#unpublished: AnyIndicator[] = [];

	constructor(specs: readonly (string | IndicatorSpec | AnyIndicator)[]) {
		// Indicator instances passed in are adopted: their rows become views into `values`.
		this.indicators = specs.map((s) => (typeof s === "object" && "update" in s ? s : createIndicator(s)));
		this.columns = this.indicators.flatMap((i) => i.columns);
		const dup = this.columns.find((c, i) => this.columns.indexOf(c) !== i);
		if (dup !== undefined) throw new TypeError(`indicator column "${dup}" appears twice`);
		this.values = new Float64Array(this.columns.length).fill(NaN);
		this.provisional = new Float64Array(this.columns.length).fill(NaN);
		this.#offsets = new Int32Array(this.indicators.length);
		let at = 0;
		this.indicators.forEach((ind, i) => {
			this.#offsets[i] = at;
			// Each indicator writes straight into its slice of `values`: no copying per update.
			ind.attach(this.values.subarray(at, at + ind.width));
			at += ind.width;
		});
	}

	/** Commits a closed bar to every indicator; null when accepted, else why it was refused (nothing changed). */
	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const list = this.indicators;
		for (let i = 0; i < list.length; i++) list[i].update(bar);
		const extra = this.#unpublished;
		for (let i = 0; i < extra.length; i++) extra[i].update(bar);
		return null;
	}

	/** The member computing the same as `ind` (kind and parameters), or `ind` itself, added unpublished. */
	adopt(ind: AnyIndicator): AnyIndicator {
		const same = (x: AnyIndicator) => x.kind === ind.kind && x.params.length === ind.params.length && x.params.every((p, i) => p === ind.params[i]);
		const found = this.indicators.find(same) ?? this.#unpublished.find(same);
		if (found) return found;
		this.#unpublished.push(ind);
		return ind;
	}

	/** Fills `provisional` with the values the forming bar would give; returns the refusal reason or null. */
	peek(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const list = this.indicators;
		for (let i = 0; i < list.length; i++) list[i].write(this.provisional, this.#offsets[i], bar);
		return null;
	}

	/** Column → value (null in warm-up) for publishing; allocates, so call it per publish, not per tick. */
	snapshot(provisional = false): Record<string, number | null> {
		const src = provisional ? this.provisional : this.values;
		const out: Record<string, number | null> = {};
		this.columns.forEach((c, i) => (out[c] = Number.isNaN(src[i]) ? null : src[i]));
		return out;
	}

	/** Published members first, then adopted unpublished ones. */
	toJSON(): IndicatorState[] {
		return [...this.indicators, ...this.#unpublished].map((i) => i.toJSON());
	}

	/** `published`: how many of `states` have columns (the rest were adopted); all by default. */
	static fromJSON(states: readonly IndicatorState[], published = states.length): IndicatorSet {
		const set = new IndicatorSet(states.slice(0, published).map(restoreIndicator));
		set.#unpublished = states.slice(published).map(restoreIndicator);
		return set;
	}
}
