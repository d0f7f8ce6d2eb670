/**
 * lib/strategies/performance: walk-forward strategy performance. Checked against a reference that
 * decides every bar with a strategy that has only seen the bars up to it, and against a series
 * whose future differs: the answer as of a bar does not change, the full answer does.
 */
import { expect } from "chai";
import type { Bar } from "../../../lib/bars/bar.ts";
import { createStrategy } from "../../../lib/strategies/index.ts";
import { MAX_STRATEGY_PARAM, strategyPerformance } from "../../../lib/strategies/performance.ts";
import { goog } from "../indicators/support.ts";

/** Signals by brute force: for bar i, a new strategy fed bars[0..i] only; did bar i fire? */
function referenceSignals(bars: readonly Bar[], spec: string): Array<{ i: number; dir: 1 | -1 }> {
	const out: Array<{ i: number; dir: 1 | -1 }> = [];
	for (let i = 0; i < bars.length; i++) {
		const s = createStrategy(spec);
		let last = null;
		for (let j = 0; j <= i; j++) last = s.update(bars[j]);
		if (last) out.push({ i, dir: last.direction === "long" ? 1 : -1 });
	}
	return out;
}

const flatThen = (closes: number[]): Bar[] => closes.map((c, i) => ({ time: i * 86_400_000, open: c, high: c, low: c, close: c, volume: 1 }));

describe("lib/strategies/performance: walk-forward strategy performance", () => {
	const series = goog().slice(0, 260);

	for (const spec of ["ma-cross:5:20", "rsi-trend", "bb-breakout"]) {
		it(`${spec}: signals, hit rates, mean returns and drawdown equal a reference that sees only the past at each bar`, () => {
			const got = strategyPerformance(series, spec, { horizons: [1, 5, 10] });
			const ref = referenceSignals(series, spec);
			expect(ref.length, "fires on GOOG").to.be.greaterThan(2);
			expect(got.signals).to.deep.equal({ total: ref.length, long: ref.filter(r => r.dir === 1).length, short: ref.filter(r => r.dir === -1).length });
			for (const h of got.horizons) {
				const done = ref.filter(r => r.i + h.horizon < series.length);
				const rets = done.map(r => r.dir * (series[r.i + h.horizon].close / series[r.i].close - 1));
				expect(h.evaluated).to.equal(done.length);
				expect(h.pending).to.equal(ref.length - done.length);
				expect(h.hits).to.equal(rets.filter(x => x > 0).length);
				expect(h.avg_return!).to.be.closeTo(rets.reduce((a, x) => a + x, 0) / rets.length, 1e-6);
			}
			// The follow-the-signal position from the reference signals, bar by bar.
			let pos = 0;
			let eq = 1;
			let peak = 1;
			let dd = 0;
			for (let i = 0; i < series.length; i++) {
				if (i > 0) eq *= 1 + pos * (series[i].close / series[i - 1].close - 1);
				peak = Math.max(peak, eq);
				dd = Math.max(dd, (peak - eq) / peak);
				const sig = ref.find(r => r.i === i);
				if (sig) pos = sig.dir;
			}
			expect(got.position.total_return).to.be.closeTo(eq - 1, 1e-6);
			expect(got.position.max_drawdown).to.be.closeTo(dd, 1e-6);
		});
	}

	it("no look-ahead: a different future leaves the answer as of a bar unchanged, and changes the full answer", () => {
		const spec = "ma-cross:5:20";
		// Two bars after a signal: its 5- and 10-bar horizons lie in the future.
		const k = referenceSignals(series, spec).find(r => r.i >= 100)!.i + 2;
		// Same bars up to k, then the price halves and stays there.
		const crashed = series.map((b, i) => (i <= k ? b : { ...b, open: b.open * 0.5, high: b.high * 0.5, low: b.low * 0.5, close: b.close * 0.5 }));
		const asOf = (bars: Bar[]) => strategyPerformance(bars, spec, { asOf: k });
		expect(asOf(crashed)).to.deep.equal(asOf(series));
		expect(asOf(series).horizons.map(h => h.pending)).to.deep.equal([0, 1, 1]);
		expect(strategyPerformance(crashed.slice(0, k + 1), spec)).to.deep.equal(asOf(series));
		const full = strategyPerformance(series, spec);
		const fullCrashed = strategyPerformance(crashed, spec);
		expect(fullCrashed.horizons).to.not.deep.equal(full.horizons);
		expect(fullCrashed.position).to.not.deep.equal(full.position);
	});

	it("a hand-checked path: one long, scored over its horizons, then a short; drawdown of the position", () => {
		// ma-cross:1:2 (SMA(1) = close vs SMA(2)): fires when the close crosses the 2-bar mean.
		const bars = flatThen([10, 10, 11, 12, 9, 8, 8]);
		const p = strategyPerformance(bars, "ma-cross:1:2", { horizons: [1, 2] });
		// bar 2: 11 > mean(10, 11) after 10 = mean(10, 10): long. bar 4: 9 < mean(12, 9): short.
		expect(p.signals).to.deep.equal({ total: 2, long: 1, short: 1 });
		expect(p.horizons[0]).to.deep.include({ horizon: 1, evaluated: 2, hits: 2, pending: 0 });
		expect(p.horizons[0].avg_return).to.be.closeTo((12 / 11 - 1 + (1 - 8 / 9)) / 2, 1e-6);
		expect(p.horizons[1]).to.deep.include({ horizon: 2, evaluated: 2, hits: 1 });
		// Long from 11: 12 (+9.1 %), 9 (−25 %) then short from 9: 8, 8. Peak 12/11, trough 9/11.
		expect(p.position.max_drawdown).to.be.closeTo(0.25, 1e-6);
		expect(p.position.total_return).to.be.closeTo((9 / 11) * (1 + 1 / 9) - 1, 1e-6);
		expect(p.position.flips).to.equal(1);
		expect(p.spec).to.equal("ma-cross:1:2:0");
	});

	it("no bars, and an unknown strategy", () => {
		expect(strategyPerformance([], "ma-cross")).to.deep.include({ bars: 0, from: null, to: null, signals: { total: 0, long: 0, short: 0 } });
		expect(() => strategyPerformance([], "nope")).to.throw(RangeError, /unknown strategy/);
	});

	it("refuses parameters longer than any stored series before building the strategy (sr-breakout:200000000 took 50 s and 3 GB)", () => {
		const t0 = Date.now();
		for (const spec of ["sr-breakout:200000000", "ma-cross:1:2000000000", "bb-breakout:100001"]) expect(() => strategyPerformance(series.slice(0, 10), spec)).to.throw(RangeError, new RegExp(`above ${MAX_STRATEGY_PARAM}`));
		expect(Date.now() - t0).to.be.below(1000);
		expect(strategyPerformance(series.slice(0, 10), `sr-breakout:${MAX_STRATEGY_PARAM}`).signals.total).to.equal(0);
	});
});
