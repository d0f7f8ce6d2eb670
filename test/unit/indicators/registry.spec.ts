import { expect } from "chai";
import { IndicatorSet, IndicatorSpecError, Macd, createIndicator, parseSpec, parseSpecs, checkBar, restoreIndicator } from "../../../lib/indicators/index.ts";
import { goog, stream, synthetic } from "./support.ts";

const ISSUE_SPECS = "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2,atr:14,stoch:14:3:3,vwap,obv,adx:14";

describe("indicator registry", () => {
	it("parses specs and fills default parameters", () => {
		expect(parseSpec("macd:12:26:9")).to.deep.equal({ kind: "macd", params: [12, 26, 9] });
		expect(parseSpec("macd")).to.deep.equal({ kind: "macd", params: [12, 26, 9] });
		expect(parseSpec("bbands:10")).to.deep.equal({ kind: "bbands", params: [10, 2] });
		expect(parseSpec(" SMA:5 ")).to.deep.equal({ kind: "sma", params: [5] });
		expect(createIndicator("sma:5").columns).to.deep.equal(["sma_5"]);
	});

	it("names the output columns as the batch command documents", () => {
		const columns = parseSpecs(ISSUE_SPECS).flatMap(s => createIndicator(s).columns);
		expect(columns).to.deep.equal([
			"sma_20",
			"ema_20",
			"rsi_14",
			"macd_12_26_9.macd",
			"macd_12_26_9.signal",
			"macd_12_26_9.hist",
			"bbands_20_2.upper",
			"bbands_20_2.middle",
			"bbands_20_2.lower",
			"atr_14",
			"stoch_14_3_3.k",
			"stoch_14_3_3.d",
			"vwap",
			"obv",
			"adx_14.adx",
			"adx_14.plusDI",
			"adx_14.minusDI",
		]);
	});

	for (const bad of ["foo:3", "sma:0", "sma:-2", "sma:x", "sma:", "sma:2.5", "sma:20:3", "obv:1", "rsi:1"]) {
		it(`refuses "${bad}" with IndicatorSpecError`, () => {
			expect(() => createIndicator(bad)).to.throw(IndicatorSpecError);
		});
	}

	it("refuses a snapshot restored into a different indicator", () => {
		const state = createIndicator("sma:5").toJSON();
		expect(() => new Macd().load(state)).to.throw(TypeError, /sma/);
	});
});

describe("IndicatorSet", () => {
	it("keeps every indicator's values in one row, equal to running each alone", () => {
		const bars = goog();
		const set = new IndicatorSet(parseSpecs(ISSUE_SPECS));
		const alone = set.columns.length;
		const singles = parseSpecs(ISSUE_SPECS).flatMap(s => stream(createIndicator(s), bars));
		expect(singles.length).to.equal(alone);
		bars.forEach((bar, i) => {
			expect(set.update(bar)).to.equal(null);
			const row = [...set.values].map(v => (Number.isNaN(v) ? null : v));
			expect(row).to.deep.equal(singles.map(col => col[i]));
		});
	});

	it("peeks into `provisional`, refuses bad bars whole, and round-trips through JSON", () => {
		const bars = synthetic(9, 120);
		const set = new IndicatorSet(parseSpecs(ISSUE_SPECS));
		bars.slice(0, 100).forEach(b => set.update(b));
		expect(set.update({ ...bars[100], high: bars[100].low - 1 })).to.equal("high is below low");
		const copy = IndicatorSet.fromJSON(JSON.parse(JSON.stringify(set)));
		expect([...copy.values]).to.deep.equal([...set.values]);
		expect(set.peek(bars[100])).to.equal(null);
		const provisional = [...set.provisional];
		set.update(bars[100]);
		copy.update(bars[100]);
		expect([...set.values]).to.deep.equal(provisional);
		expect(copy.snapshot()).to.deep.equal(set.snapshot());
		expect(set.snapshot().sma_20).to.be.a("number");
	});

	it("members share one window of closes and one of highs/lows, unpublished ones too, and still equal running each alone through snapshots", () => {
		const published = ["sma:5", "bbands:8:2", "stoch:4:2:2", "willr:3"];
		const extra = ["sma:12", "donchian:9", "sma:5"]; // the last equals a published member: left out
		const bars = synthetic(3, 160);
		const set = new IndicatorSet(
			published,
			extra.map(s => createIndicator(s)),
		);
		expect(set.toJSON().map(s => s.kind)).to.deep.equal(["sma", "bbands", "stoch", "willr", "sma", "donchian"]);
		// Alone: 2 windows of 5+8+12 closes and 2 lanes of 4+3+9; shared: 12 closes, 2 lanes of 9.
		const alone = [...published, "sma:12", "donchian:9"].reduce((n, s) => n + createIndicator(s).arena.used, 0);
		expect(alone - set.arena.used).to.equal(5 + 8 + 2 * (4 + 3) + 4 * 3);
		const singles = [...published, "sma:12", "donchian:9"].map(s => stream(createIndicator(s), bars));
		let current = set;
		bars.forEach((bar, i) => {
			if (i % 23 === 7) current = IndicatorSet.fromJSON(JSON.parse(JSON.stringify(current)), published.length);
			expect(current.update(bar)).to.equal(null);
			const row = [...current.values].map(v => (Number.isNaN(v) ? null : v));
			expect(row, `published at bar ${i}`).to.deep.equal(singles.slice(0, published.length).flatMap(cols => cols.map(col => col[i])));
			// Every member's snapshot, restored alone, carries the same values.
			current.toJSON().forEach((state, k) => {
				const ind = restoreIndicator(state);
				const out = new Float64Array(ind.width);
				ind.write(out, 0);
				expect(
					[...out].map(v => (Number.isNaN(v) ? null : v)),
					`${state.kind} at bar ${i}`,
				).to.deep.equal(singles[k].map(col => col[i]));
			});
		});
	});

	it("refuses duplicate columns", () => {
		expect(() => new IndicatorSet(["sma:5", "sma:5"])).to.throw(TypeError, /sma_5/);
	});
});

describe("checkBar", () => {
	const ok = { time: 0, open: 10, high: 11, low: 9, close: 10, volume: 5 };
	const cases: [Partial<typeof ok>, string][] = [
		[{ open: NaN }, "open is not a finite number"],
		[{ high: Infinity }, "high is not a finite number"],
		[{ volume: NaN }, "volume is not a finite number"],
		[{ high: 8 }, "high is below low"],
		[{ close: 12 }, "close is outside [low, high]"],
		[{ close: 8.5 }, "close is outside [low, high]"],
		[{ volume: -0.5 }, "volume is negative"],
		[{ time: NaN }, "time is not a finite number"],
		[{ low: -Infinity, high: Infinity }, "high is not a finite number"],
	];
	it("accepts a valid bar, including a flat one with zero volume", () => {
		expect(checkBar(ok)).to.equal(null);
		expect(checkBar({ time: 0, open: 1, high: 1, low: 1, close: 1, volume: 0 })).to.equal(null);
		// Finite fields whose sum overflows must not be mistaken for non-finite ones.
		expect(checkBar({ time: 0, open: 1e308, high: 1.5e308, low: 1e308, close: 1.2e308, volume: 1e308 })).to.equal(null);
	});
	for (const [patch, reason] of cases) {
		it(`refuses ${JSON.stringify(patch)}: ${reason}`, () => expect(checkBar({ ...ok, ...patch })).to.equal(reason));
	}
});

describe("synthetic series", () => {
	it("really contain the edge cases the oracle tests rely on", () => {
		const bars = synthetic(1);
		const at = (f: (i: number) => boolean) => bars.some((_, i) => i > 0 && f(i));
		expect(
			at(i => bars[i].close === bars[i - 1].close),
			"equal consecutive closes",
		).to.equal(true);
		expect(
			at(i => bars[i].high - bars[i - 1].high === bars[i - 1].low - bars[i].low && bars[i].high > bars[i - 1].high),
			"±DM tie",
		).to.equal(true);
		expect(
			at(i => Math.abs(bars[i].open - bars[i - 1].close) > 1 && bars[i].time - bars[i - 1].time > 3_600_000),
			"overnight gap",
		).to.equal(true);
		const flat = bars.filter(b => b.high === b.low).length;
		expect(flat, "flat bars").to.be.at.least(45);
	});
});
