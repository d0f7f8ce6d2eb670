import { expect } from "chai";
import { checkTick, checkTickBatch, isFieldErrors, MAX_BATCH } from "../../../lib/protocol/tick.ts";
import type { FieldError } from "../../../lib/protocol/errors.ts";

const NOW = Date.UTC(2026, 10, 28, 12);
const opts = { maxFutureMs: 60_000, now: () => NOW };
const good = { symbol: "AAPL", price: 190.5, size: 100, ts: NOW - 1000 };
const fields = (r: unknown) => (r as FieldError[]).map(e => e.field);

describe("lib/protocol/tick", () => {
	it("accepts a good tick and normalises an ISO ts to epoch ms", () => {
		expect(checkTick(good, opts)).to.deep.equal(good);
		expect(checkTick({ ...good, ts: "2026-11-28T11:59:00.500Z", bid: 190.4, ask: 190.6, id: 77 }, opts)).to.deep.equal({
			...good,
			ts: Date.UTC(2026, 10, 28, 11, 59, 0, 500),
			bid: 190.4,
			ask: 190.6,
			id: "77",
		});
		expect(checkTick({ ...good, symbol: "BRK.B" }, opts)).to.not.satisfy(isFieldErrors);
		expect(checkTick({ ...good, symbol: "BTC/USD" }, opts)).to.not.satisfy(isFieldErrors);
		expect(checkTick({ ...good, size: 0 }, opts)).to.not.satisfy(isFieldErrors);
	});

	const bad: Array<[string, Record<string, unknown>, string]> = [
		["unknown field", { ...good, venue: "X" }, "venue"],
		["NaN price", { ...good, price: NaN }, "price"],
		["Infinity price", { ...good, price: Infinity }, "price"],
		["negative price", { ...good, price: -1 }, "price"],
		["zero price", { ...good, price: 0 }, "price"],
		["price as string", { ...good, price: "1" }, "price"],
		["negative size", { ...good, size: -5 }, "size"],
		["Infinity size", { ...good, size: Infinity }, "size"],
		["ts far in the future", { ...good, ts: NOW + 61_000 }, "ts"],
		["ts ISO far in the future", { ...good, ts: new Date(NOW + 3_600_000).toISOString() }, "ts"],
		["ts not a date", { ...good, ts: "yesterday" }, "ts"],
		["ts ISO without zone", { ...good, ts: "2026-11-28T11:00:00" }, "ts"],
		["ts impossible date", { ...good, ts: "2026-13-45T11:00:00Z" }, "ts"],
		["symbol with a trailing newline", { ...good, symbol: "AAPL\n" }, "symbol"],
		["symbol too long", { ...good, symbol: "A".repeat(25) }, "symbol"],
		["symbol with space", { ...good, symbol: "AA PL" }, "symbol"],
		["missing symbol", { price: 1, size: 1, ts: NOW }, "symbol"],
		["bad bid", { ...good, bid: -1 }, "bid"],
		["id too long", { ...good, id: "x".repeat(65) }, "id"],
		// JSON numbers past 2^53 lose digits: 9007199254740993 would parse as ...992 and be dropped as its duplicate.
		["numeric id past 2^53", { ...good, id: 2 ** 53 + 2 }, "id"],
	];
	for (const [name, tick, field] of bad) {
		it(`refuses ${name}, naming '${field}'`, () => {
			const r = checkTick(tick, opts);
			expect(r).to.satisfy(isFieldErrors);
			expect(fields(r)).to.include(field);
		});
	}

	it("refuses a non-object", () => {
		expect(fields(checkTick("x", opts))).to.deep.equal(["tick"]);
		expect(fields(checkTick(null, opts))).to.deep.equal(["tick"]);
	});

	describe("batches", () => {
		it("accepts an array, {ticks: [...]} and a single tick", () => {
			expect(checkTickBatch([good, good], opts)).to.have.length(2);
			expect(checkTickBatch({ ticks: [good] }, opts)).to.deep.equal([good]);
			expect(checkTickBatch(good, opts)).to.deep.equal([good]);
		});

		it("is all-or-nothing and names the bad item's field with its index", () => {
			const r = checkTickBatch({ ticks: [good, { ...good, price: NaN }, good, { ...good, size: -1 }] }, opts);
			expect(r).to.satisfy(isFieldErrors);
			expect(fields(r)).to.deep.equal(["ticks[1].price", "ticks[3].size"]);
			expect(fields(checkTickBatch([good, { ...good, extra: 1 }], opts))).to.deep.equal(["[1].extra"]);
		});

		it(`refuses an empty batch and one over ${MAX_BATCH}`, () => {
			expect(fields(checkTickBatch([], opts))).to.deep.equal(["ticks"]);
			expect(fields(checkTickBatch({ ticks: Array(MAX_BATCH + 1).fill(good) }, opts))).to.deep.equal(["ticks"]);
			expect(checkTickBatch(Array(MAX_BATCH).fill(good), opts)).to.have.length(MAX_BATCH);
		});

		it("caps the number of errors reported for a huge bad batch", () => {
			const r = checkTickBatch(Array(MAX_BATCH).fill({ ...good, price: -1 }), opts) as FieldError[];
			expect(r.length).to.be.at.most(100);
		});
	});
});
