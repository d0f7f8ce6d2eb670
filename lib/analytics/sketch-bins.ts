/**
 * The one place that depends on how @datadog/sketches-js 2.1.1 (pinned) keeps a DDSketch: its two
 * DenseStores (`bins` from `offset`, used between `minKey` and `maxKey`) and `zeroCount`. Covered
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

function storeBins(s: Store): StoreBins | null {
	if (s.count === 0) return null;
	return { minKey: s.minKey, counts: s.bins.slice(s.minKey - s.offset, s.maxKey - s.offset + 1) };
}

function addBins(into: Store, b: StoreBins | null): void {
	if (b === null) return;
	for (let i = 0; i < b.counts.length; i++) if (b.counts[i] > 0) into.add(b.minKey + i, b.counts[i]);
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
 * `into.merge(from)`, plus the negative values: sketches-js 2.1.1 merges only the positive store
 * into a non-empty sketch (its `_copy` into an empty one takes both).
 */
export function mergeSketch(into: DDSketch, from: DDSketch): void {
	const copies = into.count === 0;
	into.merge(from);
	if (!copies && from.negativeStore.count > 0) into.negativeStore.merge(from.negativeStore);
}
