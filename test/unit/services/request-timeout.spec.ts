import { expect } from "chai";
import { Errors, ServiceBroker } from "moleculer";
import { brokerOptions } from "../../../moleculer.config.ts";
import { defaultConfig, mergeConfig } from "../../../lib/config/config.ts";

describe("middlewares/request-timeout.middleware on a real broker", () => {
	let broker: ServiceBroker;
	before(async () => {
		broker = new ServiceBroker({ ...brokerOptions(mergeConfig(defaultConfig(), { nodeId: "rt-test", logLevel: "fatal" })), logger: false, requestTimeout: 150 });
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

	const timeouts = () => (broker.metrics.getMetric("moleculer.request.timeout.total")?.snapshot() as unknown as Array<{ labels: { action: string }; value: number }>).map(v => [v.labels.action, v.value]);

	it("answers in time; past the broker's requestTimeout the caller gets RequestTimeoutError and it is counted", async () => {
		expect(await broker.call("t.fast")).to.equal("ok");
		const t0 = Date.now();
		const err = await broker.call("t.slow").catch((e: unknown) => e);
		expect(err).to.be.instanceOf(Errors.RequestTimeoutError);
		expect((err as Error).message).to.equal("Request is timed out when call 't.slow' action on 'rt-test' node.");
		expect(Date.now() - t0).to.be.within(140, 390);
		expect(timeouts()).to.deep.equal([["t.slow", 1]]);
	});

	it("the action's own timeout, then the call's, take precedence over requestTimeout; errors pass unchanged", async () => {
		expect(await broker.call("t.patient")).to.equal("waited");
		expect(await broker.call("t.slow", {}, { timeout: 1000 })).to.equal("late");
		expect(await broker.call("t.patient", {}, { timeout: 50 }).catch((e: unknown) => e)).to.be.instanceOf(Errors.RequestTimeoutError);
		expect(await broker.call("t.slow", {}, { timeout: 0 })).to.equal("late");
		const err = await broker.call("t.fails").catch((e: unknown) => e);
		expect(err).to.be.instanceOf(Errors.MoleculerClientError);
		expect((err as { code: number }).code).to.equal(422);
	});
});
