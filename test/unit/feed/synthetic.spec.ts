import { expect } from "chai";
import { GbmPath, SyntheticFeed, startPrice, syntheticHistory } from "../../../lib/feed/synthetic.ts";
import { checkTick, isFieldErrors } from "../../../lib/protocol/tick.ts";

describe("lib/feed/synthetic", () => {
	it("is deterministic for a seed and symbol, and differs across seeds and symbols", () => {
		const run = (seed: number, sym: string) => {
			const p = new GbmPath(sym, { seed, stepSeconds: 1 });
			return Array.from({ length: 50 }, (_, i) => p.next(i).price);
		};
		expect(run(42, "AAPL")).to.deep.equal(run(42, "AAPL"));
		expect(run(42, "AAPL")).to.not.deep.equal(run(43, "AAPL"));
		expect(run(42, "AAPL")).to.not.deep.equal(run(42, "MSFT"));
	});

	it("produces ticks that pass ingest validation, with bid < price < ask", () => {
		const feed = new SyntheticFeed(["AAPL", "BRK.B"], { seed: 1, ticksPerSecond: 10 });
		const now = Date.now();
		for (let i = 0; i < 200; i++) {
			for (const t of feed.step(now)) {
				expect(checkTick(t, { maxFutureMs: 0, now: () => now })).to.not.satisfy(isFieldErrors);
				expect(t.bid!).to.be.below(t.price);
				expect(t.ask!).to.be.above(t.price);
			}
		}
	});

	it("moves like GBM: log-returns have about the configured volatility", () => {
		// 30 % a year at one step per trading second: σ·√dt per step.
		const stepSeconds = 60;
		const p = new GbmPath("VOL", { seed: 7, stepSeconds, sigma: 0.3, mu: 0 });
		let prev = p.next(0).price;
		const r: number[] = [];
		for (let i = 0; i < 20_000; i++) {
			const x = p.next(i).price;
			r.push(Math.log(x / prev));
			prev = x;
		}
		const mean = r.reduce((a, b) => a + b, 0) / r.length;
		const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
		const expected = 0.3 * Math.sqrt(stepSeconds / (252 * 6.5 * 3600));
		expect(sd / expected).to.be.within(0.9, 1.1);
	});

	describe("syntheticHistory (warm start)", () => {
		const end = Date.UTC(2026, 0, 5, 15, 0);
		const opts = { seed: 42, endTs: end, spanMs: 60 * 60_000, stepMs: 20_000 };

		it("gives spanMs/stepMs ticks per symbol before endTs, in time order, each passing validation", () => {
			const ticks = syntheticHistory(["AAPL", "MSFT"], opts);
			expect(ticks).to.have.length(2 * 180);
			for (let i = 1; i < ticks.length; i++) expect(ticks[i].ts).to.be.at.least(ticks[i - 1].ts);
			expect(ticks[0].ts).to.equal(end - 180 * 20_000);
			expect(ticks.at(-1)!.ts).to.equal(end - 20_000);
			for (const t of ticks) expect(checkTick(t, { maxFutureMs: 0, now: () => end })).to.not.satisfy(isFieldErrors);
		});

		it("ends at the live path's start price (no jump into the live feed), and is deterministic", () => {
			const ticks = syntheticHistory(["AAPL", "MSFT"], opts);
			for (const sym of ["AAPL", "MSFT"]) {
				const own = ticks.filter(t => t.symbol === sym);
				expect(own.at(-1)!.price).to.be.closeTo(startPrice(sym), 1e-4);
				// The history moves: not a flat line scaled to the start.
				expect(new Set(own.map(t => t.price)).size).to.be.greaterThan(100);
			}
			expect(syntheticHistory(["AAPL", "MSFT"], opts)).to.deep.equal(ticks);
			expect(syntheticHistory(["AAPL"], { ...opts, seed: 43 })).to.not.deep.equal(ticks.filter(t => t.symbol === "AAPL"));
			const live = new GbmPath("AAPL", { seed: 42, stepSeconds: 0.5 }).next(end).price;
			expect(Math.abs(live / startPrice("AAPL") - 1), "first live tick is one small step away").to.be.lessThan(0.01);
		});
	});
});
