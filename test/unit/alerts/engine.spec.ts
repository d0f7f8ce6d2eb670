/**
 * Rule evaluation without a broker: crossing vs entering a state, cooldown in update time, one
 * alert id per (rule, update) whatever node or pass computes it, replays before the rule's
 * creation that set state without firing, and O(rules on the key) indexing.
 */
import { expect } from "chai";
import { AlertEngine, alertIdOf, type Firing } from "../../../lib/alerts/engine.ts";
import type { AlertRule, AlertCondition } from "../../../lib/alerts/rule.ts";

const T0 = Date.parse("2026-01-05T10:00:00Z");
const rule = (id: string, condition: AlertCondition, over: Partial<AlertRule> = {}): AlertRule => ({ id, name: id, owner: "jwt:alice", condition, severity: "high", cooldown_ms: 0, channels: [{ type: "ws" }], created_at: T0, ...over });
const tick = (seq: number, price: number, symbol = "AAPL", ts = T0 + seq * 1000) => ({ v: 1, seq, ts, symbol, price, size: 1 });

function engineWith(...rules: AlertRule[]): { engine: AlertEngine; fired: Firing[] } {
	const engine = new AlertEngine();
	const fired: Firing[] = [];
	engine.sink = f => fired.push(f);
	for (const r of rules) engine.put(r);
	return { engine, fired };
}

describe("alerts: rule evaluation (lib/alerts/engine.ts)", () => {
	it("crosses_above fires when the price crosses, not while it stays above, and not on the first update", () => {
		const { engine, fired } = engineWith(rule("x", { source: "price", symbol: "AAPL", field: "price", op: "crosses_above", value: 200 }));
		[201, 199, 199.5, 200, 200.5, 201, 202, 198, 203].forEach((p, i) => engine.observe(tick(i + 1, p)));
		// 201 first (no previous side), 200 is not above, 200.5 crosses (seq 5), 203 crosses again (seq 9).
		expect(fired.map(f => f.inputs.price)).to.deep.equal([200.5, 203]);
		expect(fired[0].alert_id).to.equal(alertIdOf("x", "p|AAPL|5"));
	});

	it("crosses_below mirrors it; lt fires on entering the state, including a rule true from its first update", () => {
		const { engine, fired } = engineWith(rule("down", { source: "price", symbol: "AAPL", field: "price", op: "crosses_below", value: 100 }), rule("low", { source: "price", symbol: "AAPL", field: "price", op: "lt", value: 100 }));
		[99, 98, 101, 97, 96, 100].forEach((p, i) => engine.observe(tick(i + 1, p)));
		expect(fired.filter(f => f.rule.id === "down").map(f => f.inputs.price)).to.deep.equal([97]);
		expect(fired.filter(f => f.rule.id === "low").map(f => f.inputs.price)).to.deep.equal([99, 97]);
	});

	it("gte/lte/eq/gt on bid, ask and size; updates missing the field change nothing", () => {
		const { engine, fired } = engineWith(rule("bid", { source: "price", symbol: "AAPL", field: "bid", op: "gte", value: 10 }), rule("size", { source: "price", symbol: "AAPL", field: "size", op: "eq", value: 5 }));
		engine.observe({ ...tick(1, 9), size: 5 });
		engine.observe({ ...tick(2, 9), bid: 10 });
		engine.observe({ ...tick(3, 9), bid: 11 });
		expect(fired.map(f => `${f.rule.id}@${f.ts}`)).to.deep.equal([`size@${T0 + 1000}`, `bid@${T0 + 2000}`]);
	});

	it("keeps cooldown_ms in update time: a re-entry inside it does not fire, one after it does", () => {
		const { engine, fired } = engineWith(rule("c", { source: "price", symbol: "AAPL", field: "price", op: "gt", value: 10 }, { cooldown_ms: 60_000 }));
		engine.observe(tick(1, 11, "AAPL", T0));
		engine.observe(tick(2, 9, "AAPL", T0 + 10_000));
		engine.observe(tick(3, 11, "AAPL", T0 + 30_000)); // re-entered within 60 s: suppressed
		engine.observe(tick(4, 9, "AAPL", T0 + 61_000));
		engine.observe(tick(5, 11, "AAPL", T0 + 62_000));
		expect(fired.map(f => f.ts)).to.deep.equal([T0, T0 + 62_000]);
		expect(engine.counts.cooldown).to.equal(1);
	});

	it("gives the same alert id for the same update on another engine (a replay on the next owner), and replays older than the rule only set state", () => {
		const r = rule("rep", { source: "price", symbol: "MSFT", field: "price", op: "crosses_above", value: 50 }, { created_at: T0 + 5000 });
		const a = engineWith(r);
		const b = engineWith(r);
		const prices = [49, 51, 49, 49, 49, 48, 52];
		prices.forEach((p, i) => a.engine.observe(tick(i + 1, p, "MSFT")));
		// b replays the same log: the crossing at seq 2 is older than the rule (ts < created_at), the one at seq 7 is not.
		prices.forEach((p, i) => b.engine.observe(tick(i + 1, p, "MSFT"), true));
		expect(a.fired.map(f => f.alert_id)).to.deep.equal([alertIdOf("rep", "p|MSFT|2"), alertIdOf("rep", "p|MSFT|7")]);
		expect(b.fired.map(f => f.alert_id)).to.deep.equal([alertIdOf("rep", "p|MSFT|7")]);
		expect(b.fired[0].replay).to.equal(true);
	});

	it("indicator rules read final values of their timeframe only; signal rules fire per signal, filtered by strategy", () => {
		const { engine, fired } = engineWith(rule("rsi", { source: "indicator", symbol: "AAPL", tf: "1m", field: "rsi_14", op: "lt", value: 30 }), rule("sig", { source: "signal", symbol: "*", field: "macd-rsi" }));
		const ind = (tf: string, time: number, rsi: number | null, final = true) => ({ v: 1, seq: 9, symbol: "AAPL", tf, time, final, values: { rsi_14: rsi } });
		engine.observe(ind("1m", T0, 25, false)); // provisional: ignored
		engine.observe(ind("5m", T0, 25)); // other timeframe
		engine.observe(ind("1m", T0, null)); // warm-up
		engine.observe(ind("1m", T0 + 60_000, 28));
		engine.observe(ind("1m", T0 + 120_000, 27));
		const sig = (strategy: string, barTime: number) => ({ v: 1, seq: 10, symbol: "TSLA", tf: "1m", strategy, direction: "long", strength: 0.5, reason: "r", inputs: {}, barTime });
		engine.observe(sig("ma-cross", T0));
		engine.observe(sig("macd-rsi", T0));
		engine.observe(sig("macd-rsi", T0 + 60_000));
		expect(fired.map(f => f.rule.id)).to.deep.equal(["rsi", "sig", "sig"]);
		expect(fired[0].inputs).to.include({ rsi_14: 28 });
	});

	it("window, event and pattern rules; removing a rule stops it; a replaced rule with the same condition keeps its state", () => {
		const p95 = rule("w", { source: "window", metric: "api_response_time", tf: "5m", field: "p95", op: "gt", value: 250 });
		const { engine, fired } = engineWith(p95, rule("e", { source: "event", field: "anomaly_detected" }), rule("pt", { source: "pattern", field: "head-shoulders" }));
		engine.observeWindow({ name: "api_response_time", window: "5m", to: T0, p95: 300 });
		engine.put({ ...p95, name: "renamed" });
		engine.observeWindow({ name: "api_response_time", window: "5m", to: T0 + 1000, p95: 310 }); // still in state: no second alert
		engine.observeEvent({ id: "ev1", type: "anomaly_detected", ts: T0, entity: "svc", data: { metric: "lat", value: 9 } });
		engine.observeEvent({ id: "ev2", type: "pattern_matched", ts: T0, data: { pattern_id: "other" } });
		engine.observeEvent({ id: "ev3", type: "pattern_matched", ts: T0, data: { pattern_id: "head-shoulders" } });
		expect(fired.map(f => f.rule.id)).to.deep.equal(["w", "e", "pt"]);
		expect(engine.remove("e")).to.equal(true);
		engine.observeEvent({ id: "ev4", type: "anomaly_detected", ts: T0, data: {} });
		expect(fired).to.have.length(3);
		expect(engine.rulesOn("e|anomaly_detected")).to.equal(0);
	});
});
