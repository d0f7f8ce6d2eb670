import { expect } from "chai";
import fc from "fast-check";
import { BarBuilder, type BuiltBar, type Trade } from "../../../lib/bars/bar-builder.ts";
import { MultiTimeframeBars } from "../../../lib/bars/multi-timeframe.ts";
import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe, bucketStart, dailySession, utcDays } from "../../../lib/bars/timeframes.ts";

const T0 = Date.UTC(2024, 2, 4, 14, 30); // a Monday, 14:30 UTC
const tr = (s: number, price: number, size = 1): Trade => ({ ts: T0 + s * 1000, price, size });

/** Group-by reference for in-order trades: what each bucket's bar must be. */
function reference(trades: readonly Trade[], tf: Timeframe): Omit<BuiltBar, "revision">[] {
	const out: Omit<BuiltBar, "revision">[] = [];
	let pv = 0;
	for (const t of trades) {
		const time = bucketStart(t.ts, tf, utcDays);
		const last = out[out.length - 1];
		if (last === undefined || last.time !== time) {
			pv = t.price * t.size;
			out.push({ timeframe: tf, time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.size, trades: 1, vwap: t.price });
			continue;
		}
		last.high = Math.max(last.high, t.price);
		last.low = Math.min(last.low, t.price);
		last.close = t.price;
		last.volume += t.size;
		last.trades++;
		pv += t.price * t.size;
		last.vwap = last.volume > 0 ? pv / last.volume : last.close;
	}
	return out;
}

const all = (b: BarBuilder) => [...b.history, ...(b.forming ? [b.forming] : [])];
const strip = (bars: BuiltBar[]) => bars.map(({ revision: _r, vwap: _v, ...rest }) => rest);

/** Strictly increasing trade times (ms), spanning a few hours, on a coarse price grid. */
const tradesArb = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 400_000 }), price: fc.integer({ min: 1, max: 50 }), size: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 80 }).map(xs => {
	let ts = T0;
	return xs.map(x => ({ ts: (ts += x.gap), price: x.price / 4, size: x.size }));
});

describe("BarBuilder", () => {
	it("builds OHLCV, trade count and VWAP for one bucket and closes it when the next opens", () => {
		const b = new BarBuilder("1m");
		expect(b.add(tr(1, 10, 2)).type).to.equal("forming");
		b.add(tr(20, 12, 1));
		b.add(tr(40, 9, 3));
		b.add(tr(59, 11, 4));
		const r = b.add(tr(61, 11.5, 1));
		expect(r.type === "forming" && r.closed).to.deep.equal({
			timeframe: "1m",
			time: T0,
			open: 10,
			high: 12,
			low: 9,
			close: 11,
			volume: 10,
			trades: 4,
			vwap: (20 + 12 + 27 + 44) / 10,
			revision: 0,
		});
		expect(b.forming).to.include({ time: T0 + 60_000, open: 11.5, trades: 1 });
	});

	it("every timeframe equals a group-by of the same in-order trades", () => {
		fc.assert(
			fc.property(tradesArb, trades => {
				const m = new MultiTimeframeBars(TIMEFRAMES, { maxBars: 10_000 });
				trades.forEach(t => m.add(t));
				for (const tf of TIMEFRAMES) {
					const got = all(m.get(tf)!);
					const want = reference(trades, tf);
					expect(strip(got)).to.deep.equal(want.map(({ vwap: _v, ...r }) => r));
					got.forEach((bar, i) => expect(bar.vwap).to.be.closeTo(want[i].vwap, 1e-9 * want[i].vwap));
				}
			}),
		);
	});

	it("late trades within the tolerance land in their own bar whatever the arrival order", () => {
		const tol = 300_000;
		fc.assert(
			fc.property(tradesArb, fc.array(fc.integer({ min: 0, max: tol }), { minLength: 80, maxLength: 80 }), (trades, jitter) => {
				const arrival = trades
					.map((t, i) => ({ t, at: t.ts + jitter[i] }))
					.sort((a, b) => a.at - b.at)
					.map(x => x.t);
				for (const tf of ["1m", "5m"] as const) {
					const b = new BarBuilder(tf, { lateToleranceMs: tol, maxBars: 10_000 });
					arrival.forEach(t => expect(b.add(t).type).to.not.equal("refused"));
					const got = all(b);
					expect(strip(got)).to.deep.equal(reference(trades, tf).map(({ vwap: _v, ...r }) => r));
				}
			}),
		);
	});

	it("amends a closed bar with a revision, keeps close by trade time, refuses older trades", () => {
		const b = new BarBuilder("1m", { lateToleranceMs: 5_000 });
		b.add(tr(10, 10));
		b.add(tr(50, 11));
		b.add(tr(62, 12)); // closes the first bar
		const late = b.add(tr(58, 15, 3)); // 4 s behind the newest; after the 50 s trade, so it is the new close
		expect(late).to.deep.include({ type: "amended" });
		expect(b.history[0]).to.include({ high: 15, close: 15, volume: 5, trades: 3, revision: 1 });
		const early = b.add(tr(57.5, 9)); // before the 58 s trade: low changes, close does not
		expect(early.type).to.equal("amended");
		expect(b.history[0]).to.include({ open: 10, low: 9, close: 15, trades: 4, revision: 2 });
		const before = JSON.stringify(b);
		const old = b.add(tr(55, 100)); // 7 s behind the newest trade
		expect(old).to.deep.equal({ type: "refused", reason: "trade is 7000 ms behind the newest, tolerance is 5000 ms" });
		expect(JSON.stringify(b)).to.equal(before);
	});

	it("creates a bar for a late trade in an empty earlier bucket, in order", () => {
		const b = new BarBuilder("1s", { lateToleranceMs: 10_000 });
		b.add(tr(1, 10));
		b.add(tr(5, 11));
		b.add(tr(9, 12));
		expect(b.add(tr(3, 13)).type).to.equal("amended");
		expect(b.history.map(x => x.time - T0)).to.deep.equal([1000, 3000, 5000]);
		expect(b.forming?.time).to.equal(T0 + 9000);
	});

	it("refuses malformed trades and keeps only maxBars closed bars", () => {
		const b = new BarBuilder("1s", { maxBars: 3 });
		for (const bad of [
			{ ts: NaN, price: 1, size: 1 },
			{ ts: T0, price: 0, size: 1 },
			{ ts: T0, price: 1, size: -1 },
			{ ts: T0, price: Infinity, size: 1 },
		]) {
			expect(b.add(bad).type).to.equal("refused");
		}
		for (let s = 0; s < 10; s++) b.add(tr(s, 10 + s));
		expect(b.history.map(x => x.open)).to.deep.equal([16, 17, 18]);
	});

	it("closes the forming bar from an injected clock, not from wall time", () => {
		const b = new BarBuilder("5m");
		b.add(tr(10, 10));
		expect(b.closeUpTo(T0 + 299_999)).to.equal(null);
		expect(b.closeUpTo(T0 + 300_000)).to.include({ time: T0, close: 10 });
		expect(b.forming).to.equal(null);
		expect(b.add(tr(20, 11)).type).to.equal("amended"); // within tolerance of the newest trade
		expect(b.history[0]).to.include({ close: 11, revision: 1 });
	});

	it("aligns intraday and daily bars to the session and refuses trades between sessions", () => {
		const session = dailySession("14:30", "21:00");
		const m = new MultiTimeframeBars(["1h", "1d"], { session });
		m.add({ ts: T0 + 65 * 60_000, price: 10, size: 1 }); // 15:35
		expect(m.get("1h")!.forming!.time).to.equal(T0 + 3_600_000); // 15:30, not 15:00
		expect(m.get("1d")!.forming!.time).to.equal(T0);
		const closed = m.add({ ts: T0 + 7 * 3_600_000, price: 10, size: 1 }); // 21:30
		expect(closed.get("1h")).to.deep.equal({ type: "refused", reason: "trade is outside the trading session" });
		expect(bucketStart(T0 - 60_000, "1d", session)).to.equal(T0 - TIMEFRAME_MS["1d"]);
	});

	it("toJSON/fromJSON at any trade continues exactly like an uninterrupted run", () => {
		fc.assert(
			fc.property(tradesArb, fc.nat(), (trades, cut) => {
				const k = cut % (trades.length + 1);
				const a = new MultiTimeframeBars();
				trades.slice(0, k).forEach(t => a.add(t));
				const b = MultiTimeframeBars.fromJSON(JSON.parse(JSON.stringify(a)));
				const c = new MultiTimeframeBars();
				trades.slice(0, k).forEach(t => c.add(t));
				for (const t of trades.slice(k)) expect(b.add(t)).to.deep.equal(c.add(t));
				expect(JSON.stringify(b)).to.equal(JSON.stringify(c));
			}),
		);
	});

	it("keeps amendment bookkeeping only for bars that can still be amended, and reads the older form that kept it for all", () => {
		fc.assert(
			fc.property(tradesArb, trades => {
				const c = new BarBuilder("1m");
				// With a tolerance nothing ever passes, every bar keeps its bookkeeping: the version-3 snapshot form.
				const old = new BarBuilder("1m", { lateToleranceMs: 1e15 });
				const k = Math.ceil(trades.length / 2);
				for (const t of trades.slice(0, k)) {
					c.add(t);
					old.add(t);
				}
				const state = c.toJSON();
				const limit = (state.watermark ?? 0) - c.lateToleranceMs - TIMEFRAME_MS["1m"];
				for (const s of state.closed) expect("pv" in s).to.equal(s.bar.time > limit);
				expect(old.toJSON().closed.every(s => "pv" in s)).to.equal(true);
				const b = BarBuilder.fromJSON(JSON.parse(JSON.stringify(old.toJSON())));
				expect(b.toJSON()).to.deep.equal(state);
				for (const t of trades.slice(k)) expect(b.add(t)).to.deep.equal(c.add(t));
				expect(b.toJSON()).to.deep.equal(c.toJSON());
			}),
		);
	});

	it("accept says what a trade did, and forming, amended and the newest closed bar show it", () => {
		const tol = 300_000;
		fc.assert(
			fc.property(tradesArb, fc.array(fc.integer({ min: 0, max: 2 * tol }), { minLength: 80, maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (trades, jitter, maxBars) => {
				// Arrival order with some trades later than the tolerance (refused) and a short history.
				const arrival = trades.map((t, i) => ({ t, at: t.ts + jitter[i] })).sort((a, b) => a.at - b.at);
				const b = new BarBuilder("1m", { lateToleranceMs: tol, maxBars });
				for (const { t } of arrival) {
					const before = { state: JSON.stringify(b.toJSON()), forming: b.forming };
					const time = bucketStart(t.ts, "1m", utcDays);
					const r = b.accept(t);
					const history = b.history;
					if (r === "refused") {
						expect(b.refusal).to.be.a("string").and.not.equal("");
						expect(JSON.stringify(b.toJSON())).to.equal(before.state);
						continue;
					}
					expect(b.hasForming).to.equal(true);
					if (r === "forming" || r === "closed") expect(b.forming!.time).to.equal(time);
					if (r === "closed") {
						expect(before.forming).to.not.equal(null);
						expect(history.at(-1)).to.deep.equal(before.forming);
					}
					if (r === "forming" && before.forming !== null) expect(before.forming.time).to.equal(time);
					if (r === "amended") {
						expect(b.amended!.time).to.equal(time);
						expect(history.find(x => x.time === time)).to.deep.equal(b.amended);
					} else expect(b.amended).to.equal(null);
				}
			}),
		);
	});
});
