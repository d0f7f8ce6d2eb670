import type { Bar } from "../bars/bar.ts";
import { Arena } from "./arena.ts";
import type { IndicatorState } from "./indicator.ts";
import { type AnyIndicator, type IndicatorSpec, createIndicator, restoreIndicator } from "./registry.ts";
import { seriesInit, seriesSlots } from "./core/series.ts";
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

	/**
	 * `unpublished`: indicators to hold without columns (what strategies on the same bars will
	 * `adopt`), given here so the windows of recent closes and highs/lows the members share are
	 * sized for them too; ones equal to an earlier member are left out.
	 */
	constructor(specs: readonly (string | IndicatorSpec | AnyIndicator)[], unpublished: readonly AnyIndicator[] = []) {
		// Indicator instances passed in are adopted: their state moves into the set's arena.
		const published = specs.map(s => (typeof s === "object" && "update" in s ? s : createIndicator(s)));
		const members = [...published];
		for (const ind of unpublished) if (!members.some(x => sameAs(x, ind))) members.push(ind);
		const width = published.reduce((n, ind) => n + ind.width, 0);
		const closes = Math.max(0, ...members.map(ind => ind.closeWindow));
		const ranges = Math.max(0, ...members.map(ind => ind.rangeWindow));
		// Exactly what the members keep besides their windows, plus the shared windows.
		const size = width + members.reduce((n, ind, i) => n + ind.stateSlots + (i < published.length ? 0 : ind.width), 0) + (closes > 0 ? seriesSlots(closes, 1) : 0) + (ranges > 0 ? seriesSlots(ranges, 2) : 0);
		this.arena = new Arena(size);
		this.arena.alloc(width);
		if (closes > 0) {
			this.arena.closes = this.arena.alloc(seriesSlots(closes, 1));
			seriesInit(this.arena.f64, this.arena.closes, closes, 1);
			this.arena.f64[this.arena.closes + 1] = NaN; // no bar count yet: set by the first member moved in
		}
		if (ranges > 0) {
			this.arena.ranges = this.arena.alloc(seriesSlots(ranges, 2));
			seriesInit(this.arena.f64, this.arena.ranges, ranges, 2);
			this.arena.f64[this.arena.ranges + 1] = NaN;
		}
		let at = 0;
		for (let i = 0; i < members.length; i++) {
			if (i < published.length) {
				members[i].moveTo(this.arena, at);
				at += members[i].width;
			} else members[i].moveTo(this.arena);
		}
		this.#members = members;
		this.#published = published.length;
		this.columns = columnsOf(published);
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
		const found = this.#members.find(x => sameAs(x, ind));
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
		return this.#members.map(i => i.toJSON());
	}

	/** `published`: how many of `states` have columns (the rest were adopted); all by default. */
	static fromJSON(states: readonly IndicatorState[], published = states.length): IndicatorSet {
		return new IndicatorSet(states.slice(0, published).map(restoreIndicator), states.slice(published).map(restoreIndicator));
	}
}

/** Whether two indicators compute the same (kind and parameters). */
function sameAs(a: AnyIndicator, b: AnyIndicator): boolean {
	const p = a.params,
		q = b.params;
	return a.kind === b.kind && p.length === q.length && p.every((x, i) => x === q[i]);
}

/** The members' column names, one frozen array per distinct list; refuses duplicates. */
function columnsOf(members: readonly AnyIndicator[]): readonly string[] {
	const list = members.map(i => i.columns);
	const key = list.map(c => c[0]).join(",");
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
