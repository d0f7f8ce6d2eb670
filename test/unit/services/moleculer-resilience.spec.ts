/**
 * Moleculer's own Retry and CircuitBreaker as moleculer.config.ts configures them for every call:
 * idempotent reads opt in to Retry (IDEMPOTENT_READ); the breaker counts only errors that say the
 * node failed to serve (endpointFailed), never overload refusals or a key changing owner.
 */
import { expect } from "chai";
import { Errors, type ServiceBroker } from "moleculer";
import { projectBroker } from "../../helpers/node.ts";
import { endpointBreaker, endpointFailed, IDEMPOTENT_READ } from "../../../middlewares/endpoint-breakers.ts";
import { BusyError, TimeoutError, UnavailableError, ValidationError } from "../../../lib/protocol/errors.ts";
import { ModelError } from "../../../lib/agents/errors.ts";

describe("moleculer.config.ts: Moleculer's Retry and CircuitBreaker", () => {
	let broker: ServiceBroker;
	const calls = { read: 0, write: 0, owner: 0 };
	before(async () => {
		broker = projectBroker({ nodeId: "res" });
		broker.createService({
			name: "flaky",
			actions: {
				// Fails (retryable) on the first call of each pair, answers on the second.
				read: { ...IDEMPOTENT_READ, handler: () => (calls.read++ % 2 === 0 ? Promise.reject(new UnavailableError("store blip")) : "ok") },
				write: { handler: () => (calls.write++ % 2 === 0 ? Promise.reject(new UnavailableError("store blip")) : "ok") },
				owner: { handler: () => (calls.owner++, Promise.reject(new UnavailableError("AAPL is owned by n2 for up to 3000 ms more; retry"))) },
			},
		});
		await broker.start();
	});
	after(() => broker.stop());

	it("retries an idempotent read on a retryable error, not a write", async () => {
		expect(await broker.call("flaky.read")).to.equal("ok");
		expect(calls.read).to.equal(2);
		const err = await broker.call("flaky.write").catch(e => e);
		expect(err).to.be.instanceOf(UnavailableError);
		expect(calls.write).to.equal(1);
	});

	it("counts node failures against the endpoint, not refusals, a key changing owner or bad input", () => {
		expect(endpointFailed(new ModelError("explain", "HTTP 500"))).to.equal(true);
		expect(endpointFailed(new TimeoutError("agents.explain did not answer within 100 ms"))).to.equal(true);
		expect(endpointFailed(new Errors.MoleculerServerError("boom", 500, "INTERNAL_ERROR"))).to.equal(true);
		// as it arrives from another node: a plain Error carrying the name
		expect(endpointFailed(Object.assign(new Error("x"), { name: "ModelError", code: 503 }))).to.equal(true);
		expect(endpointFailed(new BusyError("mailbox full"))).to.equal(false);
		expect(endpointFailed(new Errors.QueueIsFullError({ action: "a.b", nodeID: "n" }))).to.equal(false);
		expect(endpointFailed(new UnavailableError("AAPL changed owner; retry"))).to.equal(false);
		expect(endpointFailed(new Errors.RequestTimeoutError({ action: "a.b", nodeID: "n" }))).to.equal(false);
		expect(endpointFailed(new ValidationError("bad", []))).to.equal(false);
	});

	it("30 calls refused with 503 while a key changes owner leave the endpoint's breaker closed", async () => {
		for (let i = 0; i < 30; i++) await broker.call("flaky.owner").catch(() => null);
		expect(calls.owner).to.equal(30);
		expect(endpointBreaker(broker, "res", "flaky.owner")).to.deep.include({ state: "closed", failures: 0 });
	});
});
