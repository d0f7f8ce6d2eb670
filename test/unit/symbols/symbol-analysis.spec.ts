import { expect } from "chai";
import fc from "fast-check";
import { SymbolAnalysis, type AnalysisConfig, type AnalysisEvent } from "../../../lib/symbols/symbol-analysis.ts";
import { IndicatorSet } from "../../../lib/indicators/indicator-set.ts";
import { mulberry32 } from "../../../lib/feed/random.ts";
import type { Bar } from "../../../lib/bars/bar.ts";

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5, 14, 0);
const INDICATORS = ["sma:5", "ema:5", "rsi:5", "macd:3:6:2", "bbands:5:2", "atr:5", "stoch:5:3:3", "vwap", "obv", "adx:5"];
const cfg = (over: Partial<AnalysisConfig> = {}): AnalysisConfig => ({
	timeframes: ["1m", "5m"],
	indicators: INDICATORS,
	strategies: ["ma-cross:2:4"],
	lateToleranceMs: 2000,
	maxBars: 500,
	publishEveryMs: 250,
	signalHistory: 50,
	...over,
});

/** Seeded trades, in time order, a few per second, with some out of order within the tolerance. */
function trades(n: number, seed: number, jitterMs = 0) {
	const r = mulberry32(seed);
	let price = 100;
	let ts = T0;
	return Array.from({ length: n }, () => {
		ts += Math.floor(r() * 4000);
		price = Math.max(1, price + (r() - 0.5) * 2);
		return { ts: ts - Math.floor(r() * jitterMs), price: Math.round(price * 100) / 100, size: 1 + Math.floor(r() * 100) };
	});
}

/** The bars a group-by of the trades gives, oldest first. */
function groupBars(ts: Array<{ ts: number; price: number; size: number }>, span: number): Bar[] {
	const by = new Map<number, Array<{ ts: number; price: number; size: number }>>();
	for (const t of ts) {
		const k = t.ts - (t.ts % span);
		by.set(k, [...(by.get(k) ?? []), t]);
	}
	return [...by.keys()]
		.sort((a, b) => a - b)
		.map(time => {
			const g = by
				.get(time)!
				.slice()
				.sort((a, b) => a.ts - b.ts);
			return { time, open: g[0].price, high: Math.max(...g.map(t => t.price)), low: Math.min(...g.map(t => t.price)), close: g[g.length - 1].price, volume: g.reduce((n, t) => n + t.size, 0) };
		});
}

describe("lib/symbols/symbol-analysis", () => {
	it("commits to indicators exactly the bars a group-by gives, once each and only when final", () => {
		const a = new SymbolAnalysis(cfg());
		const ticks = trades(600, 1, 1500);
		const finals: Record<string, Bar[]> = { "1m": [], "5m": [] };
		for (const t of ticks) {
			expect(a.lateReason(t.ts), "the series stays within the tolerance").to.equal(null);
			a.apply(t, e => {
				if (e.type === "bar" && e.final) finals[e.tf].push({ ...e.bar });
			});
		}
		for (const [tf, span] of [
			["1m", M],
			["5m", 5 * M],
		] as const) {
			const expected = groupBars(ticks, span);
			// Every bar but those still within reach of a late tick is final, in time order.
			const nFinal = finals[tf].length;
			expect(nFinal).to.be.greaterThan(expected.length - 3);
			expect(finals[tf].map(b => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume }))).to.deep.equal(expected.slice(0, nFinal));
			const set = new IndicatorSet(INDICATORS);
			for (const b of expected.slice(0, nFinal)) set.update(b);
			expect(a.indicators(tf)!.final.values).to.deep.equal(set.snapshot());
		}
	});

	it("refuses ticks older than the tolerance, and lands late ones within it in their own bar", () => {
		const a = new SymbolAnalysis(cfg());
		const events: AnalysisEvent[] = [];
		a.apply({ ts: T0 + 59_000, price: 10, size: 1 }, e => events.push(e));
		a.apply({ ts: T0 + M + 500, price: 11, size: 1 }, e => events.push(e));
		expect(a.lateReason(T0 + M + 500 - 2001)).to.match(/2001 ms older than the newest.*tolerance is 2000 ms/);
		expect(a.lateReason(T0 + M + 500 - 2000)).to.equal(null);
		// 1.5 s late: the first minute's bar is closed but not final, so it is amended.
		a.apply({ ts: T0 + 59_500, price: 13, size: 2 }, e => events.push(e));
		expect(events.filter(e => e.type === "bar" && e.final)).to.have.length(0);
		a.apply({ ts: T0 + M + 3000, price: 12, size: 1 }, e => events.push(e));
		const final = events.find(e => e.type === "bar" && e.final && e.tf === "1m");
		expect(final).to.deep.include({ type: "bar", tf: "1m", final: true });
		expect((final as { bar: Bar }).bar).to.include({ time: T0, open: 10, high: 13, close: 13, volume: 3, revision: 1 });
	});

	it("restored from its state at any tick, continues exactly as if never stopped", () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 299 }), (seed, cut) => {
				const ticks = trades(300, seed, 1500);
				const straight = new SymbolAnalysis(cfg());
				const events1: unknown[] = [];
				for (const t of ticks) straight.apply(t, e => events1.push(e));
				let first = new SymbolAnalysis(cfg());
				const events2: unknown[] = [];
				ticks.forEach((t, i) => {
					if (i === cut) first = new SymbolAnalysis(cfg(), JSON.parse(JSON.stringify(first.toJSON())));
					first.apply(t, e => events2.push(e));
				});
				expect(first.toJSON()).to.deep.equal(straight.toJSON());
				// Published finals and signals match too (the throttle of forming updates may not).
				const keep = (es: unknown[]) => JSON.stringify(es.filter(e => (e as { final?: boolean }).final || (e as AnalysisEvent).type === "signal"));
				expect(keep(events2)).to.equal(keep(events1));
			}),
			{ numRuns: 25 },
		);
	});

	it("fires strategy signals on final bars and keeps the newest first", () => {
		const a = new SymbolAnalysis(cfg({ timeframes: ["1m"] }));
		// Falling then rising closes, one trade a minute: the 2-bar SMA crosses above the 4-bar one.
		const closes = [20, 19, 18, 17, 16, 15, 16, 18, 21, 25, 30];
		const signals: AnalysisEvent[] = [];
		closes.forEach((p, i) => a.apply({ ts: T0 + i * M + 1000, price: p, size: 1 }, e => e.type === "signal" && signals.push(e)));
		a.apply({ ts: T0 + closes.length * M + 5000, price: 30, size: 1 }, e => e.type === "signal" && signals.push(e));
		expect(signals).to.have.length(1);
		const s = signals[0] as Extract<AnalysisEvent, { type: "signal" }>;
		expect(s.signal).to.include({ strategy: "ma-cross", direction: "long" });
		expect(a.signals(10)).to.deep.equal([{ ...s.signal, tf: "1m" }]);
	});

	it("publishes the forming bar at most once per publishEveryMs of tick time, and every close", () => {
		const a = new SymbolAnalysis(cfg({ timeframes: ["1m"], publishEveryMs: 1000 }));
		const bars: Array<{ final: boolean; time: number }> = [];
		for (let i = 0; i < 100; i++) a.apply({ ts: T0 + i * 100, price: 10 + i / 100, size: 1 }, e => e.type === "bar" && bars.push({ final: e.final, time: e.bar.time }));
		expect(bars.filter(b => !b.final)).to.have.length(10);
		expect(a.indicators("1m")!.provisional).to.not.equal(null);
		expect(a.bars("1m", 10)).to.have.length(1);
		expect(a.bars("1h", 10)).to.equal(null);
	});
});
