import { expect } from "chai";
import fc from "fast-check";
import { TIMEFRAMES, bucketStart, dailySession, isTimeframe, utcDays } from "../../../lib/bars/timeframes.ts";

const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;
/** The session formulas' own modulo, which the kept day must agree with to the bit. */
const mod = (a: number, m: number) => ((a % m) + m) % m;
const show = (ts: number) => (Object.is(ts, -0) ? "-0" : String(ts));

describe("timeframes and sessions", () => {
	it("buckets every timeframe at UTC boundaries by default", () => {
		const ts = at("2024-03-04T13:47:31.250Z");
		const starts = TIMEFRAMES.map(tf => new Date(bucketStart(ts, tf, utcDays)).toISOString());
		expect(starts).to.deep.equal(["2024-03-04T13:47:31.000Z", "2024-03-04T13:47:00.000Z", "2024-03-04T13:45:00.000Z", "2024-03-04T13:45:00.000Z", "2024-03-04T13:00:00.000Z", "2024-03-04T00:00:00.000Z"]);
		expect(bucketStart(-1, "1d", utcDays)).to.equal(-86_400_000); // before 1970 still floors
	});

	it("a session that wraps past midnight owns both sides of it", () => {
		const s = dailySession("22:00", "06:00");
		expect(s.isOpen(at("2024-03-04T23:30:00Z"))).to.equal(true);
		expect(s.isOpen(at("2024-03-05T05:59:59Z"))).to.equal(true);
		expect(s.isOpen(at("2024-03-05T06:00:00Z"))).to.equal(false);
		expect(s.isOpen(at("2024-03-05T12:00:00Z"))).to.equal(false);
		expect(bucketStart(at("2024-03-05T03:10:00Z"), "1d", s)).to.equal(at("2024-03-04T22:00:00Z"));
		expect(bucketStart(at("2024-03-05T03:10:00Z"), "1h", s)).to.equal(at("2024-03-05T03:00:00Z"));
	});

	it("keeps the last session day found and answers as the formula does, to the bit, in any order of times", () => {
		const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
		// Around session starts (the kept day's edges), whole and fractional ms, before 1970, past 2^53.
		const anyTime = fc.oneof(
			fc.integer({ min: -4 * DAY, max: 4 * DAY }),
			fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
			fc.double({ min: -1e13, max: 1e13, noNaN: true }),
			fc.double({ min: 2 ** 52, max: 2 ** 60, noNaN: true }),
			fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
		);
		const edge = (o: number) => fc.tuple(fc.integer({ min: 19_000, max: 19_002 }), fc.constantFrom(-1, 0, 1, DAY - 1, DAY, DAY + 1, 0.5, -0.5)).map(([d, at]) => d * DAY + o + at);
		const sessions = fc.integer({ min: 0, max: 1439 }).chain(open => fc.tuple(fc.constant(open), fc.integer({ min: 0, max: 1439 }), fc.array(fc.oneof(anyTime, edge(open * 60_000), edge(0)), { maxLength: 60 })));
		fc.assert(
			fc.property(sessions, ([open, close, times]) => {
				const s = dailySession(hhmm(open), hhmm(close));
				const o = open * 60_000;
				const length = mod(close * 60_000 - o, DAY) || DAY;
				for (const ts of times) {
					expect(Object.is(s.startOf(ts), ts - mod(ts - o, DAY)), `startOf(${show(ts)})`).to.equal(true);
					expect(s.isOpen(ts), `isOpen(${show(ts)})`).to.equal(mod(ts - o, DAY) < length);
					expect(Object.is(utcDays.startOf(ts), ts - mod(ts, DAY)), `utc startOf(${show(ts)})`).to.equal(true);
				}
			}),
			{ numRuns: 2000 },
		);
	});

	it("answers -0 and +0 as the formula does, whichever the kept day came from", () => {
		for (const order of [
			[-0, 5],
			[5, -0],
		]) {
			const s = dailySession("00:00", "12:00");
			for (const ts of order) {
				expect(Object.is(s.startOf(ts), ts - mod(ts, DAY)), `startOf(${show(ts)})`).to.equal(true);
				expect(Object.is(utcDays.startOf(ts), ts - mod(ts, DAY)), `utc startOf(${show(ts)})`).to.equal(true);
			}
		}
	});

	it("refuses malformed session times and unknown timeframes", () => {
		expect(() => dailySession("9:3", "16:00")).to.throw(RangeError);
		expect(() => dailySession("24:00", "16:00")).to.throw(RangeError);
		expect(isTimeframe("5m")).to.equal(true);
		expect(isTimeframe("2m")).to.equal(false);
	});
});
