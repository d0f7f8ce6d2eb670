import { expect } from "chai";
import { withTimeout } from "../../../lib/resilience/timeout.ts";
import { TimeoutError, toHttpError } from "../../../lib/protocol/errors.ts";

describe("lib/resilience/timeout", () => {
	it("passes the value through when in time", async () => {
		expect(await withTimeout(Promise.resolve(3), 1000, "x")).to.equal(3);
		expect(await withTimeout(async signal => (signal.aborted ? 0 : 4), 1000, "x")).to.equal(4);
	});

	it("passes the call's own error through", async () => {
		const err = await withTimeout(Promise.reject(new Error("own")), 1000, "x").catch(e => e);
		expect(err.message).to.equal("own");
		const thrown = await withTimeout<number>(
			() => {
				throw new Error("sync");
			},
			1000,
			"x",
		).catch(e => e);
		expect(thrown.message).to.equal("sync");
	});

	it("rejects with a retryable 504 TimeoutError and aborts the signal when the time is up", async () => {
		let seen: AbortSignal | null = null;
		const err = await withTimeout(signal => ((seen = signal), new Promise<number>(() => {})), 20, "agents.slow").catch(e => e);
		expect(err).to.be.instanceOf(TimeoutError);
		expect(err.message).to.equal("agents.slow did not answer within 20 ms");
		expect(err.retryable).to.equal(true);
		expect(seen!.aborted).to.equal(true);
		expect(seen!.reason).to.equal(err);
		expect(toHttpError(err)).to.deep.include({ status: 504 });
		expect(toHttpError(err).body.error.code).to.equal("GATEWAY_TIMEOUT");
	});
});
