import { expect } from "chai";
import type { Bar } from "../../../lib/bars/bar.ts";
import { type Signal, type Strategy, STRATEGY_NAMES as LIVE_NAMES, createStrategy, restoreStrategy } from "../../../lib/strategies/index.ts";

// The built-ins: plug-ins registered by other specs in this process must not join these tests.
const STRATEGY_NAMES = [...LIVE_NAMES];
import { goog, oracle } from "../indicators/support.ts";
import { IndicatorSet } from "../../../lib/indicators/indicator-set.ts";
import { PARAMS_SHARED_LIMIT, sharedParamLists } from "../../../lib/strategies/strategy.ts";

/** Bars from closes: open = previous close, range ±1 around the body unless given. */
function bars(closes: readonly number[], ranges?: readonly [number, number][]): Bar[] {
	return closes.map((close, i) => {
		const open = i === 0 ? close : closes[i - 1];
		const [low, high] = ranges?.[i] ?? [Math.min(open, close) - 1, Math.max(open, close) + 1];
		return { time: 1_700_000_000_000 + i * 60_000, open, high, low, close, volume: 100 };
	});
}

const fill = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

function fired(strategy: Strategy, series: readonly Bar[], signals: Signal[] = []): [number, Signal["direction"]][] {
	const out: [number, Signal["direction"]][] = [];
	series.forEach((bar, i) => {
		const s = strategy.update(bar);
		if (s === null) return;
		signals.push(s);
		expect(s.strength).to.be.within(0, 1);
		expect(s.barTime).to.equal(bar.time);
		expect(s.strategy).to.equal(strategy.name);
		out.push([i, s.direction]);
	});
	return out;
}

describe("strategies", () => {
	it("shares at most PARAMS_SHARED_LIMIT parameter lists (specs also come from requests)", () => {
		for (let i = 0; i < PARAMS_SHARED_LIMIT + 100; i++) createStrategy(`bb-breakout:20:${1 + i / 100_000}`);
		expect(sharedParamLists()).to.equal(PARAMS_SHARED_LIMIT);
		const [a, b] = [createStrategy("ma-cross:5:20"), createStrategy("ma-cross:5:20")];
		expect(a.params).to.deep.equal([5, 20, 0]);
		expect(b.params).to.deep.equal(a.params);
	});

	it("ma-cross fires long where SMA(3) crosses above SMA(5) and short where it crosses back, nowhere else", () => {
		const closes = [...fill(10, () => 100), ...fill(10, () => 110), ...fill(10, () => 90)];
		expect(fired(createStrategy("ma-cross:3:5"), bars(closes))).to.deep.equal([
			[10, "long"],
			[20, "short"],
		]);
	});

	it("bb-breakout fires on the first close outside each band only", () => {
		// z-score of one outlier among n equal-ish values is √(n−1) = 3 for n = 10, so it breaks a 2σ band.
		const closes = [...fill(30, i => (i % 2 ? 101 : 99)), ...fill(10, () => 110), ...fill(6, () => 90)];
		const signals: Signal[] = [];
		expect(fired(createStrategy("bb-breakout:10:2"), bars(closes), signals)).to.deep.equal([
			[30, "long"],
			[40, "short"],
		]);
		expect(signals[0].inputs.close).to.be.greaterThan(signals[0].inputs.upper);
		expect(signals[1].inputs.close).to.be.lessThan(signals[1].inputs.lower);
		expect(signals[0].reason).to.equal("close crossed above the upper band");
	});

	it("sr-breakout fires on the first close beyond the prior 5-bar high or low", () => {
		const closes = [...fill(15, i => (i % 2 ? 101 : 99)), 105, ...fill(9, i => 104 + (i % 2)), 95, 94, 93];
		const ranges: [number, number][] = closes.map((c, i) => (i < 15 ? [98, 102] : i < 25 ? [103, 106] : [c - 1, c + 1]));
		expect(fired(createStrategy("sr-breakout:5"), bars(closes, ranges))).to.deep.equal([
			[15, "long"],
			[25, "short"],
		]);
	});

	it("rsi-trend fires when RSI crosses 50 on the side of the trend EMA", () => {
		const closes = [...fill(20, i => 120 - i), ...fill(16, i => 110 + i), ...fill(10, i => 110 - i)];
		const series = bars(closes);
		const expected: [number, Signal["direction"]][] = [
			[20, "long"],
			[36, "short"],
		];
		expect(fired(createStrategy("rsi-trend:5:10"), series)).to.deep.equal(expected);
		// The same rule restated on TA-Lib's RSI and EMA arrays finds the same bars.
		const rsi = oracle("RSI", series, { optInTimePeriod: 5 }).outReal;
		const ema = oracle("EMA", series, { optInTimePeriod: 10 }).outReal;
		const byOracle = series.flatMap((b, i) => {
			const [p, r, e] = [rsi[i - 1], rsi[i], ema[i]];
			if (i === 0 || p === null || r === null || e === null) return [];
			if (p <= 50 && r > 50 && b.close > e) return [[i, "long"]];
			if (p >= 50 && r < 50 && b.close < e) return [[i, "short"]];
			return [];
		});
		expect(byOracle).to.deep.equal(expected);
	});

	it("macd-rsi fires on MACD/signal crosses that RSI does not veto", () => {
		const closes = [...fill(30, i => 150 - i), ...fill(20, i => 121 + 2 * i), ...fill(15, i => 159 - 2 * i)];
		const series = bars(closes);
		const got = fired(createStrategy("macd-rsi:3:6:3:14:70:30"), series);
		const m = oracle("MACD", series, { optInFastPeriod: 3, optInSlowPeriod: 6, optInSignalPeriod: 3 }).outMACDHist;
		const rsi = oracle("RSI", series, { optInTimePeriod: 14 }).outReal;
		const byOracle = series.flatMap((_, i) => {
			const [p, h, r] = [m[i - 1], m[i], rsi[i]];
			if (i === 0 || p === null || h === null || r === null) return [];
			if (p <= 0 && h > 0 && r < 70) return [[i, "long"]];
			if (p >= 0 && h < 0 && r > 30) return [[i, "short"]];
			return [];
		});
		expect(got).to.deep.equal(byOracle);
		expect(got).to.deep.equal([
			[30, "long"],
			[50, "short"],
		]);
	});

	it("the RSI filter vetoes a MACD cross when RSI is stretched", () => {
		const closes = [...fill(30, i => 150 - i), ...fill(20, i => 121 + 2 * i), ...fill(15, i => 159 - 2 * i)];
		expect(fired(createStrategy("macd-rsi:3:6:3:14:70:99"), bars(closes))).to.deep.equal([[30, "long"]]);
	});

	for (const name of STRATEGY_NAMES) {
		it(`${name}: a snapshot restored at any bar fires exactly the same later signals`, () => {
			const series = goog().slice(0, 400);
			const whole = createStrategy(name);
			const all = series.map(b => whole.update(b));
			expect(all.filter(s => s !== null).length, "fires on real data").to.be.greaterThan(0);
			for (const k of [0, 1, 33, 150, 399]) {
				const head = createStrategy(name);
				series.slice(0, k).forEach(b => head.update(b));
				const restored = restoreStrategy(JSON.parse(JSON.stringify(head)));
				expect(series.slice(k).map(b => restored.update(b))).to.deep.equal(all.slice(k));
			}
		});
	}

	it("ignores a bad bar without changing state, and refuses unknown names", () => {
		const s = createStrategy("ma-cross:3:5");
		const before = JSON.stringify(s);
		expect(s.update({ time: 0, open: 1, high: 0, low: 1, close: 1, volume: 1 })).to.equal(null);
		expect(JSON.stringify(s)).to.equal(before);
		expect(() => createStrategy("nope")).to.throw(RangeError);
	});

	it("sharing an IndicatorSet's indicators fires the same signals as owning them, and restores from the set's state", () => {
		const series = goog();
		const specs = ["sma:20", "ema:20", "rsi:14", "macd:12:26:9", "bbands:20:2"];
		const own = STRATEGY_NAMES.map(n => createStrategy(n));
		const set = new IndicatorSet(specs);
		const shared = STRATEGY_NAMES.map(n => createStrategy(n).shareIndicators(set));
		const half = Math.floor(series.length / 2);
		const run = (bar: Bar, list: Strategy[], withSet: IndicatorSet | null) => {
			withSet?.update(bar);
			return list.map(x => x.update(bar));
		};
		for (const bar of series.slice(0, half)) expect(run(bar, shared, set)).to.deep.equal(run(bar, own, null));
		// macd-rsi and bb-breakout found theirs in the set; ma-cross, rsi-trend and sr-breakout added 4 unpublished.
		expect(set.columns).to.have.length(9); // unchanged: adopted indicators publish no column
		expect(set.toJSON()).to.have.length(5 + 4);
		expect(shared[0].toJSON().indicators).to.deep.equal([]);
		const set2 = IndicatorSet.fromJSON(JSON.parse(JSON.stringify(set.toJSON())), specs.length);
		const restored = shared.map(x => restoreStrategy(JSON.parse(JSON.stringify(x.toJSON())), set2));
		expect(set2.columns).to.deep.equal(set.columns);
		for (const bar of series.slice(half)) expect(run(bar, restored, set2)).to.deep.equal(run(bar, own, null));
	});

	it("a snapshot with more memory than the strategy's (a newer version's, in a rolling deploy) leaves the neighbouring state untouched", () => {
		const series = goog().slice(0, 200);
		const set = new IndicatorSet(["sma:20", "ema:20", "rsi:14", "macd:12:26:9", "bbands:20:2"]);
		const shared = STRATEGY_NAMES.map(n => createStrategy(n).shareIndicators(set));
		for (const bar of series) {
			set.update(bar);
			for (const x of shared) x.update(bar);
		}
		const states = () => JSON.stringify([set.toJSON(), shared.map(x => x.toJSON())]);
		const before = states();
		for (const x of shared) {
			const state = x.toJSON();
			x.load({ ...state, memory: [...state.memory, ...fill(8, i => 1e6 + i)] });
			expect(states(), `${x.name} wrote past its memory`).to.equal(before);
		}
	});

	it("saves only the memory the rules compare against, not the scratch a bar rewrites", () => {
		// The sizes before the scratch slots came: a node of that version loads these snapshots whole.
		const saved = { "ma-cross": 2, "bb-breakout": 3, "sr-breakout": 5, "rsi-trend": 1, "macd-rsi": 1 };
		for (const name of STRATEGY_NAMES) expect(createStrategy(name).toJSON().memory, name).to.have.length(saved[name as keyof typeof saved]);
	});
});
