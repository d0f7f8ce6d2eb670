import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createIndicator } from "../../../lib/indicators/index.ts";
import { goog, stream } from "../indicators/support.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = fileURLToPath(new URL("../../fixtures/goog-daily.csv", import.meta.url));

function run(args: string[], input?: string) {
	const r = spawnSync(process.execPath, ["--import", "tsx", "bin/indicators.ts", ...args], { cwd: root, input, encoding: "utf8" });
	return {
		code: r.status,
		out: r.stdout,
		err: r.stderr,
		rows: r.stdout
			.trim()
			.split("\n")
			.map(l => l.split(",")),
	};
}

describe("bin/indicators (batch command)", function () {
	this.timeout(30_000);

	it("writes time plus every default column, empty in warm-up, numbers that round-trip exactly", () => {
		const { code, rows, err } = run([fixture]);
		expect(err).to.equal("");
		expect(code).to.equal(0);
		const [header, ...data] = rows;
		expect(header).to.deep.equal([
			"time",
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
		const bars = goog();
		expect(data.length).to.equal(bars.length);
		expect(data.map(r => Number(r[0]))).to.deep.equal(bars.map(b => b.time));
		const macd = stream(createIndicator("macd:12:26:9"), bars);
		const cell = (v: number | null) => (v === null ? "" : String(v));
		expect(data.map(r => r[4])).to.deep.equal(macd[0].map(cell));
		expect(data.map(r => r[6])).to.deep.equal(macd[2].map(cell));
		expect(data.findIndex(r => r[1] !== "")).to.equal(19);
		expect(data.findIndex(r => r[15] !== "")).to.equal(27);
		expect(data.findIndex(r => r[16] !== "")).to.equal(14);
		expect(data[40][2]).to.match(/^\d+\.\d{6,}$/); // full precision, not toFixed
	});

	it("honours --indicators, a session column, ISO times and stdin", () => {
		const csv = [
			"time,open,high,low,close,volume,session",
			"2024-01-02T23:59:00Z,10,12,8,10,100,s1",
			"2024-01-03T00:00:00Z,10,12,8,12,300,s1", // new UTC day, same session: no reset
			"2024-01-03T00:01:00Z,20,23,20,20,100,s2", // new session: reset
		].join("\n");
		const { code, rows } = run(["-", "--indicators", "vwap,sma:2"], csv);
		expect(code).to.equal(0);
		expect(rows).to.deep.equal([
			["time", "vwap", "sma_2"],
			["2024-01-02T23:59:00Z", "10", ""],
			["2024-01-03T00:00:00Z", String((10 * 100 + ((12 + 8 + 12) / 3) * 300) / 400), "11"],
			["2024-01-03T00:01:00Z", "21", "16"],
		]);
	});

	it("without a session column, VWAP restarts at each UTC date", () => {
		const csv = "time,open,high,low,close,volume\n2024-01-02T23:59:00Z,10,12,8,10,100\n2024-01-03T00:00:00Z,20,23,20,20,100\n";
		expect(run(["-", "-i", "vwap"], csv).rows.map(r => r[1])).to.deep.equal(["vwap", "10", "21"]);
	});

	for (const [row, reason] of [
		["3,10,11,9,12,5", "close is outside [low, high]"],
		["3,10,11,9,x,5", 'close "x" is not a number'],
		["3,10,11,9,10", "expected 6 fields, found 5"],
		["3,10,11,9,10,-5", "volume is negative"],
	]) {
		it(`exits 1 naming the line for a bad row: ${reason}`, () => {
			const csv = `time,open,high,low,close,volume\n1,10,11,9,10,5\n\n2,10,11,9,10.5,5\n${row}\n4,10,11,9,10,5\n`;
			const { code, err, rows } = run(["-", "-i", "sma:2"], csv);
			expect(code).to.equal(1);
			expect(err).to.equal(`indicators: -:5: ${reason}\n`);
			expect(rows.length).to.equal(3); // header and the two good rows before it
		});
	}

	it("exits 2 on an unknown indicator, a bad header or a missing file", () => {
		expect(run(["-", "-i", "sma:20,nope"], "time,open,high,low,close,volume\n").code).to.equal(2);
		const header = run(["-"], "time,open,high,low,price,volume\n1,1,1,1,1,1\n");
		expect(header.code).to.equal(2);
		expect(header.err).to.contain("lacks column(s) close");
		expect(run(["/nonexistent/x.csv"]).code).to.equal(2);
		expect(run([]).code).to.equal(2);
	});
});
