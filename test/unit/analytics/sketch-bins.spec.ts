/**
 * lib/analytics/sketch-bins.ts reads DDSketch's stores directly (sketches-js 2.1.1, pinned): this
 * differential test holds it to the sketch it was made from and to the library's own wire format,
 * `toProto`/`fromProto`, on random values of both signs, zeros and wide ranges.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DDSketch } from "@datadog/sketches-js";
import { fromBins, mergeSketch, toBins } from "../../../lib/analytics/sketch-bins.ts";
import { RELATIVE_ACCURACY } from "../../../lib/analytics/metric-windows.ts";

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
// Magnitudes from 1e-6 to 1e9 (the library's protobuf decoding, the reference here, takes seconds
// for a store spanning 1e-300 to 1e9).
const tiny = fc.double({ min: 1e-6, max: 1e-3, noNaN: true });
const values = fc.array(
	fc.oneof(
		fc.double({ min: -1e9, max: 1e9, noNaN: true }).map(x => (Math.abs(x) < 1e-6 ? 0 : x)),
		fc.integer({ min: -1000, max: 1000 }),
		fc.constant(0),
		tiny,
		tiny.map(x => -x),
	),
	{ minLength: 1, maxLength: 400 },
);

function sketchOf(xs: number[]): DDSketch {
	const s = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
	for (const x of xs) s.accept(x);
	return s;
}
const viaProto = (s: DDSketch) => DDSketch.fromProto(s.toProto());
/** Through JSON too: that is how the bins travel between nodes. */
const viaBins = (s: DDSketch) => fromBins(JSON.parse(JSON.stringify(toBins(s))), RELATIVE_ACCURACY);
// Key 0 holds (0.98, 1.0] (and [-1, -0.98) on the negative side): sketches-js 2.1.1's own merge loses it.
const nearOne = fc.oneof(fc.double({ min: 0.981, max: 1, noNaN: true }), fc.double({ min: -1, max: -0.981, noNaN: true }), fc.constantFrom(1, -1, 0.5, 0.9));
const valuesNearOne = fc.array(
	fc.oneof(
		nearOne,
		fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(x => (Math.abs(x) < 1e-6 ? 0 : x)),
	),
	{ minLength: 1, maxLength: 200 },
);
const answers = (s: DDSketch) => ({ count: s.count, zero: s.zeroCount, q: QUANTILES.map(q => s.getValueAtQuantile(q)) });

describe("lib/analytics/sketch-bins: a DDSketch as its bins, against the library's protobuf", () => {
	it("gives back the sketch sent (count, zeros, every quantile exactly), as fromProto(toProto()) does up to its mapping's rounding", () => {
		fc.assert(
			fc.property(values, xs => {
				const s = sketchOf(xs);
				const got = answers(viaBins(s));
				expect(got).to.deep.equal(answers(s));
				// The protobuf carries the mapping's gamma, rebuilt with a last-bit difference.
				const proto = answers(viaProto(s));
				expect(got.count).to.equal(proto.count);
				expect(got.zero).to.equal(proto.zero);
				got.q.forEach((v, i) => expect(v).to.be.closeTo(proto.q[i], Math.abs(proto.q[i]) * 1e-9));
			}),
			{ numRuns: 300 },
		);
	});

	it("merges exactly: as one sketch that saw every value, negative values and values near ±1 included", () => {
		fc.assert(
			fc.property(valuesNearOne, valuesNearOne, valuesNearOne, (a, b, c) => {
				// The truth: one sketch that saw every value. Merging is exact, so both must equal it.
				const truth = answers(sketchOf([...a, ...b, ...c]));
				const direct = sketchOf([]);
				for (const xs of [a, b, c]) mergeSketch(direct, sketchOf(xs));
				const shipped = sketchOf([]);
				for (const xs of [a, b, c]) mergeSketch(shipped, viaBins(sketchOf(xs)));
				expect(answers(direct)).to.deep.equal(truth);
				expect(answers(shipped)).to.deep.equal(truth);
			}),
			{ numRuns: 200 },
		);
	});

	it("ships a merged sketch whole (a window's buckets merged, as export sends them), values near ±1 included", () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.array(
						fc.oneof(
							nearOne,
							fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(x => (Math.abs(x) < 1e-6 ? 0 : x)),
						),
						{ minLength: 1, maxLength: 50 },
					),
					{ minLength: 1, maxLength: 6 },
				),
				buckets => {
					const merged = sketchOf([]);
					for (const xs of buckets) mergeSketch(merged, sketchOf(xs));
					const got = viaBins(merged);
					expect(got.count).to.equal(buckets.flat().length);
					expect(answers(got)).to.deep.equal(answers(merged));
					expect(answers(got)).to.deep.equal(answers(sketchOf(buckets.flat())));
				},
			),
			{ numRuns: 300 },
		);
		// The reviewer's case: 0.5, 0.6 in one bucket; 0.9 and three 1.0s in another.
		const merged = sketchOf([]);
		for (const xs of [
			[0.5, 0.6],
			[0.9, 1, 1, 1],
		])
			mergeSketch(merged, sketchOf(xs));
		expect(viaBins(merged).getValueAtQuantile(0.99)).to.equal(merged.getValueAtQuantile(0.99)).and.to.be.above(0.98);
	});

	it("grows a merged or shipped store once to the whole range, not key by key (a wide window stays cheap)", () => {
		// 400 values from 1e-60 to 1e60: ~14,000 keys apart (a client may POST any finite number).
		const wide = sketchOf(Array.from({ length: 400 }, (_, i) => 10 ** (-60 + (120 * i) / 399) * (i % 2 ? 1 : -1)));
		for (const ship of [
			(s: DDSketch) => {
				const into = sketchOf([]);
				mergeSketch(into, s);
				return into;
			},
			viaBins,
		]) {
			const grows: number[] = [];
			const spy = (store: DDSketch["store"]) => {
				const grow = (store as unknown as { _extendRange: (...a: number[]) => void })._extendRange.bind(store);
				(store as unknown as { _extendRange: (...a: number[]) => void })._extendRange = (...a) => (grows.push(1), grow(...a));
			};
			const target = sketchOf([]);
			spy(target.store);
			spy(target.negativeStore);
			mergeSketch(target, ship(wide));
			expect(grows.length, "store growths of the target").to.be.at.most(4);
			expect(answers(target)).to.deep.equal(answers(wide));
		}
	});

	it("refuses to merge a sketch of another mapping", () => {
		expect(() =>
			mergeSketch(
				sketchOf([1, 2]),
				(() => {
					const s = new DDSketch({ relativeAccuracy: 0.02 });
					s.accept(3);
					return s;
				})(),
			),
		).to.throw(/different mappings/);
	});

	it("carries an empty sketch and one of zeros only", () => {
		for (const xs of [[], [0, 0, 0]]) {
			const s = sketchOf(xs);
			const back = viaBins(s);
			expect(back.count).to.equal(xs.length);
			expect(back.zeroCount).to.equal(xs.length);
			expect(toBins(s)).to.deep.include({ pos: null, neg: null });
		}
	});
});
