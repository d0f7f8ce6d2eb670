/** LocalBus: exact and wildcard subjects, and subscriptions changing after a subject was published. */
import { expect } from "chai";
import { LocalBus } from "../../../lib/bus/local-bus.ts";

describe("bus: LocalBus", () => {
	it("delivers to exact subscribers, then `*` and `>` patterns, in order", () => {
		const bus = new LocalBus();
		const got: string[] = [];
		bus.subscribe("rookery.ticks.*", (_m, s) => got.push(`star ${s}`));
		bus.subscribe("rookery.ticks.AAPL", (_m, s) => got.push(`exact ${s}`));
		bus.subscribe("rookery.>", (_m, s) => got.push(`tail ${s}`));
		bus.publish("rookery.ticks.AAPL", {});
		bus.publish("rookery.ticks.MSFT", {});
		bus.publish("rookery.bars.1m.AAPL", {});
		bus.publish("other", {});
		expect(got).to.deep.equal(["exact rookery.ticks.AAPL", "star rookery.ticks.AAPL", "tail rookery.ticks.AAPL", "star rookery.ticks.MSFT", "tail rookery.ticks.MSFT", "tail rookery.bars.1m.AAPL"]);
	});

	it("sees subscriptions made and ended after a subject was already published", () => {
		const bus = new LocalBus();
		const got: string[] = [];
		bus.publish("a.b", {});
		const offExact = bus.subscribe("a.b", () => got.push("exact"));
		bus.publish("a.b", {});
		const offPattern = bus.subscribe("a.*", () => got.push("pattern"));
		const offSecond = bus.subscribe("a.b", () => got.push("second"));
		bus.publish("a.b", {});
		offExact();
		offSecond();
		bus.publish("a.b", {});
		offPattern();
		bus.publish("a.b", {});
		bus.subscribe("a.b", () => got.push("again"));
		bus.publish("a.b", {});
		expect(got).to.deep.equal(["exact", "exact", "second", "pattern", "pattern", "again"]);
	});

	it("a handler removed by an earlier one during a delivery does not get that message", () => {
		const bus = new LocalBus();
		const got: string[] = [];
		let offB = () => {};
		bus.subscribe("x", () => (got.push("a"), offB()));
		offB = bus.subscribe("x", () => got.push("b"));
		bus.publish("x", {});
		bus.publish("x", {});
		expect(got).to.deep.equal(["a", "a"]);
	});
});
