import { expect } from "chai";
import fc from "fast-check";
import { bucketOf, bucketUpperMs, LatencyWindow, RequestMetrics } from "../../../lib/metrics/request-metrics.ts";

describe("lib/metrics/request-metrics", () => {
	it("reports each quantile within one bucket (≤ 10 % above) of the exact one, never below it", () => {
		fc.assert(
			fc.property(fc.array(fc.double({ min: 0.02, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999), (values, q) => {
				const w = new LatencyWindow(30_000, 0);
				for (const v of values) w.observe(v, 1);
				const exact = [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1];
				const got = w.quantiles([q], 2)[String(q)];
				expect(got).to.be.at.least(exact - 0.001);
				expect(got).to.be.at.most(exact * 1.1 + 0.001);
			}),
		);
	});

	it("puts a value in the bucket whose range holds it", () => {
		for (const v of [0.011, 0.5, 1, 3.3, 250, 9999]) {
			const i = bucketOf(v);
			expect(v).to.be.above(bucketUpperMs(i - 1) - 1e-9);
			expect(v).to.be.at.most(bucketUpperMs(i) + 1e-9);
		}
		expect(bucketOf(0)).to.equal(0);
		expect(bucketOf(Number.NaN)).to.equal(0);
		expect(bucketOf(1e12)).to.equal(255);
	});

	it("keeps the last 30–60 s: older observations leave the quantiles", () => {
		const w = new LatencyWindow(30_000, 0);
		for (let i = 0; i < 100; i++) w.observe(1000, 10);
		expect(w.quantiles([0.5], 20)["0.5"]).to.be.closeTo(1000, 100);
		for (let i = 0; i < 100; i++) w.observe(1, 35_000); // rotated once: both windows count
		expect(w.quantiles([0.99], 35_000)["0.99"]).to.be.closeTo(1000, 100);
		expect(w.quantiles([0.99], 66_000)["0.99"]).to.be.closeTo(1, 0.1); // rotated again: the 1000 ms ones are gone
		expect(w.quantiles([0.5], 200_000)).to.deep.equal({}); // nothing in the last two windows
	});

	it("counts calls, in-flight calls, errors by kind and times per action × type × caller, in the registry's snapshot shape", () => {
		let now = 0;
		const m = new RequestMetrics({ windowMs: 30_000, now: () => now });
		const latest = m.forAction("symbols", "symbols.latest", "local");
		const fromGateway = latest("gateway");
		expect(latest("gateway")).to.equal(fromGateway);
		fromGateway!.started();
		fromGateway!.started();
		fromGateway!.finished(2, (now = 5));
		const other = latest(null)!;
		other.started();
		other.finished(4, now);
		other.failed({ name: "NotFoundError", code: 404, type: "NOT_FOUND" });
		other.failed({ name: "NotFoundError", code: 404, type: "NOT_FOUND" });
		const snap = Object.fromEntries(m.snapshot().map(s => [s.name, s]));
		const gwLabels = { service: "symbols", action: "symbols.latest", type: "local", caller: "gateway" };
		expect(snap["moleculer.request.total"].values).to.deep.equal([
			{ labels: gwLabels, value: 2 },
			{ labels: { ...gwLabels, caller: null }, value: 1 },
		]);
		expect(snap["moleculer.request.active"].values.map(v => v.value)).to.deep.equal([1, 0]);
		expect(snap["moleculer.request.error.total"].values).to.deep.equal([{ labels: { ...gwLabels, caller: null, errorName: "NotFoundError", errorCode: 404, errorType: "NOT_FOUND" }, value: 2 }]);
		const time = snap["moleculer.request.duration"];
		expect(time.type).to.equal("histogram");
		expect(time.values[0]).to.include({ sum: 2, count: 1 });
		expect(time.values[0].quantiles!["0.5"]).to.be.closeTo(2, 0.2);
	});
});

describe("middlewares/request-metrics.middleware on a real broker", () => {
	it("replaces Moleculer's Metrics middleware, keeps every other built-in in order, and counts a call", async () => {
		const { ServiceBroker } = await import("moleculer");
		const { projectBroker } = await import("../../helpers/node.ts");
		const { requestMetricsOf } = await import("../../../middlewares/request-metrics.middleware.ts");
		const broker = projectBroker({ nodeId: "rm-test" });
		const names = (b: InstanceType<typeof ServiceBroker>) => (b.middlewares as unknown as { list: Array<{ name?: string }> }).list.map(m => m.name);
		// What Moleculer itself would have registered with the same options.
		const stock = new ServiceBroker({ logger: false, metrics: { enabled: true, reporter: [] }, validator: true, cacher: "Memory" });
		const ours: Record<string, string> = { Metrics: "RequestMetrics", Timeout: "RequestTimeout" };
		expect(names(broker)).to.deep.equal(["OwnerForward", "Channels", ...names(stock).map(n => (n && ours[n]) ?? n)]);
		expect(names(stock)).to.include("Timeout");
		expect(names(stock)).to.include("Metrics");
		broker.createService({ name: "t", actions: { ok: () => 1, bad: () => Promise.reject(Object.assign(new Error("x"), { code: 500, type: "X" })) } });
		await broker.start();
		await broker.call("t.ok");
		await broker.call("t.bad").catch(() => {});
		const snap = Object.fromEntries(
			requestMetricsOf(broker)!
				.snapshot()
				.map(s => [s.name, s]),
		);
		expect(snap["moleculer.request.total"].values.filter(v => String(v.labels.action).startsWith("t.")).map(v => [v.labels.action, v.value])).to.deep.equal([
			["t.ok", 1],
			["t.bad", 1],
		]);
		expect(snap["moleculer.request.error.total"].values.map(v => v.labels.errorName)).to.deep.equal(["Error"]);
		expect(broker.metrics.getMetric("moleculer.request.total")).to.equal(null); // not the built-in's
		await broker.stop();
	});
});
