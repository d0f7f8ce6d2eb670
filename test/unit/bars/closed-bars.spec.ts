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
		expect([5, 10, 15, 20, 39, 40, 99].map(t => bars.lastAtOrBefore(t))).to.deep.equal([-1, 0, 0, 1, 2, 3, 3]);
	});

	it("keeps the forming bar after the closed ones; closing it, inserting before it and dropping keep both right", () => {
		const bars = new ClosedBars("1m", 3);
		bars.push(slot(60_000, 1));
		bars.open(180_000, { ts: 180_001, price: 10, size: 2 });
		bars.apply(1, { ts: 180_005, price: 12, size: 1 });
		bars.apply(1, { ts: 180_000, price: 9, size: 1 }); // earlier trade: becomes the open
		expect(bars.hasForming).to.equal(true);
		expect(bars.length).to.equal(1);
		const forming = { timeframe: "1m", time: 180_000, open: 9, high: 12, low: 9, close: 12, volume: 4, trades: 3, vwap: (20 + 12 + 9) / 4, revision: 0 };
		expect(bars.slot(1)).to.deep.equal({ bar: forming, pv: 41, firstTs: 180_000, lastTs: 180_005 });
		bars.insert(1, slot(120_000, 2)); // a late bar for an empty bucket goes before the forming one
		expect([bars.timeAt(0), bars.timeAt(1), bars.timeAt(2)]).to.deep.equal([60_000, 120_000, 180_000]);
		expect(bars.bar(2)).to.deep.equal(forming);
		bars.closeForming();
		bars.open(240_000, { ts: 240_000, price: 5, size: 0 });
		bars.closeForming(); // 4 closed > maxBars: the oldest goes
		expect(bars.length).to.equal(3);
		expect([0, 1, 2].map(i => bars.timeAt(i))).to.deep.equal([120_000, 180_000, 240_000]);
		expect(bars.bar(1)).to.deep.equal(forming);
		expect(bars.bar(2)).to.include({ open: 5, volume: 0, vwap: 5 });
	});

	it("drops the bookkeeping of settled bars, refuses to amend them and restores finals before live bars", () => {
		const bars = new ClosedBars("1m", 10);
		for (const t of [60_000, 120_000, 180_000]) bars.push(slot(t, 1));
		bars.settle(120_000);
		expect(bars.final).to.equal(2);
		expect(bars.slot(0)).to.deep.equal({ bar: slot(60_000, 1).bar });
		expect(bars.slot(2)).to.deep.equal(slot(180_000, 1));
		expect(() => bars.set(1, slot(120_000, 2))).to.throw(RangeError);
		expect(() => bars.insert(1, slot(100_000, 2))).to.throw(RangeError);
		const restored = new ClosedBars("1m", 10);
		for (let i = 0; i < 3; i++) restored.push(bars.slot(i));
		expect(Array.from({ length: 3 }, (_, i) => restored.slot(i))).to.deep.equal(Array.from({ length: 3 }, (_, i) => bars.slot(i)));
		expect(() => restored.push({ bar: slot(240_000, 1).bar })).to.throw(RangeError);
	});

	it("refuses a capacity below one", () => {
		expect(() => new ClosedBars("1m", 0)).to.throw(RangeError);
	});
});
