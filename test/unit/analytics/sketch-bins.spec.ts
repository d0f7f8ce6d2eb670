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

	it("merges as the originals merge, negative values included", () => {
		fc.assert(
			fc.property(values, values, values, (a, b, c) => {
				const direct = sketchOf([]);
				for (const xs of [a, b, c]) mergeSketch(direct, sketchOf(xs));
				const shipped = sketchOf([]);
				for (const xs of [a, b, c]) mergeSketch(shipped, viaBins(sketchOf(xs)));
				expect(answers(shipped)).to.deep.equal(answers(direct));
				expect(shipped.count).to.equal(a.length + b.length + c.length);
			}),
			{ numRuns: 200 },
		);
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
