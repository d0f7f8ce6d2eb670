/**
 * Each pattern kind on fixtures (pure evaluator, fake time in the inputs and clock events): a
 * match fires once, a condition that stays true does not re-fire, crosses_* re-fire only after
 * crossing back; a replay of the same events gives the same state (fast-check).
 */
import { expect } from "chai";
import fc from "fast-check";
import { applyPattern, clockDue, initialState, MAX_ENTITIES, type PatternEvent, type PatternState } from "../../../lib/patterns/evaluate.ts";
import type { Input, PatternDef } from "../../../lib/patterns/pattern-types.ts";

const T0 = 1_700_000_000_000;
const base = { id: "p1", created_at: T0, created_by: "test" };
const price = { type: "tick", field: "price" } as const;

function run(def: PatternDef, events: Array<Input | { clock: number }>): PatternState {
	let s = applyPattern(initialState(), { t: "def", def });
	for (const e of events) s = applyPattern(s, "clock" in e ? { t: "clock", now: e.clock } : { t: "in", inputs: [e] });
	return s;
}
const tick = (value: number, ts: number, entity = "AAPL"): Input => ({ key: "tick.price", entity, value, ts });
const values = (vs: number[], entity = "AAPL") => vs.map((v, i) => tick(v, T0 + i * 1000, entity));

describe("lib/patterns/evaluate", () => {
	describe("threshold", () => {
		it("gt fires once while true and again after being false", () => {
			const s = run({ ...base, kind: "threshold", source: price, op: "gt", value: 100 }, values([101, 102, 103, 99, 104]));
			expect(s.matches).to.equal(2);
			expect(s.recent.map(m => m.inputs.value)).to.deep.equal([101, 104]);
		});

		it("crosses_above needs a value at or below the bound first, and a cross back to re-fire", () => {
			const s = run({ ...base, kind: "threshold", source: price, op: "crosses_above", value: 100 }, values([105, 106, 100, 101, 102, 101, 99, 100.5]));
			expect(s.recent.map(m => m.inputs.value)).to.deep.equal([101, 100.5]);
		});

		it("crosses_below is the mirror", () => {
			const s = run({ ...base, kind: "threshold", source: price, op: "crosses_below", value: 100 }, values([95, 101, 99, 98, 100, 97]));
			expect(s.recent.map(m => m.inputs.value)).to.deep.equal([99, 97]);
		});

		it("gte, lte and eq compare as named", () => {
			for (const [op, vs, n] of [
				["gte", [99, 100, 100, 99, 101], 2],
				["lte", [101, 100, 99, 101], 1],
				["eq", [100, 100, 101, 100], 2],
			] as const) {
				expect(run({ ...base, kind: "threshold", source: price, op, value: 100 }, values([...vs])).matches, op).to.equal(n);
			}
		});

		it("for_ms: fires when held that long (on an input or on the clock), not if it drops first", () => {
			const def: PatternDef = { ...base, kind: "threshold", source: price, op: "gt", value: 100, for_ms: 5000 };
			expect(run(def, [tick(101, T0), tick(99, T0 + 3000), tick(101, T0 + 4000), { clock: T0 + 8000 }]).matches).to.equal(0);
			expect(run(def, [tick(101, T0), tick(102, T0 + 5000), tick(103, T0 + 6000)]).matches).to.equal(1);
			const s = run(def, [tick(101, T0)]);
			expect(clockDue(s, T0 + 4999)).to.equal(false);
			expect(clockDue(s, T0 + 5000)).to.equal(true);
			const after = run(def, [tick(101, T0), { clock: T0 + 5000 }, { clock: T0 + 9000 }]);
			expect(after.matches).to.equal(1);
			expect(after.recent[0]).to.include({ ts: T0 + 5000, entity: "AAPL" });
		});

		it("keeps state per entity and honours an entity filter", () => {
			const inputs = [tick(101, T0, "A"), tick(101, T0, "B"), tick(102, T0 + 1, "A")];
			expect(run({ ...base, kind: "threshold", source: price, op: "gt", value: 100 }, inputs).matches).to.equal(2);
			expect(run({ ...base, entity: "B", kind: "threshold", source: price, op: "gt", value: 100 }, inputs).matches).to.equal(1);
		});

		it("tracks at most MAX_ENTITIES entities, counting the rest as dropped", () => {
			const inputs = Array.from({ length: MAX_ENTITIES + 5 }, (_, i) => tick(1, T0, `E${i}`));
			const s = run({ ...base, kind: "threshold", source: price, op: "gt", value: 100 }, inputs);
			expect(Object.keys(s.entities)).to.have.length(MAX_ENTITIES);
			expect(s.dropped).to.equal(5);
		});
	});

	describe("sequence", () => {
		const ev = (type: string, ts: number, value = 1, entity = "AAPL"): Input => ({ key: `event.${type}.`, entity, value, ts });
		const def: PatternDef = {
			...base,
			kind: "sequence",
			within_ms: 10_000,
			steps: [
				{ source: { type: "event", event_type: "anomaly_detected" }, op: "eq", value: 1 },
				{ source: { type: "event", event_type: "alert_triggered" }, op: "eq", value: 1 },
			],
		};

		it("fires on A then B within the time, once per completed sequence", () => {
			const s = run(def, [ev("alert_triggered", T0), ev("anomaly_detected", T0 + 1000), ev("anomaly_detected", T0 + 2000), ev("alert_triggered", T0 + 3000), ev("alert_triggered", T0 + 4000)]);
			expect(s.matches).to.equal(1);
			expect((s.recent[0].inputs.steps as Array<{ ts: number }>).map(x => x.ts)).to.deep.equal([T0 + 1000, T0 + 3000]);
		});

		it("does not fire when B comes too late, nor across entities", () => {
			expect(run(def, [ev("anomaly_detected", T0), ev("alert_triggered", T0 + 10_001)]).matches).to.equal(0);
			expect(run(def, [ev("anomaly_detected", T0, 1, "A"), ev("alert_triggered", T0 + 1, 1, "B")]).matches).to.equal(0);
		});

		it("an A after the time ran out starts a new sequence", () => {
			expect(run(def, [ev("anomaly_detected", T0), ev("anomaly_detected", T0 + 20_000), ev("alert_triggered", T0 + 21_000)]).matches).to.equal(1);
			expect(run(def, [ev("anomaly_detected", T0), ev("alert_triggered", T0 + 20_000), ev("alert_triggered", T0 + 21_000)]).matches).to.equal(0);
		});
	});

	describe("absence", () => {
		const def: PatternDef = { ...base, entity: "AAPL", kind: "absence", source: price, within_ms: 5000 };

		it("fires once when nothing came within the time, counting from creation; re-arms on the next input", () => {
			const s = run(def, [{ clock: T0 + 4999 }, { clock: T0 + 5000 }, { clock: T0 + 7000 }]);
			expect(s.matches).to.equal(1);
			expect(s.recent[0].inputs).to.include({ last_seen: T0, within_ms: 5000 });
			const again = run(def, [{ clock: T0 + 5000 }, tick(1, T0 + 6000), { clock: T0 + 10_999 }, { clock: T0 + 11_000 }]);
			expect(again.matches).to.equal(2);
		});

		it("does not fire while inputs keep coming", () => {
			const s = run(def, [tick(1, T0 + 3000), { clock: T0 + 6000 }, tick(1, T0 + 7000), { clock: T0 + 11_000 }]);
			expect(s.matches).to.equal(0);
			expect(clockDue(s, T0 + 11_999)).to.equal(false);
			expect(clockDue(s, T0 + 12_000)).to.equal(true);
		});
	});

	describe("rate", () => {
		const def: PatternDef = { ...base, kind: "rate", source: price, change_pct: 5, within_ms: 10_000 };

		it("fires when the change within the time exceeds change_pct, once until it no longer does", () => {
			const s = run(def, [tick(100, T0), tick(103, T0 + 1000), tick(106, T0 + 2000), tick(107, T0 + 3000), tick(90, T0 + 30_000), tick(89, T0 + 31_000), tick(80, T0 + 32_000)]);
			expect(s.matches).to.equal(2);
			expect(s.recent[0].inputs).to.include({ from: 100, to: 106 });
			expect(s.recent[1].inputs).to.include({ from: 90, to: 80 });
		});

		it("ignores changes spread over more than within_ms", () => {
			expect(
				run(
					def,
					values([100, 102, 104, 106, 108, 110, 112, 114, 116, 118, 120, 122]).map((t, i) => ({ ...t, ts: T0 + i * 6000 })),
				).matches,
			).to.equal(0);
		});
	});

	describe("correlation", () => {
		const a = { source: price, entity: "A" };
		const b = { source: price, entity: "B" };
		const def: PatternDef = { ...base, kind: "correlation", a, b, within_ms: 60_000, op: "crosses_below", value: 0 };
		const pair = (x: number, y: number, ts: number) => [tick(x, ts, "A"), tick(y, ts, "B")];

		it("fires when Pearson's r crosses the bound, not while it stays past it", () => {
			const together = [1, 2, 3, 4, 5].flatMap((v, i) => pair(v, v, T0 + i * 1000));
			const apart = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].flatMap((v, i) => pair(v, -v * 3, T0 + 5000 + i * 1000));
			const s = run(def, [...together, ...apart]);
			expect(s.matches).to.equal(1);
			expect(s.recent[0].inputs.r as number).to.be.below(0);
			expect(s.recent[0].entity).to.equal("A|B");
		});

		it("ignores series it does not read", () => {
			expect(
				run(
					def,
					[1, 2, 3, 4].flatMap((v, i) => [tick(v, T0 + i, "A"), tick(-v, T0 + i, "C")]),
				).matches,
			).to.equal(0);
		});
	});

	it("replaying the same events from any snapshot point gives the same state (fast-check)", () => {
		const def: PatternDef = { ...base, kind: "threshold", source: price, op: "crosses_above", value: 50, for_ms: 2000 };
		fc.assert(
			fc.property(fc.array(fc.oneof(fc.record({ v: fc.integer({ min: 0, max: 100 }), dt: fc.integer({ min: 0, max: 3000 }) }), fc.record({ clock: fc.integer({ min: 0, max: 3000 }) })), { maxLength: 60 }), fc.nat(60), (steps, cut) => {
				let ts = T0;
				const events: PatternEvent[] = [{ t: "def", def }];
				for (const s of steps) {
					ts += "clock" in s ? s.clock : s.dt;
					events.push("clock" in s ? { t: "clock", now: ts } : { t: "in", inputs: [tick(s.v, ts)] });
				}
				const whole = events.reduce(applyPattern, initialState());
				const at = Math.min(cut, events.length);
				const snap = JSON.parse(JSON.stringify(events.slice(0, at).reduce(applyPattern, initialState()))) as PatternState;
				expect(events.slice(at).reduce(applyPattern, snap)).to.deep.equal(whole);
				// Never two matches without the value leaving the condition in between.
				for (let i = 1; i < whole.recent.length; i++) expect(whole.recent[i].inputs.since).to.not.equal(whole.recent[i - 1].inputs.since);
			}),
		);
	});
});
