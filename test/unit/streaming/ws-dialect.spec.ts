import { expect } from "chai";
import { wsDialectFor } from "../../../lib/streaming/compat.ts";

describe("lib/streaming/compat: seed 000's WS dialect", () => {
	const d = wsDialectFor("/ws/market/AAPL")!;

	it("applies on seed 000's paths only", () => {
		expect(wsDialectFor("/ws/intelligence/abc")).to.not.equal(null);
		expect(wsDialectFor("/ws")).to.equal(null);
		expect(wsDialectFor("/streaming/ws")).to.equal(null);
	});

	it("turns its subscribe/unsubscribe/ping frames into ours", () => {
		const parse = (o: unknown) => JSON.parse(d.incoming(JSON.stringify(o)));
		expect(parse({ type: "subscribe", subscription_type: "market_data", symbols: ["aapl", "MSFT"] })).to.deep.equal({ op: "subscribe", topics: ["ticks:AAPL", "ticks:MSFT"] });
		expect(parse({ type: "unsubscribe", symbols: "AAPL" })).to.deep.equal({ op: "unsubscribe", topics: ["ticks:AAPL"] });
		expect(parse({ type: "subscribe", subscription_type: "news", symbols: ["TSLA"] })).to.deep.equal({ op: "subscribe", topics: ["news:TSLA"] });
		expect(parse({ type: "subscribe", subscription_type: "intelligence", stream_id: "s1" })).to.deep.equal({ op: "subscribe", topics: ["intel:s1"] });
		expect(parse({ type: "subscribe", subscription_type: "options", symbols: ["X"] })).to.deep.equal({ op: "subscribe", topics: ["options:X"] });
		expect(parse({ type: "ping" })).to.deep.equal({ op: "ping" });
	});

	it("leaves our frames, other frames and bad JSON as they are (the session answers them)", () => {
		for (const text of ['{"op":"subscribe","topics":["ticks:A"]}', '{"type":"hello"}', "not json", "[1,2]", "null"]) expect(d.incoming(text)).to.equal(text);
	});

	it("sends intelligence frames as the update itself, the snapshot marked; other frames unchanged", () => {
		const update = { v: 1, type: "intelligence_update", stream_id: "s1", seq: 4, ts: 1, node: "n", data: { confidence_score: 0.5 } };
		expect(JSON.parse(d.outgoing(JSON.stringify({ type: "update", topic: "intel:s1", seq: 4, data: update })))).to.deep.equal({ ...update, topic: "intel:s1" });
		expect(JSON.parse(d.outgoing(JSON.stringify({ type: "snapshot", topic: "intel:s1", seq: 4, data: update })))).to.deep.equal({ ...update, topic: "intel:s1", snapshot: true });
		const tick = JSON.stringify({ type: "update", topic: "ticks:AAPL", seq: 1, data: { price: 1 } });
		expect(d.outgoing(tick)).to.equal(tick);
		const odd = JSON.stringify({ type: "update", topic: "intel:s1", data: { something: "else" } });
		expect(d.outgoing(odd)).to.equal(odd);
	});
});
