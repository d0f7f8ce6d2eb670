/** The objects a symbol actor makes per tick: one wire message serves as the sequenced tick too. */
import { expect } from "chai";
import fc from "fast-check";
import { tickMessage, withSeq } from "../../../lib/symbols/tick-records.ts";
import { toTickMessage } from "../../../lib/protocol/wire.ts";
import type { Tick } from "../../../lib/protocol/tick.ts";

describe("symbols: tick records", () => {
	it("tickMessage gives what toTickMessage(withSeq(…)) gives, key order included, and leaves the tick as it was", () => {
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
				const want = toTickMessage(withSeq(t, seq));
				const got = tickMessage(t, seq);
				expect(got).to.deep.equal(want);
				expect(Object.keys(got)).to.deep.equal(Object.keys(want));
				expect(JSON.stringify(t)).to.equal(before);
			}),
		);
	});
});
