import { expect } from "chai";
import { TIMEFRAMES, bucketStart, dailySession, isTimeframe, utcDays } from "../../../lib/bars/timeframes.ts";

const at = (iso: string) => Date.parse(iso);

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

	it("refuses malformed session times and unknown timeframes", () => {
		expect(() => dailySession("9:3", "16:00")).to.throw(RangeError);
		expect(() => dailySession("24:00", "16:00")).to.throw(RangeError);
		expect(isTimeframe("5m")).to.equal(true);
		expect(isTimeframe("2m")).to.equal(false);
	});
});
