import { expect } from "chai";
import fc from "fast-check";
import { isoTimeFormatter } from "../../../lib/workers/iso-time.ts";

const isoTime = isoTimeFormatter();

/** What toISOString gives, or the error it throws. */
const reference = (t: number) => {
	try {
		return new Date(t).toISOString();
	} catch (err) {
		return (err as Error).name;
	}
};
const ours = (t: number) => {
	try {
		return isoTime(t);
	} catch (err) {
		return (err as Error).name;
	}
};

describe("lib/workers/iso-time", () => {
	it("writes what toISOString writes, for any time (fast-check)", () => {
		const times = fc.oneof(
			fc.integer({ min: 0, max: 253_402_300_799_999 }),
			fc.integer({ min: -8.64e15, max: 8.64e15 }),
			fc.double({ min: -1e16, max: 1e16 }),
			fc.constantFrom(0, -1, 0.5, -0.5, 86_399_999.9, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, 8.64e15 + 1, NaN, Infinity, -Infinity, -0),
		);
		fc.assert(
			fc.property(times, t => {
				expect(ours(t), String(t)).to.equal(reference(t));
			}),
			{ numRuns: 20_000 },
		);
	});

	it("writes runs of nearby times, forward and back, across seconds, days and years (fast-check)", () => {
		// A fresh formatter per run: each step hits or misses the cached second and day.
		const DAY = 86_400_000;
		const start = fc.oneof(
			fc.integer({ min: 0, max: 253_402_300_790_000 }),
			fc.integer({ min: 1, max: 2_932_000 }).map(d => d * DAY),
			fc.constantFrom(Date.UTC(1999, 11, 31, 23, 59, 59, 500), Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
		);
		fc.assert(
			// Steps of 0 and of less than a millisecond: the same millisecond again (the last text kept).
			fc.property(start, fc.array(fc.oneof(fc.integer({ min: -2500, max: 2500 }), fc.constant(0), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 60 }), (from, steps) => {
				const isoTimeOfRun = isoTimeFormatter();
				let t = from;
				for (const step of steps) {
					t = Math.min(253_402_300_799_999, Math.max(0, t + step));
					expect(isoTimeOfRun(t), String(t)).to.equal(new Date(t).toISOString());
				}
			}),
			{ numRuns: 3000 },
		);
	});

	it("writes times that follow one another within a day and across days and years", () => {
		// Consecutive calls use the cached day; each crossing makes a new one.
		for (let t = Date.UTC(1999, 11, 31, 23, 59, 59, 990); t < Date.UTC(2000, 0, 1, 0, 0, 0, 10); t++) expect(isoTime(t)).to.equal(new Date(t).toISOString());
		for (const t of [Date.UTC(2024, 1, 29, 12), Date.UTC(2024, 1, 29, 12), Date.UTC(1970, 0, 1), Date.UTC(2024, 1, 29, 12, 0, 0, 1)]) expect(isoTime(t)).to.equal(new Date(t).toISOString());
	});
});
