import { expect } from "chai";
import { BarSeries } from "../../../lib/bars/bar-series.ts";

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5, 14, 30);

describe("lib/bars/bar-series", () => {
	it("builds OHLCV, trade count and VWAP per minute, the forming bar last", () => {
		const s = new BarSeries(M, 10);
		expect(s.add(T0 + 1000, 10, 100)).to.equal("opened");
		expect(s.add(T0 + 2000, 12, 100)).to.equal("updated");
		expect(s.add(T0 + 3000, 9, 200)).to.equal("updated");
		expect(s.add(T0 + M, 11, 50)).to.equal("opened");
		const [b0, b1] = s.list(10);
		expect(b0).to.deep.equal({ time: T0, open: 10, high: 12, low: 9, close: 9, volume: 400, trades: 3, vwap: (1000 + 1200 + 1800) / 400 });
		expect(b1).to.include({ time: T0 + M, open: 11, close: 11, volume: 50, trades: 1 });
		expect(s.forming).to.deep.equal(b1);
	});

	it("amends a closed bar for a late tick but keeps its close, and refuses ticks older than the history", () => {
		const s = new BarSeries(M, 2);
		s.add(T0, 10, 1);
		s.add(T0 + M, 20, 1);
		s.add(T0 + 2 * M, 30, 1);
		s.add(T0 + 3 * M, 40, 1);
		expect(s.add(T0 + 2 * M + 5, 35, 1)).to.equal("amended");
		const bars = s.list(10);
		expect(bars.map(b => b.time)).to.deep.equal([T0 + M, T0 + 2 * M, T0 + 3 * M]);
		expect(bars[1]).to.include({ high: 35, close: 30, volume: 2, trades: 2 });
		expect(s.add(T0 + 5, 1, 1)).to.equal("too-old");
	});

	it("keeps at most maxBars closed bars plus the forming one", () => {
		const s = new BarSeries(M, 3);
		for (let i = 0; i < 10; i++) s.add(T0 + i * M, 1 + i, 1);
		expect(s.list(100)).to.have.length(4);
		expect(s.list(2).map(b => b.open)).to.deep.equal([9, 10]);
	});

	it("round-trips through toJSON/fromJSON, and list() returns copies", () => {
		const s = new BarSeries(M, 5);
		for (let i = 0; i < 7; i++) s.add(T0 + i * 20_000, 100 + i, i + 1);
		const r = BarSeries.fromJSON(JSON.parse(JSON.stringify(s.toJSON())), 5);
		expect(r.list(10)).to.deep.equal(s.list(10));
		r.list(10)[0].close = -1;
		expect(r.list(10)[0].close).to.not.equal(-1);
		s.add(T0 + 7 * 20_000, 1, 1);
		r.add(T0 + 7 * 20_000, 1, 1);
		expect(r.list(10)).to.deep.equal(s.list(10));
	});
});
