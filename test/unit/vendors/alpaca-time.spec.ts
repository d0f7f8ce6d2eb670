import { expect } from "chai";
import fc from "fast-check";
import { parseAlpacaTime } from "../../../lib/vendors/alpaca-stream.ts";

/** What parseAlpacaTime gave before it read the usual form by position. */
const reference = (t: unknown) => (typeof t === "string" ? Date.parse(t.replace(/(\.\d{3})\d+/, "$1")) : NaN);
const pad = (n: number, w: number) => String(n).padStart(w, "0");

describe("lib/vendors/alpaca-stream: parseAlpacaTime", () => {
	it("gives Date.parse's time for Alpaca's RFC 3339 times and anything near them (fast-check)", () => {
		const num = (max: number, w: number) => fc.integer({ min: 0, max }).map(n => pad(n, w));
		const time = fc
			.tuple(
				num(9999, 4),
				num(13, 2),
				num(32, 2),
				num(25, 2),
				num(61, 2),
				num(61, 2),
				fc.string({ unit: fc.constantFrom("0", "1", "5", "9", "a", ".", " "), maxLength: 10 }),
				fc.constantFrom("Z", "z", "+00:00", "", "Z "),
				fc.constantFrom("T", "t", " "),
				fc.constantFrom(".", ",", ""),
			)
			.map(([y, mo, d, h, mi, s, frac, zone, sep, dot]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac === "" ? "" : dot + frac}${zone}`);
		const anything = fc.oneof(
			time,
			fc.string({ maxLength: 40 }),
			fc.constantFrom("2024-02-29T23:59:59.999999999Z", "2023-02-29T10:00:00Z", "2021-02-22T15:51:44.2Z", "2021-02-22T15:51:44.20Z", "2021-02-22T15:51:44.208Z", "2021-02-22T24:00:00Z", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z"),
		);
		fc.assert(
			fc.property(anything, t => {
				expect(parseAlpacaTime(t), t).to.deep.equal(reference(t));
			}),
			{ numRuns: 20_000 },
		);
	});

	it("reads consecutive times across a day's end with the day kept", () => {
		const times = ["2021-02-22T23:59:59.999999Z", "2021-02-23T00:00:00.000001Z", "2021-02-22T12:00:00Z", "2021-02-23T00:00:01Z"];
		for (const t of times) expect(parseAlpacaTime(t)).to.equal(reference(t));
		expect(Number.isNaN(parseAlpacaTime(5))).to.equal(true);
	});
});
