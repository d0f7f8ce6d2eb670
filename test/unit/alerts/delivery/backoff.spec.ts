import { expect } from "chai";
import { retriesExhausted, retryDelayMs } from "../../../../lib/alerts/delivery/backoff.ts";

const s = { retryInitialMs: 1000, retryMultiplier: 2, retryMaxMs: 10_000, retryForMs: 60_000, maxAttempts: 5 };

describe("lib/alerts/delivery/backoff", () => {
	it("doubles the nominal delay up to the cap, half of it random", () => {
		expect([1, 2, 3, 4, 5, 6].map(a => retryDelayMs(a, s, 0))).to.deep.equal([500, 1000, 2000, 4000, 5000, 5000]);
		expect([1, 2, 3, 4, 5, 6].map(a => retryDelayMs(a, s, 0.999_999))).to.deep.equal([1000, 2000, 4000, 8000, 10_000, 10_000]);
		expect(retryDelayMs(3, s, 0.5)).to.equal(3000);
	});

	it("gives up after maxAttempts or when the next attempt would start past retryForMs", () => {
		expect(retriesExhausted(4, 0, 1000, s)).to.equal(false);
		expect(retriesExhausted(5, 0, 1000, s)).to.equal(true);
		expect(retriesExhausted(1, 0, 60_000, s)).to.equal(false);
		expect(retriesExhausted(1, 0, 60_001, s)).to.equal(true);
	});
});
