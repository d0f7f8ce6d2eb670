import { expect } from "chai";
import type { Bar } from "../../../lib/bars/bar.ts";
import { createIndicator } from "../../../lib/indicators/index.ts";
import { ORACLE_CASES as CASES } from "./oracle-cases.ts";
import { compare, goog, stream, synthetic } from "./support.ts";

const DATASETS: [string, () => Bar[]][] = [
	["GOOG daily 2004-2008", goog],
	["synthetic seed 1 (dyadic ticks)", () => synthetic(1)],
	["synthetic seed 2 (dyadic ticks)", () => synthetic(2)],
	["synthetic seed 3 (cent ticks)", () => synthetic(3, 800, 0.01)],
	["synthetic seed 4 (cent ticks)", () => synthetic(4, 800, 0.01)],
];

const maxErr = new Map<string, number>();

describe("indicators vs TA-Lib 1.1.6", () => {
	for (const [dataName, load] of DATASETS) {
		describe(dataName, () => {
			const bars = load();
			for (const [spec, expected] of CASES) {
				it(`${spec} matches within 1e-9·max(1,|e|) with aligned warm-up`, () => {
					const ind = createIndicator(spec);
					const want = expected(bars);
					const got = stream(ind, bars);
					got.forEach((col, i) => {
						const { maxAbs, bad } = compare(col, want[i]);
						const where = `${ind.columns[i]} at bar ${bad}: got ${col[bad]}, TA-Lib ${want[i][bad]}`;
						expect(bad, where).to.equal(-1);
						maxErr.set(ind.columns[i], Math.max(maxErr.get(ind.columns[i]) ?? 0, maxAbs));
					});
					const firstValue = want.map(c => c.findIndex(v => v !== null)).reduce((a, b) => Math.min(a, b));
					if (firstValue >= 0) expect(firstValue, "declared lookback").to.equal(ind.lookback);
				});
			}
		});
	}

	after(() => {
		if (process.env.ORACLE_REPORT) console.table([...maxErr].map(([column, err]) => ({ column, maxAbsError: err })));
	});
});
