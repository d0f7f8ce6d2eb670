/**
 * Strategy performance on an embedded node: `GET /api/v1/strategies/{name}/performance` answers
 * what lib/strategies/performance computes on the symbol's closed bars, refuses bad input with 422
 * naming the field, counts live signals per strategy in /metrics, and has a REPL command.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { defaultConfig } from "../../../lib/config/config.ts";
import { strategyPerformance } from "../../../lib/strategies/performance.ts";
import { replCommands } from "../../../runtime/repl-commands.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { goog } from "../indicators/support.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 24 * 60 * M;

describe("services: strategy performance (embedded node)", () => {
	let node: TestNode;
	let base: string;

	before(async () => {
		node = await startNode({
			nodeId: "perf-test",
			analysis: { ...defaultConfig().analysis, timeframes: ["1m"], indicators: ["sma:5"], strategies: ["ma-cross:5:20", "ma-cross:10:30", "rsi-trend"] },
		});
		base = node.base;
		// 150 one-minute bars from GOOG's daily closes, one tick each.
		const ticks = goog()
			.slice(0, 150)
			.map((b, i) => ({ symbol: "PERF", price: b.close, size: 10, ts: T0 + i * M + 1000 }));
		expect((await postJson(`${base}/api/v1/ticks`, ticks)).status).to.equal(200);
	});
	after(async () => node?.stop());

	it("answers the walk-forward performance of the symbol's closed bars", async () => {
		const r = await getJson(`${base}/api/v1/strategies/ma-cross:5:20/performance?symbol=PERF&tf=1m&horizons=1,5`);
		expect(r.status).to.equal(200);
		const bars = (await getJson(`${base}/api/v1/symbols/PERF/bars?tf=1m&limit=1000`)).body.bars;
		expect(bars).to.have.length(150);
		const closed = bars.slice(0, -1); // the last minute is still forming
		expect(r.body).to.deep.equal({ symbol: "PERF", tf: "1m", seq: 150, ...strategyPerformance(closed, "ma-cross:5:20", { horizons: [1, 5] }) });
		expect(r.body.bars).to.equal(149);
		expect(r.body.signals.total).to.be.greaterThan(0);
		expect(r.body.horizons.map((h: { horizon: number }) => h.horizon)).to.deep.equal([1, 5]);
		// Defaults: tf 1m, horizons 1, 5, 10; the spec's defaults filled in.
		const d = await getJson(`${base}/api/v1/strategies/rsi-trend/performance?symbol=perf`);
		expect(d.status).to.equal(200);
		expect(d.body.horizons.map((h: { horizon: number }) => h.horizon)).to.deep.equal([1, 5, 10]);
		expect(d.body.spec).to.match(/^rsi-trend:/);
	});

	it("refuses bad input with 422 naming the field; 404 for an unknown symbol or a timeframe it does not keep", async () => {
		const unknown = await getJson(`${base}/api/v1/strategies/nope/performance?symbol=PERF`);
		expect(unknown.status).to.equal(422);
		expect(unknown.body.error.code).to.equal("VALIDATION_ERROR");
		expect(unknown.body.error.message).to.match(/unknown strategy "nope"/);
		expect(JSON.stringify(unknown.body.error.details)).to.include('"field":"name"');
		const huge = await getJson(`${base}/api/v1/strategies/sr-breakout:200000000/performance?symbol=PERF`);
		expect(huge.status).to.equal(422);
		expect(huge.body.error.message).to.match(/above 100000/);
		const horizons = await getJson(`${base}/api/v1/strategies/ma-cross/performance?symbol=PERF&horizons=0,x`);
		expect(horizons.status).to.equal(422);
		expect(JSON.stringify(horizons.body.error.details)).to.include("horizons");
		const noSymbol = await getJson(`${base}/api/v1/strategies/ma-cross/performance`);
		expect(noSymbol.status).to.equal(422);
		expect(JSON.stringify(noSymbol.body.error.details)).to.include("symbol");
		expect((await getJson(`${base}/api/v1/strategies/ma-cross/performance?symbol=NEVER`)).status).to.equal(404);
		expect((await getJson(`${base}/api/v1/strategies/ma-cross/performance?symbol=PERF&tf=1h`)).status).to.equal(404);
	});

	it("counts the signals strategies generate on live bars in /metrics, per strategy, timeframe and direction", async () => {
		const live = (await getJson(`${base}/api/v1/symbols/PERF/signals?tf=1m&limit=1000`)).body.signals as Array<{ strategy: string; direction: string }>;
		const text = await (await fetch(`${base}/metrics`)).text();
		const counted = (strategy: string, direction: string) => {
			const line = text.split("\n").find(l => l.startsWith("rookery_strategy_signals") && l.includes(`strategy="${strategy}"`) && l.includes(`direction="${direction}"`) && l.includes('tf="1m"'));
			return line ? Number(line.split(" ").at(-1)) : 0;
		};
		for (const strategy of ["ma-cross", "rsi-trend"]) {
			for (const direction of ["long", "short"]) expect(counted(strategy, direction), `${strategy} ${direction}`).to.equal(live.filter(s => s.strategy === strategy && s.direction === direction).length);
		}
		expect(live.length).to.be.greaterThan(0);
	});

	it("scores live signals in /metrics per strategy spec and horizon, as the performance route scores them on the same bars", async () => {
		const text = await (await fetch(`${base}/metrics`)).text();
		const outcomes = (strategy: string, horizon: number, result: string) => {
			const line = text.split("\n").find(l => l.startsWith("rookery_strategy_outcomes_total{") && l.includes(`strategy="${strategy}"`) && l.includes('tf="1m"') && l.includes(`horizon="${horizon}"`) && l.includes(`result="${result}"`));
			return line ? Number(line.split(" ").at(-1)) : 0;
		};
		// Two parameter sets of ma-cross score apart, each as the route scores its spec.
		for (const asked of ["ma-cross:5:20", "ma-cross:10:30", "rsi-trend"]) {
			const perf = (await getJson(`${base}/api/v1/strategies/${asked}/performance?symbol=PERF&tf=1m`)).body as { spec: string; horizons: Array<{ horizon: number; hits: number; evaluated: number }> };
			const strategy = perf.spec;
			expect(strategy).to.match(new RegExp(`^${asked}:`));
			for (const h of perf.horizons) {
				expect(outcomes(strategy, h.horizon, "hit"), `${strategy} hits at ${h.horizon}`).to.equal(h.hits);
				expect(outcomes(strategy, h.horizon, "hit") + outcomes(strategy, h.horizon, "miss"), `${strategy} scored at ${h.horizon}`).to.equal(h.evaluated);
			}
			expect(perf.horizons[0].evaluated, strategy).to.be.greaterThan(0);
		}
		expect(text).to.match(/^rookery_strategy_outcomes_dropped_total(\{[^}]*\})? 0$/m);
	});

	it("the REPL's `performance` prints the summary and the horizons", async () => {
		const printed: unknown[] = [];
		const { table, log } = console;
		console.table = (rows: unknown) => printed.push(rows);
		console.log = (line: unknown) => printed.push(line);
		try {
			await replCommands.find(c => c.command.startsWith("performance "))!.action(node.broker, { strategy: "ma-cross:5:20", symbol: "PERF", tf: "1m" });
		} finally {
			Object.assign(console, { table, log });
		}
		expect(printed[0]).to.match(/^ma-cross:5:20:0 on PERF 1m: 149 bars, \d+ signals \(\d+ long, \d+ short\); follow-the-signal return -?\d+\.\d\d %, max drawdown \d+\.\d\d %$/);
		expect((printed[1] as Array<Record<string, unknown>>).map(r => r["horizon (bars)"])).to.deep.equal([1, 5, 10]);
	});

	it("is served from the answer cache until a new tick (a new seq) makes a new key", async () => {
		const path = `${base}/api/v1/strategies/ma-cross:5:20/performance?symbol=PERF&tf=1m&horizons=1,2`;
		const l1 = async () => (await getJson(`${base}/api/v1/cache/status`)).body.l1 as { hits: number; misses: number };
		const s0 = await l1();
		const first = await getJson(path);
		expect(first.status).to.equal(200);
		const s1 = await l1();
		expect(s1.misses - s0.misses, "first request computed").to.equal(1);
		const second = await getJson(path);
		expect(second.body).to.deep.equal(first.body);
		const s2 = await l1();
		expect([s2.hits - s1.hits, s2.misses - s1.misses], "second request a hit").to.deep.equal([1, 0]);
		// A tick in the next minute closes bar 150: the next answer is computed on it, equal to the uncached one.
		expect((await postJson(`${base}/api/v1/ticks`, [{ symbol: "PERF", price: 1000, size: 10, ts: T0 + 150 * M + 1000 }])).status).to.equal(200);
		const third = await getJson(path);
		const s3 = await l1();
		expect([s3.hits - s2.hits, s3.misses - s2.misses], "after a tick, a miss").to.deep.equal([0, 1]);
		const closed = (await getJson(`${base}/api/v1/symbols/PERF/bars?tf=1m&limit=1000`)).body.bars.slice(0, -1);
		expect(closed).to.have.length(150);
		expect(third.body).to.deep.equal({ symbol: "PERF", tf: "1m", seq: 151, ...strategyPerformance(closed, "ma-cross:5:20", { horizons: [1, 2] }) });
		expect(third.body.bars).to.equal(150);
	});
});
