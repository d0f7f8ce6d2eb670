/** Topic names of events and windows: parsed to their subjects, wildcards mapped back, bad ones refused. */
import { expect } from "chai";
import { concreteTopicName, parseTopic } from "../../../lib/protocol/wire.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";

describe("protocol: events, analytics window and dashboard topics", () => {
	it("parses events:{type}, analytics:{window}:{metric} and dashboard", () => {
		expect(parseTopic("events:anomaly_detected")).to.include({ kind: "events", subject: "rookery.events.anomaly_detected", wildcard: false });
		expect(parseTopic("events:*")).to.include({ kind: "events", subject: "rookery.events.*", wildcard: true });
		expect(parseTopic("analytics:15m:price.AAPL")).to.include({ kind: "window", window: "15m", metric: "price.AAPL", subject: "rookery.windows.15m.price.AAPL" });
		expect(parseTopic("analytics:1h:*")).to.include({ kind: "window", subject: "rookery.windows.1h.>", wildcard: true });
		expect(parseTopic("dashboard")).to.include({ kind: "dashboard", subject: "rookery.dashboard" });
		// Vendor analytics data of a symbol stays what it was.
		expect(parseTopic("analytics:AAPL")).to.include({ kind: "analytics", subject: "rookery.analytics.AAPL" });
	});

	it("refuses unknown types, windows and metric names", () => {
		for (const bad of ["events:nope", "analytics:2m:lat", "analytics:1m:a..b", "analytics:1m:a b", "analytics:1m:", "dashboard:x"]) expect(parseTopic(bad), bad).to.equal(null);
	});

	it("maps a wildcard's subject back to the concrete topic, dots in metric names included", () => {
		expect(concreteTopicName(parseTopic("analytics:5m:*")!, "rookery.windows.5m.price.BRK_B")).to.equal("analytics:5m:price.BRK_B");
		expect(concreteTopicName(parseTopic("events:*")!, "rookery.events.pattern_matched")).to.equal("events:pattern_matched");
	});

	it("LocalBus delivers `>` subscriptions for one or more trailing tokens", () => {
		const bus = new LocalBus();
		const got: string[] = [];
		bus.subscribe("rookery.windows.1m.>", (_m, s) => got.push(s));
		for (const s of ["rookery.windows.1m.lat", "rookery.windows.1m.price.AAPL", "rookery.windows.1m", "rookery.windows.5m.lat"]) bus.publish(s, {});
		expect(got).to.deep.equal(["rookery.windows.1m.lat", "rookery.windows.1m.price.AAPL"]);
	});
});
