/**
 * The one place that depends on how @datadog/sketches-js 2.1.1 (pinned) keeps a DDSketch: its two
 * DenseStores (`bins`, the first at key `offset`) and `zeroCount`. Covered
 * by test/unit/analytics/sketch-bins.spec.ts against the library's own protobuf round trip.
 *
 * Why: a cluster node sends a window's merged sketch to the node publishing that metric once a
 * second, for every metric and window. As protobuf (`toProto`/`fromProto`, via protobufjs) that
 * cost ~60 µs a sketch each way, 10–20 ms a second for ten metrics on a node, in one stretch that
 * delayed every tick and event behind it; as the counts of the used bins it is a slice out and one
 * `add` per bin in.
 */
import { DDSketch } from "@datadog/sketches-js";

/** A sketch as plain JSON: the zero count and, per sign, the first used key and the counts from it. */
export interface SketchBins {
	zero: number;
	pos: StoreBins | null;
	neg: StoreBins | null;
}
export interface StoreBins {
	minKey: number;
	counts: number[];
}

type Store = DDSketch["store"];

/**
 * The used bins, found from the counts themselves: after a merge, 2.1.1's `minKey`/`maxKey` can
 * miss a bin (`_extendRange` takes a second key of 0 as absent), while the count is in `bins`.
 */
function storeBins(s: Store): StoreBins | null {
	const used = s.count === 0 ? null : usedRange(s.bins);
	return used && { minKey: used[0] + s.offset, counts: s.bins.slice(used[0], used[1] + 1) };
}

function addBins(into: Store, b: StoreBins | null): void {
	if (b === null) return;
	const used = usedRange(b.counts);
	if (used) addRange(into, b.minKey + used[0], b.minKey + used[1], key => b.counts[key - b.minKey]);
}

/** The first and last index holding a count, or null when none does. */
function usedRange(counts: readonly number[]): [number, number] | null {
	let first = 0;
	while (first < counts.length && !(counts[first] > 0)) first++;
	if (first === counts.length) return null;
	let last = counts.length - 1;
	while (!(counts[last] > 0)) last--;
	return [first, last];
}

/**
 * `into.add(key, count(key))` for each key in [lo, hi] with a count, the store grown to the whole
 * range first: key by key upwards, a store grows and re-centres every ~64 keys (O(range²); a window
 * of values from 1e-300 to 1e300 took 2.5 s to merge).
 */
function addRange(into: Store, lo: number, hi: number, count: (key: number) => number): void {
	into.add(lo, 0);
	into.add(hi, 0);
	for (let key = lo; key <= hi; key++) {
		const c = count(key);
		if (c > 0) into.add(key, c);
	}
}

export function toBins(sketch: DDSketch): SketchBins {
	return { zero: sketch.zeroCount, pos: storeBins(sketch.store), neg: storeBins(sketch.negativeStore) };
}

/** A sketch of `relativeAccuracy` (the sender's: it must be the same) holding the bins. min/max/sum are not carried (as with `fromProto`). */
export function fromBins(bins: SketchBins, relativeAccuracy: number): DDSketch {
	const sketch = new DDSketch({ relativeAccuracy });
	addBins(sketch.store, bins.pos);
	addBins(sketch.negativeStore, bins.neg);
	sketch.zeroCount = bins.zero;
	sketch.count = sketch.store.count + sketch.negativeStore.count + bins.zero;
	return sketch;
}

/**
 * `into` += `from`, bin by bin through the stores' public `add`. Not `DDSketch.merge`: in 2.1.1 it
 * merges only the positive store into a non-empty sketch, and a store's merge that must grow up
 * to key 0 (values in (0.98, 1] or [-1, -0.98)) does not (`_extendRange` reads a second key of 0
 * as absent), so those counts fell outside the merged store and were lost (a 24 h window of values
 * in [-1, 1] lost 7 of 1,415 and answered p50 = 1 after the cross-node combine).
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
	// The library's merge refused sketches of another mapping; so does this (their keys mean other values).
	const a = into.mapping as unknown as { gamma: number; _offset?: number };
	const b = from.mapping as unknown as { gamma: number; _offset?: number };
	if (Math.abs(a.gamma - b.gamma) > 1e-12 * a.gamma || (a._offset ?? 0) !== (b._offset ?? 0)) throw new Error(`sketches of different mappings (gamma ${a.gamma} and ${b.gamma}) cannot be merged`);
	addBins(into.store, binsOf(from.store));
	addBins(into.negativeStore, binsOf(from.negativeStore));
	into.zeroCount += from.zeroCount;
	into.count = into.store.count + into.negativeStore.count + into.zeroCount;
	into.sum += from.sum;
	if (from.min < into.min) into.min = from.min;
	if (from.max > into.max) into.max = from.max;
}

/** A store's bins as they are (not trimmed, not copied), for `addBins`. */
function binsOf(s: Store): StoreBins | null {
	return s.count === 0 ? null : { minKey: s.offset, counts: s.bins };
}
