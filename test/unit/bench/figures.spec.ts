import { expect } from "chai";
import { figure, figureRow, pairedRatio, spread } from "../../../bench/lib/figures.ts";

describe("bench figure()", () => {
	it("is the median of its runs, with the median of the per-run ratios to the same run's baseline", () => {
		const f = figure({ name: "x", unit: "msg/s", runs: [10, 30, 20], baseline: { name: "b", unit: "msg/s", runs: [10, 60, 10] }, goal: { text: "≥ 1×", ratioMin: 1 } });
		expect(f.value).to.equal(20);
		expect(f.baseline?.value).to.equal(10);
		// Per run: 1, 0.5, 2 → median 1 (not 20 / 10 = 2).
		expect(f.ratio).to.equal(1);
		expect(f.met).to.equal(true);
		expect(f.runs).to.deep.equal([10, 30, 20]);
	});

	it("takes every ratio as the median of the runs' ratios to their own baseline runs, and refuses unpaired lists", () => {
		expect(pairedRatio([10, 30, 20], [10, 60, 10])).to.equal(1);
		expect(() => pairedRatio([1, 2], [1])).to.throw(/2 runs but 1 baseline runs/);
	});

	it("refuses no runs, and a baseline whose runs do not pair with the figure's", () => {
		expect(() => figure({ name: "empty", unit: "ms", runs: [] })).to.throw(/no runs/);
		expect(() => figure({ name: "unpaired", unit: "msg/s", runs: [1, 2, 3], baseline: { name: "b", unit: "msg/s", runs: [1] } })).to.throw(/3 runs but 1 baseline runs/);
	});

	it("writes a spread as min–max, and a figure's row with its spread and run count", () => {
		expect(spread([3, 1.25, 2], x => x.toFixed(1))).to.equal("1.3–3.0");
		expect(spread([7])).to.equal("7–7");
		const row = figureRow(figure({ name: "x", unit: "bytes", runs: [640.2, 766.9, 639.7] }));
		expect(row).to.include({ value: 640.2, spread: "640–767", runs: 3, baseline: "", met: "" });
		expect(figureRow(figure({ name: "y", unit: "ms", runs: [0.5, 2.25, 1] })).spread).to.equal("0.5–2.25");
	});
});
