import { expect } from "chai";
import fc from "fast-check";
import type { Bar } from "../../../lib/bars/bar.ts";
import { type AnyIndicator, createIndicator, restoreIndicator } from "../../../lib/indicators/index.ts";
import { compare, keltner, oracle, stream, vwapReference } from "./support.ts";

/** Small periods so short random series get past every warm-up. */
const SPECS = ["sma:3", "ema:4", "rsi:3", "macd:3:5:2", "bbands:4:2", "atr:3", "stoch:4:2:2", "vwap", "obv", "adx:3", "donchian:3", "wma:3", "dema:3", "tema:2", "roc:2", "willr:3", "mfi:3", "keltner:3:2:4"];

/**
 * Valid bars on an eighth-of-a-unit grid: coarse prices make equal closes, equal highs and ±DM
 * ties common, and zero ranges appear whenever all four draws coincide.
 */
const barArb = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 })).chain(([a, b, c, d]) => {
	const [low, x, y, high] = [a, b, c, d].sort((p, q) => p - q).map(v => v / 8);
	return fc.record({
		time: fc.integer({ min: 0, max: 4 }).map(h => h * 3_600_000),
		open: fc.constantFrom(x, y),
		high: fc.constant(high),
		low: fc.constant(low),
		close: fc.constantFrom(x, y, low, high),
		volume: fc.integer({ min: 0, max: 1000 }),
	});
});

const seriesArb = fc.array(barArb, { minLength: 1, maxLength: 60 }).map(bars => {
	let t = Date.UTC(2024, 0, 1);
	return bars.map(b => ({ ...b, time: (t += 60_000 + b.time) }) as Bar);
});

const specArb = fc.constantFrom(...SPECS);

function equalRuns(a: (number | null)[][], b: (number | null)[][]): void {
	expect(a).to.deep.equal(b); // exact: restored or peeked runs must be bit-identical, not just close
}

const TALIB_OF: Record<string, (b: Bar[]) => (number | null)[][]> = {
	"sma:3": b => [oracle("SMA", b, { optInTimePeriod: 3 }).outReal],
	"ema:4": b => [oracle("EMA", b, { optInTimePeriod: 4 }).outReal],
	"rsi:3": b => [oracle("RSI", b, { optInTimePeriod: 3 }).outReal],
	"macd:3:5:2": b => Object.values(oracle("MACD", b, { optInFastPeriod: 3, optInSlowPeriod: 5, optInSignalPeriod: 2 })),
	"bbands:4:2": b => Object.values(oracle("BBANDS", b, { optInTimePeriod: 4, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 })),
	"atr:3": b => [oracle("ATR", b, { optInTimePeriod: 3 }).outReal],
	"stoch:4:2:2": b => Object.values(oracle("STOCH", b, { optInFastK_Period: 4, optInSlowK_Period: 2, optInSlowK_MAType: 0, optInSlowD_Period: 2, optInSlowD_MAType: 0 })),
	obv: b => [oracle("OBV", b).outReal],
	vwap: b => [vwapReference(b)],
	"wma:3": b => [oracle("WMA", b, { optInTimePeriod: 3 }).outReal],
	"dema:3": b => [oracle("DEMA", b, { optInTimePeriod: 3 }).outReal],
	"tema:2": b => [oracle("TEMA", b, { optInTimePeriod: 2 }).outReal],
	"roc:2": b => [oracle("ROC", b, { optInTimePeriod: 2 }).outReal],
	"willr:3": b => [oracle("WILLR", b, { optInTimePeriod: 3 }).outReal],
	"mfi:3": b => [oracle("MFI", b, { optInTimePeriod: 3 }).outReal],
	"keltner:3:2:4": b => keltner(b, 3, 2, 4),
	"adx:3": b => ["ADX", "PLUS_DI", "MINUS_DI"].map(f => oracle(f, b, { optInTimePeriod: 3 }).outReal),
};

describe("indicator properties (fast-check)", () => {
	it("streaming equals the batch computation (TA-Lib; direct formula for VWAP) on random series", () => {
		fc.assert(
			fc.property(fc.constantFrom(...Object.keys(TALIB_OF)), seriesArb, (spec, bars) => {
				const got = stream(createIndicator(spec), bars);
				TALIB_OF[spec](bars).forEach((want, i) => expect(compare(got[i], want).bad, `${spec} column ${i}`).to.equal(-1));
			}),
			{ numRuns: 400 },
		);
	});

	it("toJSON/fromJSON at any bar continues exactly like an uninterrupted run", () => {
		fc.assert(
			fc.property(specArb, seriesArb, fc.nat(), (spec, bars, cut) => {
				const k = cut % (bars.length + 1);
				const first = createIndicator(spec);
				const head = stream(first, bars.slice(0, k));
				const snapshot = JSON.parse(JSON.stringify(first.toJSON()));
				const restored = restoreIndicator(snapshot);
				expect(restored.value, "value right after restore").to.deep.equal(first.value);
				expect(restored.count).to.equal(k);
				const tail = stream(restored, bars.slice(k));
				equalRuns(
					head.map((c, i) => [...c, ...tail[i]]),
					stream(createIndicator(spec), bars),
				);
			}),
		);
	});

	it("peek predicts the committed value and never changes later values", () => {
		fc.assert(
			fc.property(specArb, seriesArb, fc.array(barArb, { minLength: 1, maxLength: 5 }), (spec, bars, probes) => {
				const ind = createIndicator(spec);
				const row = new Float64Array(ind.width);
				const peeked = new Float64Array(ind.width);
				const cols: (number | null)[][] = Array.from({ length: ind.width }, () => []);
				bars.forEach((bar, i) => {
					for (const p of probes) ind.peek({ ...p, time: bar.time + (i % 2) * 86_400_000 });
					ind.write(peeked, 0, bar);
					ind.update(bar);
					ind.write(row, 0);
					expect([...peeked]).to.deep.equal([...row]);
					row.forEach((v, j) => cols[j].push(Number.isNaN(v) ? null : v));
				});
				equalRuns(cols, stream(createIndicator(spec), bars));
			}),
		);
	});

	it("a bad bar is refused with a reason and leaves state unchanged", () => {
		const bad = fc.constantFrom<Partial<Bar>>({ close: NaN }, { high: Infinity }, { low: -Infinity }, { volume: -1 }, { high: 1, low: 2, close: 1.5 }, { close: 1e9 }, { close: -1 }, { time: NaN });
		fc.assert(
			fc.property(specArb, seriesArb, fc.nat(), bad, (spec, bars, at, patch) => {
				const i = at % bars.length;
				const ind: AnyIndicator = createIndicator(spec);
				const before = stream(ind, bars.slice(0, i));
				const snapshot = JSON.stringify(ind.toJSON());
				const reason = ind.update({ ...bars[i], ...patch });
				expect(reason).to.be.a("string").with.length.greaterThan(0);
				expect(ind.peek({ ...bars[i], ...patch })).to.equal(null);
				expect(JSON.stringify(ind.toJSON())).to.equal(snapshot);
				const after = stream(ind, bars.slice(i));
				equalRuns(
					before.map((c, j) => [...c, ...after[j]]),
					stream(createIndicator(spec), bars),
				);
			}),
		);
	});
});
