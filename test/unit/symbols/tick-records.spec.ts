/** The objects a symbol actor makes per tick: one wire message (toTickMessage) serves as the sequenced tick too. */
import { expect } from "chai";
import fc from "fast-check";
import { withSeq } from "../../../lib/symbols/tick-records.ts";
import { WIRE_VERSION, toTickMessage } from "../../../lib/protocol/wire.ts";
import type { Tick } from "../../../lib/protocol/tick.ts";

describe("symbols: tick records", () => {
	it("toTickMessage(t, seq) is the sequenced tick with `v`, in the wire's key order, and leaves the tick as it was", () => {
		const tick = fc.record(
			{
				symbol: fc.constantFrom("AAPL", "BRK.B"),
				price: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
				size: fc.nat(),
				ts: fc.nat(),
				bid: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
				ask: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
				id: fc.string({ minLength: 1, maxLength: 8 }),
			},
			{ requiredKeys: ["symbol", "price", "size", "ts"] },
		);
		fc.assert(
			fc.property(tick, fc.nat(), (t: Tick, seq) => {
				const before = JSON.stringify(t);
				// The wire's order: v, seq, ts, symbol, price, size, then bid, ask, id when given.
				const { symbol, price, size, ts, bid, ask, id } = withSeq(t, seq);
				const want = JSON.parse(JSON.stringify({ v: WIRE_VERSION, seq, ts, symbol, price, size, bid, ask, id }));
				const got = toTickMessage(t, seq);
				expect(got).to.deep.equal(want);
				expect(Object.keys(got)).to.deep.equal(Object.keys(want));
				expect(JSON.stringify(t)).to.equal(before);
			}),
		);
	});
});
