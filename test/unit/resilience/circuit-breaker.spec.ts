import { expect } from "chai";
import { CircuitBreaker, CircuitOpenError } from "../../../lib/resilience/circuit-breaker.ts";
import { UnavailableError } from "../../../lib/protocol/errors.ts";

describe("lib/resilience/circuit-breaker", () => {
	let t = 0;
	const now = () => t;
	const make = () => new CircuitBreaker("agents.x", { failureThreshold: 3, openMs: 1000, halfOpenMaxCalls: 1, now });
	const fail = () => Promise.reject(new Error("boom"));
	beforeEach(() => (t = 1_000_000));

	it("opens after failureThreshold consecutive failures; a success in between resets the count", async () => {
		const b = make();
		for (let i = 0; i < 2; i++) await b.exec(fail).catch(() => {});
		await b.exec(async () => 1);
		for (let i = 0; i < 2; i++) await b.exec(fail).catch(() => {});
		expect(b.state).to.equal("closed");
		await b.exec(fail).catch(() => {});
		expect(b.state).to.equal("open");
		expect(b.status()).to.deep.equal({ name: "agents.x", state: "open", consecutiveFailures: 3, openedAt: t, nextProbeAt: t + 1000, lastError: "boom" });
	});

	it("refuses calls without running them while open, with a retryable 503 CircuitOpenError", async () => {
		const b = make();
		for (let i = 0; i < 3; i++) await b.exec(fail).catch(() => {});
		let ran = false;
		const err = await b.exec(async () => (ran = true)).catch(e => e);
		expect(ran).to.equal(false);
		expect(err).to.be.instanceOf(CircuitOpenError).and.instanceOf(UnavailableError);
		expect(err.code).to.equal(503);
		expect(err.retryable).to.equal(true);
		expect(err.message).to.match(/agents\.x.*circuit breaker is open/);
	});

	it("turns half-open after openMs, lets halfOpenMaxCalls probes through, closes on success", async () => {
		const b = make();
		for (let i = 0; i < 3; i++) await b.exec(fail).catch(() => {});
		t += 999;
		expect(b.state).to.equal("open");
		t += 1;
		expect(b.state).to.equal("half-open");
		let release!: () => void;
		const probe = b.exec(() => new Promise<number>(r => (release = () => r(7))));
		expect(b.canRequest()).to.equal(false);
		await b.exec(async () => 1).catch(e => expect(e).to.be.instanceOf(CircuitOpenError));
		release();
		expect(await probe).to.equal(7);
		expect(b.state).to.equal("closed");
		expect(b.status().consecutiveFailures).to.equal(0);
	});

	it("a failed half-open probe opens it again for another openMs", async () => {
		const b = make();
		for (let i = 0; i < 3; i++) await b.exec(fail).catch(() => {});
		t += 1000;
		await b.exec(fail).catch(() => {});
		expect(b.state).to.equal("open");
		expect(b.status().nextProbeAt).to.equal(t + 1000);
	});

	it("reset closes it and clears the error", async () => {
		const b = make();
		for (let i = 0; i < 3; i++) await b.exec(fail).catch(() => {});
		b.reset();
		expect(b.status()).to.deep.include({ state: "closed", consecutiveFailures: 0, openedAt: null, lastError: null });
		expect(b.canRequest()).to.equal(true);
	});

	it("onSuccess/onFailure can be driven by hand", () => {
		const b = make();
		b.onFailure("x");
		b.onFailure();
		b.onFailure(new Error("last"));
		expect(b.state).to.equal("open");
		expect(b.status().lastError).to.equal("last");
	});

	it("refuses nonsense options", () => {
		expect(() => new CircuitBreaker("x", { failureThreshold: 0, openMs: 1, halfOpenMaxCalls: 1 })).to.throw(RangeError);
		expect(() => new CircuitBreaker("x", { failureThreshold: 1, openMs: 1, halfOpenMaxCalls: 0 })).to.throw(RangeError);
	});
});
