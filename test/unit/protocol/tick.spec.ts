import { expect } from "chai";
import fc from "fast-check";
import { checkTick, checkTickBatch, checkTickByValidator, isFieldErrors, MAX_BATCH, normalizeSymbol, PRICE_MAX, PRICE_MIN, SIZE_MAX } from "../../../lib/protocol/tick.ts";
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

	it("reads an optional field sent as null as absent (an id of null is no id)", () => {
		expect(checkTick({ ...good, bid: null, ask: null, id: null }, opts)).to.deep.equal(good);
		expect(checkTick({ ...good, ts: new Date(good.ts).toISOString(), id: null }, opts)).to.deep.equal(good);
	});

	it("takes the usual tick without the validator, and upper-cases a symbol the validator cannot write back", () => {
		// The validator writes the upper-cased symbol into its input: an input left as it was took the fast path.
		const raw = { ...good, symbol: "aapl", id: "v:1" };
		expect(checkTick(raw, opts)).to.deep.equal({ ...good, id: "v:1" });
		expect(raw.symbol).to.equal("aapl");
		const viaValidator = { ...good, symbol: "aapl", id: 7 };
		expect(checkTick(viaValidator, opts)).to.deep.equal({ ...good, id: "7" });
		expect(viaValidator.symbol).to.equal("AAPL");
		expect(checkTickByValidator(Object.freeze({ ...good, symbol: "aapl" }), opts)).to.deep.equal(good);
	});

	it("answers what the validator alone answers, for the usual ticks and every near miss (fast-check)", () => {
		// Values at and around each bound, of every JSON type, so both paths see each edge.
		const number = fc.oneof(
			fc.constantFrom(0, -0, -1, 1, 0.5, PRICE_MIN, PRICE_MIN / 2, PRICE_MAX, PRICE_MAX * 1.0000001, SIZE_MAX, SIZE_MAX * 2, NaN, Infinity, -Infinity, NOW, NOW + 60_000, NOW + 60_001, Number.MAX_SAFE_INTEGER, 2 ** 53),
			fc.double({ min: -1e16, max: 1e16 }),
			fc.integer({ min: NOW - 1e9, max: NOW + 1e6 }),
		);
		const value = fc.oneof(
			number,
			fc.constantFrom(null, undefined, true, "", "1", "AAPL", "aapl", "AAPL\n", "A".repeat(24), "A".repeat(25), "x".repeat(64), "x".repeat(65), "2026-11-28T11:59:00.500Z", "2026-13-45T11:00:00Z"),
			fc.string({ maxLength: 70 }),
			fc.constant([]),
			fc.constant({}),
		);
		const key = fc.constantFrom("symbol", "price", "size", "ts", "bid", "ask", "id", "venue", "__proto__", "seq");
		const usual = fc.record(
			{
				symbol: fc.constantFrom("AAPL", "brk.b", "BTC/USD", "A".repeat(24)),
				price: fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }),
				size: fc.double({ min: 0, max: SIZE_MAX, noNaN: true }),
				ts: fc.integer({ min: 1, max: NOW + 120_000 }),
				bid: fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }),
				ask: fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }),
				id: fc.string({ minLength: 1, maxLength: 64 }),
			},
			{ requiredKeys: ["symbol", "price", "size", "ts"] },
		);
		// The usual tick, with up to three fields changed to any value (or added, or removed).
		const tick = fc.tuple(usual, fc.array(fc.tuple(key, fc.option(value, { nil: undefined }), fc.boolean()), { maxLength: 3 })).map(([t, edits]) => {
			const out: Record<string, unknown> = JSON.parse(JSON.stringify(t));
			for (const [k, v, remove] of edits) {
				if (remove) delete out[k];
				else Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
			}
			return out;
		});
		fc.assert(
			fc.property(tick, raw => {
				// Each path gets its own object: the validator writes the upper-cased symbol back.
				const copy = { ...raw };
				expect(checkTick(raw, opts, "t."), JSON.stringify(raw)).to.deep.equal(checkTickByValidator(copy, opts, "t."));
			}),
			{ numRuns: 20_000 },
		);
	});

	it("answers a handed-over tick already in the accepted form as itself, and any other as a copy would be (fast-check)", () => {
		const order = ["symbol", "price", "size", "ts", "bid", "ask", "id"];
		const tick = fc
			.tuple(
				fc.record(
					{
						symbol: fc.constantFrom("AAPL", "brk.b", "BTC/USD", "", 7),
						price: fc.oneof(fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }), fc.constantFrom(0, -1, NaN)),
						size: fc.double({ min: 0, max: SIZE_MAX, noNaN: true }),
						ts: fc.oneof(fc.integer({ min: 1, max: NOW + 120_000 }), fc.constantFrom(NOW + 120_001, 1.5, "2026-11-28T11:59:00.500Z")),
						bid: fc.oneof(fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }), fc.constantFrom(0, null)),
						ask: fc.double({ min: PRICE_MIN, max: PRICE_MAX, noNaN: true }),
						id: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom("", "x".repeat(65), 12)),
					},
					{ requiredKeys: ["symbol", "price", "size", "ts"] },
				),
				fc.boolean(),
			)
			.map(([t, shuffled]) => {
				const keys = Object.keys(t).sort((a, b) => order.indexOf(a) - order.indexOf(b));
				if (shuffled) keys.reverse();
				return Object.fromEntries(keys.map(k => [k, (t as Record<string, unknown>)[k]]));
			});
		const handedOver = { ...opts, handedOver: true };
		let itself = 0;
		let copied = 0;
		fc.assert(
			fc.property(tick, raw => {
				const want = checkTick({ ...raw }, opts);
				const got = checkTick(raw, handedOver);
				expect(got, JSON.stringify(raw)).to.deep.equal(want);
				expect(JSON.stringify(got)).to.equal(JSON.stringify(want));
				if ((got as unknown) === raw) itself++;
				else if (!Array.isArray(got)) copied++;
			}),
			{ numRuns: 5000 },
		);
		// Both answers were given: the tick itself, and a copy (another key order, a symbol to upper-case).
		expect(itself).to.be.greaterThan(40);
		expect(copied).to.be.greaterThan(40);
		const body = [{ symbol: "AAPL", price: 1, size: 2, ts: NOW, id: "a1" }];
		expect((checkTickBatch(body, handedOver) as unknown[])[0]).to.equal(body[0]);
		expect((checkTickBatch(body, opts) as unknown[])[0]).to.not.equal(body[0]);
	});

	it("normalizeSymbol: the string itself when already upper case, else its upper case, null when not a symbol", () => {
		// Its definition: ASCII letters, digits and . : / -, 1-24 of them, upper-cased.
		const reference = (s: string) => (/^[A-Za-z0-9.:/-]{1,24}$/.test(s) ? s.toUpperCase() : null);
		const char = fc.constantFrom(..."AZaz09.:/-_ \n\u017f\u00e9Kk");
		fc.assert(
			fc.property(
				fc.array(char, { maxLength: 26 }).map(cs => cs.join("")),
				s => {
					expect(normalizeSymbol(s), JSON.stringify(s)).to.equal(reference(s));
				},
			),
			{ numRuns: 5000 },
		);
	});
});
