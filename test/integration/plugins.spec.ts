/**
 * A plug-in indicator and strategy written only from docs/plugins.md, on a real node started with
 * them configured (config file `plugins` + `analysis`): the indicator's column is served by REST
 * (`/api/v1/symbols/{sym}/indicators`) and pushed on WS (`indicators:{SYM}`), the strategy's signal
 * by REST; a plug-in that cannot load stops the node at start with the reason; the vendor example
 * polls its file into a symbol's ticks.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import { zscoreBatch } from "../../examples/plugins/zscore-indicator.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 2 * 60 * M;

describe("plug-ins on a real node", function () {
	this.timeout(60_000);
	const dir = mkdtempSync(join(tmpdir(), "rk-plugin-node-"));
	let node: RookeryNodeProcess | undefined;
	let ws: WsTestClient | undefined;

	before(async () => {
		const config = join(dir, "rookery.json");
		writeFileSync(
			config,
			JSON.stringify({
				plugins: ["./examples/plugins/zscore-indicator.ts", "./examples/plugins/rsi-revert-strategy.ts"],
				analysis: { timeframes: ["1m"], indicators: ["sma:5", "zscore:5"], strategies: ["rsi-revert:5:30:70"] },
			}),
		);
		node = await startNode({ env: { ROOKERY_CONFIG: config, SYMBOLS: "PLUG" } });
	});
	after(async () => {
		ws?.terminate();
		await node?.kill();
		rmSync(dir, { recursive: true, force: true });
	});

	it("serves the plug-in indicator on REST and WS and the plug-in strategy's signal on REST", async () => {
		const n = node!;
		ws = await WsTestClient.connect(n.wsUrl);
		ws.subscribe("indicators:PLUG");
		// Down for 8 minutes, then up: RSI(5) goes below 30 and climbs back, rsi-revert fires long.
		const closes = [100, 99, 98, 97, 96, 95, 94, 93, 92, 93, 95, 97, 99, 101, 103, 105];
		const ticks = closes.map((price, i) => ({ symbol: "PLUG", price, size: 10, ts: T0 + i * M + 1000 }));
		expect((await postJson(`${n.url}/api/v1/ticks`, ticks)).status).to.equal(200);

		// Final bars are the first 15 minutes (the 16th is still forming).
		const want = zscoreBatch(closes.slice(0, 15), 5).at(-1)!;
		const rest = await getJson(`${n.url}/api/v1/symbols/PLUG/indicators?tf=1m`);
		expect(rest.status).to.equal(200);
		expect(rest.body.final.values).to.have.all.keys("sma_5", "zscore_5");
		expect(rest.body.final.values.zscore_5).to.be.closeTo(want, 1e-9);

		const frame = await ws.waitForFrame(f => f.topic === "indicators:PLUG" && JSON.stringify(f).includes("zscore_5") && JSON.stringify(f).includes(String(want).slice(0, 8)), "an indicators:PLUG frame carrying zscore_5");
		expect(JSON.stringify(frame)).to.include("zscore_5");

		const signals = await getJson(`${n.url}/api/v1/symbols/PLUG/signals?tf=1m`);
		expect(signals.status).to.equal(200);
		const mine = signals.body.signals.filter((s: { strategy: string }) => s.strategy === "rsi-revert");
		expect(mine, JSON.stringify(signals.body)).to.have.length.at.least(1);
		expect(mine[0]).to.include({ direction: "long" });
		expect(mine[0].reason).to.match(/RSI\(5\) rose back above 30/);
	});

	it("names the plug-ins it loaded, and what they add, in its start lines", async () => {
		const n = node!;
		await waitFor(() => n.stdout.includes("Rookery is running"), { what: "the start lines" });
		expect(n.stdout).to.include("plug-in  example-zscore (./examples/plugins/zscore-indicator.ts): indicator zscore");
		expect(n.stdout).to.match(/plug-in {2}\S+ \(\.\/examples\/plugins\/rsi-revert-strategy\.ts\): strategy rsi-revert/);
	});

	it("a plug-in that cannot be loaded stops the node at start, saying which and why", async () => {
		const err = (await startNode({ env: { ROOKERY_PLUGINS: "./examples/plugins/no-such-plugin.ts" }, readyTimeoutMs: 20_000 }).catch(e => e)) as Error;
		expect(err).to.be.instanceOf(Error);
		expect(err.message).to.match(/exited \(code 1/);
		expect(err.message).to.match(/plugins: plug-in \.\/examples\/plugins\/no-such-plugin\.ts: cannot be imported/);
	});
});

describe("a vendor plug-in on a real node", function () {
	this.timeout(60_000);
	const dir = mkdtempSync(join(tmpdir(), "rk-plugin-vendor-"));
	const quotes = join(dir, "quotes.json");
	let node: RookeryNodeProcess | undefined;
	let ws: WsTestClient | undefined;

	before(async () => {
		writeFileSync(quotes, JSON.stringify({ DESK: { price: 50.5, size: 7 } }));
		const config = join(dir, "rookery.json");
		// As docs/plugins.md says: the plug-in, the vendor under a name, the name in workers.chains;
		// with the synthetic feed off the workers start only when asked to (docs/ingestion.md).
		writeFileSync(
			config,
			JSON.stringify({
				plugins: ["./examples/plugins/file-quotes-vendor.ts"],
				vendors: { desk: { type: "file-quotes", file: quotes } },
				workers: { autoStart: true, chains: { market_data: ["desk"] }, intervals: { market_data: 1 } },
			}),
		);
		node = await startNode({ env: { ROOKERY_CONFIG: config, SYMBOLS: "DESK" } });
	});
	after(async () => {
		ws?.terminate();
		await node?.kill();
		rmSync(dir, { recursive: true, force: true });
	});

	it("polls the file into the symbol's ticks, REST and WS; a changed file is a new tick", async () => {
		const n = node!;
		ws = await WsTestClient.connect(n.wsUrl);
		ws.subscribe("ticks:DESK");
		const first = await ws.waitForFrame(f => f.topic === "ticks:DESK" && (f.data as { price?: number })?.price === 50.5, "a DESK tick at 50.5 from the file", 15_000);
		expect(first.data).to.include({ symbol: "DESK", price: 50.5, size: 7 });
		expect((first.data as { id: string }).id).to.match(/^desk:DESK:/);
		writeFileSync(quotes, JSON.stringify({ DESK: 51.25 }));
		const next = await ws.waitForFrame(f => f.type === "update" && f.topic === "ticks:DESK" && (f.data as { price?: number }).price === 51.25, "a DESK tick at 51.25 after the file changed", 15_000);
		expect(next.seq).to.be.greaterThan(first.seq as number);
		const latest = await getJson(`${n.url}/api/v1/symbols/DESK/latest`);
		expect(latest.status).to.equal(200);
		expect(latest.body).to.include({ symbol: "DESK", price: 51.25 });
	});
});
