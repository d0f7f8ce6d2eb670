import type { Bar } from "../bars/bar.ts";
import { Arena } from "./arena.ts";
import type { IndicatorState } from "./indicator.ts";
import { type AnyIndicator, type IndicatorSpec, createIndicator, restoreIndicator } from "./registry.ts";
import { checkBar } from "./validate.ts";

const COLUMNS = new Map<string, readonly string[]>();

/**
 * Several indicators over one bar stream, as a symbol actor keeps them per timeframe. Everything
 * numeric lives in one `arena`: the committed values (NaN = warm-up) aligned with `columns`, then
 * each member's state, so a whole row updates without allocating and a timeframe costs one typed
 * array. Strategies on the same bars `adopt` the set's indicators (and keep their own memory in its
 * arena); ones the set lacks join it unpublished (no column), so each distinct indicator is computed
 * and stored once per timeframe. `peek` writes into one scratch row shared by every set (provisional
 * values are read right after the peek, so each symbol need not keep a row of them).
 */
let scratch = new Float64Array(16);

export class IndicatorSet {
	readonly arena: Arena;
	/** Column names aligned with `values` (shared between sets with the same indicators: do not modify). */
	readonly columns: readonly string[];
	/** Published members first, then adopted unpublished ones. */
	#members: AnyIndicator[];
	#published: number;
	#values: Float64Array | null = null;

	constructor(specs: readonly (string | IndicatorSpec | AnyIndicator)[]) {
		// Indicator instances passed in are adopted: their state moves into the set's arena.
		const members = specs.map((s) => (typeof s === "object" && "update" in s ? s : createIndicator(s)));
		const width = members.reduce((n, ind) => n + ind.width, 0);
		this.arena = new Arena(width + members.reduce((n, ind) => n + ind.arena.used - ind.width, 0));
		this.arena.alloc(width);
		let at = 0;
		for (const ind of members) {
			ind.moveTo(this.arena, at);
			at += ind.width;
		}
		this.#members = members;
		this.#published = members.length;
		this.columns = columnsOf(members);
	}

	/** The published indicators, in column order. */
	get indicators(): readonly AnyIndicator[] {
		return this.#members.slice(0, this.#published);
	}

	/** Values after the last committed bar: a view into the arena, valid until the set adopts again. */
	get values(): Float64Array {
		const f64 = this.arena.f64;
		if (this.#values === null || this.#values.buffer !== f64.buffer) this.#values = f64.subarray(0, this.columns.length);
		return this.#values;
	}

	/** Values computed by the last `peek`: a view into the shared scratch row, valid until the next peek of any set. */
	get provisional(): Float64Array {
		return scratch.subarray(0, this.columns.length);
	}

	/** Commits a closed bar to every indicator; null when accepted, else why it was refused (nothing changed). */
	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const list = this.#members;
		for (let i = 0; i < list.length; i++) list[i].update(bar);
		return null;
	}

	/**
	 * The member computing the same as `ind` (kind and parameters), or else `ind` itself, moved into
	 * the set's arena and added unpublished.
	 */
	adopt(ind: AnyIndicator): AnyIndicator {
		const params = ind.params;
		const same = (x: AnyIndicator) => x.kind === ind.kind && x.params.length === params.length && x.params.every((p, i) => p === params[i]);
		const found = this.#members.find(same);
		if (found) return found;
		this.#members.push(ind.moveTo(this.arena));
		return ind;
	}

	/** Fills `provisional` with the values the forming bar would give; returns the refusal reason or null. */
	peek(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const list = this.#members;
		if (scratch.length < this.columns.length) scratch = new Float64Array(this.columns.length);
		const out = scratch;
		let at = 0;
		for (let i = 0; i < this.#published; i++) {
			list[i].write(out, at, bar);
			at += list[i].width;
		}
		return null;
	}

	/**
	 * Column → value (null in warm-up) for publishing; allocates, so call it per publish, not per
	 * tick. `provisional`: the values of the last `peek` of this set, none having peeked since.
	 */
	snapshot(provisional = false): Record<string, number | null> {
		const columns = this.columns;
		const f64 = provisional ? scratch : this.arena.f64;
		const out: Record<string, number | null> = {};
		for (let i = 0; i < columns.length; i++) {
			const v = f64[i];
			out[columns[i]] = Number.isNaN(v) ? null : v;
		}
		return out;
	}

	/** Published members first, then adopted unpublished ones. */
	toJSON(): IndicatorState[] {
		return this.#members.map((i) => i.toJSON());
	}

	/** `published`: how many of `states` have columns (the rest were adopted); all by default. */
	static fromJSON(states: readonly IndicatorState[], published = states.length): IndicatorSet {
		const set = new IndicatorSet(states.slice(0, published).map(restoreIndicator));
		for (const s of states.slice(published)) set.#members.push(restoreIndicator(s).moveTo(set.arena));
		return set;
	}
}

/** The members' column names, one frozen array per distinct list; refuses duplicates. */
function columnsOf(members: readonly AnyIndicator[]): readonly string[] {
	const list = members.map((i) => i.columns);
	const key = list.map((c) => c[0]).join(",");
	let cols = COLUMNS.get(key);
	if (cols === undefined) {
		const flat = list.flat();
		const dup = flat.find((c, i) => flat.indexOf(c) !== i);
		if (dup !== undefined) throw new TypeError(`indicator column "${dup}" appears twice`);
		cols = Object.freeze(flat);
		COLUMNS.set(key, cols);
	}
	return cols;
}
