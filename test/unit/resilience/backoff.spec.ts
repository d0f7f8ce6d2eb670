import { expect } from "chai";
import fc from "fast-check";
import { backoffDelay } from "../../../lib/resilience/backoff.ts";

describe("lib/resilience/backoff", () => {
	const opts = { initialMs: 100, multiplier: 2, maxMs: 5000, jitter: "none" as const };

	it("grows exponentially from initialMs and stops at maxMs", () => {
		expect([0, 1, 2, 3, 5, 6, 50, 5000].map(a => backoffDelay(a, opts))).to.deep.equal([100, 200, 400, 800, 3200, 5000, 5000, 5000]);
	});

	it("full jitter is uniform in [0, the capped delay]", () => {
		expect(backoffDelay(3, { ...opts, jitter: "full", random: () => 0 })).to.equal(0);
		expect(backoffDelay(3, { ...opts, jitter: "full", random: () => 0.5 })).to.equal(400);
		fc.assert(
			fc.property(fc.nat(100), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
				const d = backoffDelay(attempt, { ...opts, jitter: "full", random: () => r });
				return d >= 0 && d <= backoffDelay(attempt, opts) && Number.isFinite(d);
			}),
		);
	});

	it("refuses a negative or fractional attempt", () => {
		expect(() => backoffDelay(-1, opts)).to.throw(RangeError);
		expect(() => backoffDelay(1.5, opts)).to.throw(RangeError);
		expect(() => backoffDelay(0, { ...opts, multiplier: 0.5 })).to.throw(RangeError);
	});
});
