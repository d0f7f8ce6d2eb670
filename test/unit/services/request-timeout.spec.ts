/**
 * The RequestTimeout middleware on a real broker, on a fake clock (node:test's MockTimers for
 * setTimeout only): every deadline is checked to the millisecond, however loaded the machine is.
 */
import { expect } from "chai";
import { mock } from "node:test";
import { Errors, type ServiceBroker } from "moleculer";
import { projectBroker } from "../../helpers/node.ts";

/** A promise's outcome, readable without awaiting it. */
function watch<T>(p: Promise<T>) {
	const w: { settled: boolean; value?: T; error?: unknown } = { settled: false };
	p.then(
		v => Object.assign(w, { settled: true, value: v }),
		e => Object.assign(w, { settled: true, error: e }),
	);
	return w;
}
/** One turn of the event loop (setImmediate is not faked): the call reaches its timers, or its callers see it settle. */
const turn = () => new Promise(r => setImmediate(r));
/** Moves the fake clock by `ms`, letting the promises on either side settle. */
async function advance(ms: number) {
	await turn();
	mock.timers.tick(ms);
	await turn();
}

describe("middlewares/request-timeout.middleware on a real broker", () => {
	let broker: ServiceBroker;
	before(async () => {
		broker = projectBroker({ nodeId: "rt-test" }, { requestTimeout: 150 });
		const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
		broker.createService({
			name: "t",
			actions: {
				fast: () => "ok",
				slow: () => sleep(400).then(() => "late"),
				// Action-level timeout: read by the Timeout middleware, missing from moleculer's ActionSchema type.
				patient: { timeout: 600, handler: () => sleep(300).then(() => "waited") } as never,
				fails: () => Promise.reject(new Errors.MoleculerClientError("nope", 422, "BAD")),
			},
		});
		await broker.start();
	});
	after(() => broker.stop());
	beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
	afterEach(() => mock.timers.reset());

	const timeouts = () => (broker.metrics.getMetric("moleculer.request.timeout.total")?.snapshot() as unknown as Array<{ labels: { action: string }; value: number }>).map(v => [v.labels.action, v.value]);

	it("answers in time; past the broker's requestTimeout the caller gets RequestTimeoutError and it is counted", async () => {
		expect(await broker.call("t.fast")).to.equal("ok");
		const slow = watch(broker.call("t.slow"));
		await advance(149);
		expect(slow.settled, "settled before requestTimeout (150 ms)").to.equal(false);
		await advance(1);
		expect(slow.error).to.be.instanceOf(Errors.RequestTimeoutError);
		expect((slow.error as Error).message).to.equal("Request is timed out when call 't.slow' action on 'rt-test' node.");
		expect(timeouts()).to.deep.equal([["t.slow", 1]]);
		await advance(250); // the handler's own sleep ends: nothing left pending
	});

	it("the action's own timeout, then the call's, take precedence over requestTimeout; errors pass unchanged", async () => {
		const patient = watch(broker.call("t.patient"));
		await advance(299);
		expect(patient.settled, "past requestTimeout, within the action's 600 ms").to.equal(false);
		await advance(1);
		expect(patient.value).to.equal("waited");

		const callTimeout = watch(broker.call("t.slow", {}, { timeout: 1000 }));
		await advance(400);
		expect(callTimeout.value).to.equal("late");

		const shorter = watch(broker.call("t.patient", {}, { timeout: 50 }));
		await advance(49);
		expect(shorter.settled, "before the call's 50 ms").to.equal(false);
		await advance(1);
		expect(shorter.error).to.be.instanceOf(Errors.RequestTimeoutError);
		await advance(250);

		const none = watch(broker.call("t.slow", {}, { timeout: 0 }));
		await advance(400);
		expect(none.value).to.equal("late");

		const err = await broker.call("t.fails").catch((e: unknown) => e);
		expect(err).to.be.instanceOf(Errors.MoleculerClientError);
		expect((err as { code: number }).code).to.equal(422);
	});
});
