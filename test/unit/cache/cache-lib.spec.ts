import { expect } from "chai";
import fc from "fast-check";
import { decodeEntry, encodeEntry } from "../../../lib/cache/codec.ts";
import { HotSymbols, hottest } from "../../../lib/cache/hot-symbols.ts";

describe("lib/cache/codec", () => {
	it("round-trips any JSON value, compressed or not", () => {
		fc.assert(
			fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 200 }), (v, above) => {
				const e = encodeEntry(v, above);
				expect(decodeEntry(e.buffer)).to.deep.equal({ value: JSON.parse(JSON.stringify(v)), jsonBytes: e.jsonBytes });
			}),
		);
	});

	it("compresses only above the threshold, and only when it saves bytes", () => {
		const big = { rows: Array.from({ length: 200 }, (_, i) => ({ symbol: "AAPL", i })) };
		const z = encodeEntry(big, 1024);
		expect(z.compressed).to.equal(true);
		expect(z.buffer.length).to.be.lessThan(z.jsonBytes / 3);
		expect(encodeEntry(big, 1e9).compressed).to.equal(false);
		expect(encodeEntry("x".repeat(10), 0).compressed, "gzip of 12 bytes is larger").to.equal(false);
		expect(() => decodeEntry(Buffer.of(9, 1, 2))).to.throw(/unknown format 9/);
	});
});

describe("lib/cache/hot-symbols", () => {
	it("ranks the most requested symbols, summed over nodes", () => {
		const h = new HotSymbols();
		h.record(["AAPL", "MSFT"]);
		h.record(["AAPL"]);
		h.record(["TSLA"]);
		expect(h.top(2)).to.deep.equal([
			["AAPL", 2],
			["MSFT", 1],
		]);
		expect(hottest([h.top(10), [["TSLA", 5]], "junk" as never], 2)).to.deep.equal(["TSLA", "AAPL"]);
	});

	it("stays bounded: past maxTracked the least counted half is dropped", () => {
		const h = new HotSymbols(10);
		for (let i = 0; i < 5; i++) h.record(["HOT"]);
		for (let i = 0; i < 20; i++) h.record([`S${i}`]);
		expect(h.top(100).length).to.be.at.most(10);
		expect(h.top(1)).to.deep.equal([["HOT", 5]]);
	});
});
