/**
 * lib/strategies/signal-outcomes: live signals scored as the walk-forward performance scores them
 * on stored bars, per strategy, timeframe and horizon; bounded, drop-oldest.
 */
import { expect } from "chai";
import { createStrategy } from "../../../lib/strategies/index.ts";
import { strategyPerformance } from "../../../lib/strategies/performance.ts";
import { SignalOutcomes, type SignalOutcome } from "../../../lib/strategies/signal-outcomes.ts";
import { goog } from "../indicators/support.ts";

describe("lib/strategies/signal-outcomes: live signal accuracy", () => {
	const bars = goog().slice(0, 400);

	for (const spec of ["ma-cross:5:20", "rsi-trend", "bb-breakout"]) {
		it(`${spec}: live hits and misses per horizon equal the walk-forward performance's hits and evaluated`, () => {
			const live = new SignalOutcomes([1, 5, 10]);
			const outcomes: SignalOutcome[] = [];
			const strategy = createStrategy(spec);
			// In the order a symbol actor publishes: the final bar, then the signals decided on it.
			for (const bar of bars) {
				live.bar("1d", bar.close, o => outcomes.push(o));
				const sig = strategy.update(bar);
				if (sig) live.signal("1d", sig.spec, sig.direction);
			}
			const perf = strategyPerformance(bars, spec, { horizons: [1, 5, 10] });
			expect(perf.signals.total).to.be.greaterThan(3);
			for (const h of perf.horizons) {
				const at = outcomes.filter(o => o.horizon === h.horizon);
				expect(at.length, `evaluated at ${h.horizon}`).to.equal(h.evaluated);
				expect(at.filter(o => o.hit).length, `hits at ${h.horizon}`).to.equal(h.hits);
				expect(new Set(at.map(o => `${o.strategy}/${o.tf}`))).to.deep.equal(new Set([`${perf.spec}/1d`]));
			}
			expect(live.pending, "signals still short of 10 bars").to.equal(perf.horizons[2].pending);
		});
	}

	it("a bar of another timeframe does not age a signal; a signal before any final bar is not scored", () => {
		const live = new SignalOutcomes([1, 2]);
		const out: SignalOutcome[] = [];
		live.signal("1m", "x", "long"); // no 1m close seen yet
		expect(live.pending).to.equal(0);
		live.bar("1m", 100, o => out.push(o));
		live.signal("1m", "x", "long");
		live.bar("5m", 50, o => out.push(o));
		expect(out).to.deep.equal([]);
		live.bar("1m", 101, o => out.push(o));
		live.bar("1m", 99, o => out.push(o));
		expect(out).to.deep.equal([
			{ strategy: "x", tf: "1m", horizon: 1, hit: true },
			{ strategy: "x", tf: "1m", horizon: 2, hit: false },
		]);
		expect(live.pending, "done after the longest horizon").to.equal(0);
	});

	it("holds at most maxPending signals, dropping the oldest unscored and counting it", () => {
		const live = new SignalOutcomes([3], 2);
		const out: SignalOutcome[] = [];
		live.bar("1m", 100, o => out.push(o));
		live.signal("1m", "a", "short");
		live.signal("1m", "b", "short");
		live.signal("1m", "c", "short");
		expect(live.pending).to.equal(2);
		expect(live.dropped).to.equal(1);
		for (const close of [99, 98, 97]) live.bar("1m", close, o => out.push(o));
		expect(out.map(o => [o.strategy, o.hit])).to.deep.equal([
			["b", true],
			["c", true],
		]);
	});

	it("refuses horizons that are not whole numbers of bars", () => {
		expect(() => new SignalOutcomes([])).to.throw(RangeError);
		expect(() => new SignalOutcomes([0, 5])).to.throw(RangeError);
		expect(() => new SignalOutcomes([1.5])).to.throw(RangeError);
	});
});
