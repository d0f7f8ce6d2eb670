import { expect } from "chai";
import fc from "fast-check";
import { ClosedBars } from "../../../lib/bars/closed-bars.ts";
import type { Slot } from "../../../lib/bars/bar-slot.ts";

const slot = (time: number, x: number): Slot => ({
	bar: { timeframe: "1m", time, open: x, high: x + 2, low: x - 1, close: x + 1, volume: x * 3, trades: x % 7, vwap: x + 0.5, revision: x % 3 },
	pv: x * 4,
	firstTs: time + 1,
	lastTs: time + 2,
});

describe("ClosedBars", () => {
	it("behaves like a bounded array under any mix of append, insert and drop (including growth and compaction)", () => {
		const op = fc.oneof(
			fc.record({ k: fc.constant("push" as const), x: fc.integer({ min: 1, max: 1000 }) }),
			fc.record({ k: fc.constant("insert" as const), x: fc.integer({ min: 1, max: 1000 }), at: fc.nat() }),
			fc.record({ k: fc.constant("drop" as const) }),
			fc.record({ k: fc.constant("set" as const), x: fc.integer({ min: 1, max: 1000 }), at: fc.nat() }),
		);
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 40 }), fc.array(op, { maxLength: 300 }), (maxBars, ops) => {
				const bars = new ClosedBars("1m", maxBars);
				const ref: Slot[] = [];
				let time = 0;
				for (const o of ops) {
					if (o.k === "push") {
						const s = slot((time += 60_000), o.x);
						bars.push(s);
						ref.push(s);
					} else if (o.k === "insert") {
						const at = o.at % (ref.length + 1);
						const s = slot(o.x, o.x); // times need not be ordered for this container
						bars.insert(at, s);
						ref.splice(at, 0, s);
					} else if (o.k === "drop") {
						bars.dropOldest();
						ref.shift();
					} else if (ref.length > 0) {
						const at = o.at % ref.length;
						const s = slot(ref[at].bar.time, o.x);
						bars.set(at, s);
						ref[at] = s;
					}
					while (ref.length > maxBars) ref.shift();
					expect(bars.length).to.equal(ref.length);
				}
				for (let i = 0; i < ref.length; i++) expect(bars.slot(i)).to.deep.equal(ref[i]);
			}),
			{ numRuns: 300 },
		);
	});

	it("finds the newest bar at or before a time by binary search", () => {
		const bars = new ClosedBars("1m", 100);
		for (const t of [10, 20, 30, 40]) bars.push(slot(t, 1));
		expect([5, 10, 15, 20, 39, 40, 99].map((t) => bars.lastAtOrBefore(t))).to.deep.equal([-1, 0, 0, 1, 2, 3, 3]);
	});

	it("refuses a capacity below one", () => {
		expect(() => new ClosedBars("1m", 0)).to.throw(RangeError);
	});
});
