/**
 * Windows against brute force: random values at random times (fast-check) with a fake clock,
 * queried at random moments including bucket edges. count/sum/min/max must equal a scan of the
 * samples in [from, to]; quantiles must be within the sketch's 1 % of a true order statistic.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DDSketch } from "@datadog/sketches-js";
import { combine, combineExports, MetricWindows, RELATIVE_ACCURACY, windowSpan } from "../../../lib/analytics/metric-windows.ts";
import { WindowStore } from "../../../lib/analytics/window-store.ts";
import { RINGS, WINDOWS, WINDOW_SPECS, type WindowName } from "../../../lib/analytics/window-spec.ts";

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** True when `got` is within the relative accuracy of some sample ranked near quantile q. */
function quantileOk(sorted: number[], q: number, got: number): boolean {
	const rank = q * (sorted.length - 1);
	const lo = sorted[Math.floor(rank)];
	const hi = sorted[Math.ceil(rank)];
	const tol = (x: number) => Math.abs(x) * RELATIVE_ACCURACY + 1e-9;
	return got >= Math.min(lo, hi) - tol(Math.min(lo, hi)) && got <= Math.max(lo, hi) + tol(Math.max(lo, hi));
}

function brute(samples: Array<[number, number]>, from: number, to: number) {
	const v = samples.filter(([t]) => t >= from && t <= to).map(([, x]) => x);
	return { count: v.length, sum: v.reduce((a, b) => a + b, 0), min: v.length ? Math.min(...v) : null, max: v.length ? Math.max(...v) : null, sorted: [...v].sort((a, b) => a - b) };
}

// Magnitudes the sketch indexes (it counts |v| below ~1e-308 as zero); negatives and zero included.
const magnitude = fc.double({ min: 1e-6, max: 1e6, noNaN: true });
const valueArb = fc.oneof(
	magnitude,
	magnitude.map(x => -x),
	fc.constant(0),
	fc.integer({ min: -1000, max: 1000 }),
);

describe("analytics: MetricWindows", () => {
	it("window spans: start rounded up to the ring's resolution, never longer than the window", () => {
		for (const w of WINDOWS) {
			for (const now of [T0, T0 + 1, T0 + 4999, T0 + 59_999, T0 + 899_999]) {
				const s = windowSpan(w, now);
				const res = RINGS[WINDOW_SPECS[w].ring].resMs;
				expect(s.to - s.from).to.be.at.most(WINDOW_SPECS[w].ms);
				expect(s.to - s.from).to.be.above(WINDOW_SPECS[w].ms - res);
				expect(s.from % res).to.equal(0);
			}
		}
	});

	it("matches brute force on random data at random query times, window edges included", () => {
		const windowArb = fc.constantFrom<WindowName>(...WINDOWS);
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.integer({ min: 0, max: 2 * DAY }), valueArb), { minLength: 1, maxLength: 300 }),
				fc.integer({ min: 0, max: 2 * DAY }),
				fc.constantFrom(0, -1, 1, 4999, 5000, 59_999, 60_000),
				windowArb,
				(raw, queryOffset, edge, window) => {
					// Values arrive in time order as a live feed would (late ones within the ring are kept too).
					const samples = raw.map(([dt, v]) => [T0 + dt, v] as [number, number]).sort((a, b) => a[0] - b[0]);
					const now = Math.max(samples.at(-1)![0], T0 + queryOffset - (queryOffset % RINGS[WINDOW_SPECS[window].ring].resMs) + edge);
					const m = new MetricWindows();
					for (const [t, v] of samples) m.add(t, v, t);
					const s = m.stats("x", window, now);
					const b = brute(samples, s.from, s.to);
					expect(s.count).to.equal(b.count);
					expect(s.min).to.equal(b.min);
					expect(s.max).to.equal(b.max);
					expect(s.sum).to.be.closeTo(b.sum, 1e-6 * Math.max(1, Math.abs(b.sum), ...b.sorted.map(Math.abs)));
					if (b.count > 0)
						for (const [q, got] of [
							[0.5, s.p50],
							[0.95, s.p95],
							[0.99, s.p99],
						] as const)
							expect(quantileOk(b.sorted, q, got!), `p${q * 100}=${got}`).to.equal(true);
				},
			),
			{ numRuns: 300 },
		);
	});

	it("answers exactly as rings that each take every value into their own sketch, late values and clock jumps included", () => {
		/** The rings before the roll-up: each value into every ring that holds it, sketch included. */
		class EagerWindows {
			readonly rings = RINGS.map(r => ({ res: r.resMs, slots: new Array<{ index: number; count: number; sum: number; min: number; max: number; sketch: DDSketch } | null>(r.spanMs / r.resMs + 1).fill(null) }));
			add(ts: number, value: number, now: number): void {
				for (const r of this.rings) {
					const index = Math.floor(ts / r.res);
					if (index <= Math.floor(now / r.res) - r.slots.length) continue;
					const at = index % r.slots.length;
					let b = r.slots[at];
					if (b === null || b.index < index) r.slots[at] = b = { index, count: 0, sum: 0, min: Infinity, max: -Infinity, sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }) };
					else if (b.index > index) continue;
					b.count++;
					b.sum += value;
					b.min = Math.min(b.min, value);
					b.max = Math.max(b.max, value);
					b.sketch.accept(value);
				}
			}
			stats(window: WindowName, now: number) {
				const s = windowSpan(window, now);
				return combine("x", window, s.from, s.to, this.rings[s.ring].slots.filter(b => b !== null && b.index >= s.fromIndex && b.index <= s.toIndex) as unknown as Parameters<typeof combine>[4]);
			}
		}
		// Steps of the clock (mostly within a bucket, sometimes across rings' spans, sometimes back, by up to 3 h), each with a value at or before it.
		const step = fc.tuple(
			fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3000 }) }, fc.integer({ min: 3000, max: 4 * 3_600_000 }), fc.integer({ min: -120_000, max: 0 }), fc.integer({ min: -3 * 3_600_000, max: 0 })),
			fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 0, max: 30 * 3_600_000 })),
			valueArb,
		);
		fc.assert(
			fc.property(fc.array(step, { minLength: 1, maxLength: 400 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 4 }), (steps, queryAt) => {
				const got = new MetricWindows();
				const want = new EagerWindows();
				let now = T0;
				const check = () => {
					for (const w of WINDOWS) for (const at of [now, now + 4999, now + 70_000]) expect(got.stats("x", w, at), `${w} at ${at}`).to.deep.equal(want.stats(w, at));
				};
				steps.forEach(([dt, behind, v], i) => {
					now += dt;
					got.add(now - behind, v, now);
					want.add(now - behind, v, now);
					if (queryAt.includes(i)) check();
				});
				check();
			}),
			{ numRuns: 300 },
		);
	});

	it("answers the same from values spread over nodes (merged exports) as from one node holding them all", () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 * DAY }), valueArb, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 2 * DAY }), (raw, queryOffset) => {
				const samples = raw.map(([dt, v, node]) => [T0 + dt, v, node] as const).sort((a, b) => a[0] - b[0]);
				const now = Math.max(samples.at(-1)![0], T0 + queryOffset);
				const whole = new MetricWindows();
				const parts = [new MetricWindows(), new MetricWindows(), new MetricWindows()];
				for (const [t, v, node] of samples) {
					whole.add(t, v, t);
					parts[node].add(t, v, t);
				}
				const exported = parts.map(p => ({ x: Object.fromEntries(WINDOWS.map(w => [w, p.export(w, now, "bins")])) }));
				const combined = combineExports("x", WINDOWS, now, exported)!;
				for (const w of WINDOWS) {
					const one = whole.stats("x", w, now);
					const got = combined[w]!;
					expect(
						parts.every(p => p.export(w, now).length <= 1),
						"one export per window",
					).to.equal(true);
					expect({ ...got, sum: 0, avg: 0 }).to.deep.equal({ ...one, sum: 0, avg: 0 });
					expect(got.sum).to.be.closeTo(one.sum, 1e-6 * Math.max(1, Math.abs(one.sum), ...samples.map(s => Math.abs(s[1]))));
				}
			}),
			{ numRuns: 200 },
		);
	});

	it("keeps quantiles within 1 % on 100k log-normal values", () => {
		const m = new MetricWindows();
		const vals: number[] = [];
		let seed = 7;
		const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
		for (let i = 0; i < 100_000; i++) {
			const v = Math.exp(3 + Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd()));
			vals.push(v);
			m.add(T0 + i, v, T0 + i);
		}
		vals.sort((a, b) => a - b);
		const s = m.stats("x", "5m", T0 + 100_000);
		expect(s.count).to.equal(100_000);
		for (const [q, got] of [
			[0.5, s.p50],
			[0.95, s.p95],
			[0.99, s.p99],
		] as const)
			expect(quantileOk(vals, q, got!)).to.equal(true);
	});

	it("holds at most 171 buckets over 48 h of values, however many values arrive", () => {
		const m = new MetricWindows();
		for (let t = T0; t < T0 + 2 * DAY; t += 997) m.add(t, t % 1000, t);
		expect(m.bucketCount).to.be.at.most(13 + 61 + 97);
		const s = m.stats("x", "24h", T0 + 2 * DAY);
		expect(s.count).to.be.above(80_000);
	});

	it("drops values older than the 24 h ring and counts them as late", () => {
		let now = T0;
		const store = new WindowStore(2, () => now);
		expect(store.record("a", 1)).to.equal("ok");
		expect(store.record("a", 1, now - DAY - 15 * 60_000)).to.equal("late");
		expect(store.record("b", 1)).to.equal("ok");
		expect(store.record("c", 1)).to.equal("full");
		now += DAY + 1;
		expect(store.evictIdle()).to.equal(2);
		expect(store.record("c", 1)).to.equal("ok");
		// A ts ahead of the clock counts as now: it is in the 1m window ending now.
		expect(store.record("c", 5, now + 1000)).to.equal("ok");
		expect(store.stats("c", "1m")!.max).to.equal(5);
	});

	it("names each metric changed since the last take once, and again after it changes again", () => {
		let now = T0;
		const store = new WindowStore(10, () => now);
		expect(store.takeDirty()).to.deep.equal([]);
		store.record("a", 1);
		store.record("b", 1);
		store.record("a", 2);
		expect(store.takeDirty().sort()).to.deep.equal(["a", "b"]);
		expect(store.takeDirty()).to.deep.equal([]);
		expect(store.record("b", 1, now - 2 * DAY)).to.equal("late");
		expect(store.takeDirty(), "a late value changes nothing").to.deep.equal([]);
		store.record("a", 3);
		expect(store.takeDirty()).to.deep.equal(["a"]);
		// Evicted while marked, then back: named again.
		store.record("b", 1);
		now += DAY + 1;
		expect(store.evictIdle()).to.equal(2);
		store.record("b", 1);
		expect(store.takeDirty()).to.deep.equal(["b"]);
		store.record("b", 2);
		expect(store.takeDirty()).to.deep.equal(["b"]);
	});

	it("combines nodes' exports whatever form each sent (bins, or protobuf from a node before them): a rolling upgrade", () => {
		const now = T0 + DAY;
		const nodes = [new MetricWindows(), new MetricWindows()];
		let k = 0;
		for (let t = now - DAY + 1000; t <= now; t += 61_000, k++) nodes[k % 2].add(t, ((k * 7919) % 2001) / 1000 - 1, now);
		for (const w of WINDOWS) {
			const parts = (formats: Array<"bins" | "proto">) => nodes.map((m, i) => ({ x: { [w]: JSON.parse(JSON.stringify(m.export(w, now, formats[i]))) } }));
			const proto = combineExports("x", [w], now, parts(["proto", "proto"]))![w]!;
			expect(typeof nodes[0].export(w, now)[0].sketch, "the default form, for callers that do not ask").to.equal("string");
			for (const mixed of [parts(["bins", "proto"]), parts(["proto", "bins"]), parts(["bins", "bins"])]) {
				const got = combineExports("x", [w], now, mixed)![w]!;
				expect({ ...got, p50: 0, p95: 0, p99: 0 }).to.deep.equal({ ...proto, p50: 0, p95: 0, p99: 0 });
				// The protobuf's mapping is rebuilt with a last-bit difference (sketch-bins.spec.ts).
				for (const q of ["p50", "p95", "p99"] as const) expect(got[q]).to.be.closeTo(proto[q]!, Math.abs(proto[q]!) * 1e-9);
			}
		}
	});
});
