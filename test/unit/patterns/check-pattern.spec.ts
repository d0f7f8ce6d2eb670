/** POST /api/v1/analytics/patterns bodies: good ones pass whole, bad ones name the field. */
import { expect } from "chai";
import { checkPattern } from "../../../lib/patterns/check-pattern.ts";
import { isFieldErrors } from "../../../lib/protocol/tick.ts";

const fields = (body: unknown) => {
	const r = checkPattern(body);
	return isFieldErrors(r) ? r.map(e => e.field) : [];
};

describe("lib/patterns/check-pattern", () => {
	it("accepts one pattern of each kind", () => {
		const price = { type: "tick", field: "price" };
		for (const body of [
			{ kind: "threshold", entity: "AAPL", source: price, op: "crosses_above", value: 200, for_ms: 1000 },
			{ kind: "threshold", source: { type: "window", metric: "latency_ms", window: "5m", stat: "p95" }, op: "gt", value: 250 },
			{ kind: "threshold", source: { type: "indicator", name: "rsi14" }, op: "lt", value: 30 },
			{
				kind: "sequence",
				within_ms: 60_000,
				steps: [
					{ source: { type: "event", event_type: "anomaly_detected" }, op: "eq", value: 1 },
					{ source: { type: "event", event_type: "alert_triggered", field: "metrics.cpu" }, op: "gt", value: 0.9 },
				],
			},
			{ kind: "absence", entity: "AAPL", source: price, within_ms: 30_000 },
			{ kind: "rate", source: price, change_pct: 5, within_ms: 60_000 },
			{ kind: "correlation", a: { source: price, entity: "AAPL" }, b: { source: price, entity: "MSFT" }, within_ms: 300_000, op: "crosses_below", value: 0.2 },
		]) {
			expect(fields(body), JSON.stringify(body)).to.deep.equal([]);
		}
	});

	it("names the field of each mistake", () => {
		expect(fields(null)).to.deep.equal(["body"]);
		expect(fields({ kind: "nope" })).to.deep.equal(["kind"]);
		expect(fields({ kind: "threshold", source: { type: "tick", field: "bid" }, op: "above", value: "1" })).to.deep.equal(["source.field", "op", "value"]);
		expect(
			fields({
				kind: "sequence",
				within_ms: 0,
				steps: [
					{ source: { type: "event", event_type: "x" }, op: "eq", value: 1 },
					{ source: { type: "tick", field: "price" }, op: "crosses_above", value: 1 },
				],
			}),
		).to.deep.equal(["steps[0].source.event_type", "steps[1].op", "within_ms"]);
		expect(fields({ kind: "sequence", within_ms: 10, steps: [] })).to.deep.equal(["steps"]);
		expect(fields({ kind: "absence", source: { type: "tick", field: "price" } })).to.deep.equal(["within_ms"]);
		expect(fields({ kind: "rate", source: { type: "window", metric: "m", window: "2m", stat: "p42" }, change_pct: -1, within_ms: 10 })).to.deep.equal(["source.window", "source.stat", "change_pct"]);
		expect(fields({ kind: "correlation", a: { source: { type: "tick", field: "price" } }, b: 3, op: "gt", value: 2, within_ms: 10 })).to.deep.equal(["a.entity", "b", "value"]);
		expect(fields({ kind: "threshold", source: { type: "tick", field: "price" }, op: "gt", value: 1, extra: true })).to.deep.equal(["extra"]);
		expect(fields({ kind: "threshold", entity: "has space", source: { type: "tick", field: "price" }, op: "gt", value: 1 })).to.deep.equal(["entity"]);
	});
});
