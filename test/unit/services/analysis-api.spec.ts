/**
 * Bars of every timeframe, indicators and signals through REST and WebSocket on an embedded node,
 * and late ticks refused at ingest.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { defaultConfig } from "../../../lib/config/config.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { WsTestClient, type Frame } from "../../helpers/ws-client.ts";

const M = 60_000;
// Whole minutes well in the past, so the test's bars are the same whenever it runs.
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 24 * 60 * M;
const closes = [20, 19, 18, 17, 16, 15, 16, 18, 21, 25, 30, 31, 32];

describe("services: bars, indicators and signals (embedded node)", () => {
	let node: TestNode;
	let base: string;
	const clients: WsTestClient[] = [];

	before(async () => {
		node = await startNode({
			nodeId: "analysis-test",
			analysis: { ...defaultConfig().analysis, lateToleranceMs: 2000, timeframes: ["1m", "5m"], indicators: ["sma:3", "rsi:3", "macd:2:4:2"], strategies: ["ma-cross:2:4"] },
			instruments: { ONLY1M: { timeframes: ["1m"] } },
		});
		base = node.base;
	});
	after(async () => {
		await Promise.all(clients.map(c => c.close()));
		await node?.stop();
	});

	const post = (body: unknown) => postJson(`${base}/api/v1/ticks`, body);

	it("serves bars per timeframe, final and provisional indicators, and signals; aliases too", async () => {
		const ticks = closes.map((price, i) => ({ symbol: "SIG", price, size: 10, ts: T0 + i * M + 3000 }));
		expect((await post(ticks)).body.accepted).to.equal(closes.length);

		const bars1 = await getJson(`${base}/api/v1/symbols/SIG/bars?tf=1m&limit=100`);
		expect(bars1.body.bars.map((b: { close: number }) => b.close)).to.deep.equal(closes);
		const bars5 = await getJson(`${base}/api/v1/symbols/SIG/bars?tf=5m`);
		expect(bars5.body.bars).to.have.length(3);
		expect(bars5.body.bars[0]).to.include({ time: T0, open: 20, high: 20, low: 16, close: 16, volume: 50, trades: 5 });

		const ind = await getJson(`${base}/api/v1/symbols/SIG/indicators?tf=1m`);
		expect(ind.status).to.equal(200);
		// The last bar is still forming; the one before it is final (its end + the 2 s tolerance has passed).
		expect(ind.body.final.time).to.equal(T0 + (closes.length - 2) * M);
		expect(ind.body.final.values.sma_3).to.be.closeTo((25 + 30 + 31) / 3, 1e-12);
		expect(ind.body.provisional.time).to.equal(T0 + (closes.length - 1) * M);
		expect(ind.body.provisional.values.sma_3).to.be.closeTo((30 + 31 + 32) / 3, 1e-12);
		expect(ind.body.final.values).to.have.keys(["sma_3", "rsi_3", "macd_2_4_2.macd", "macd_2_4_2.signal", "macd_2_4_2.hist"]);

		const sig = await getJson(`${base}/api/v1/symbols/SIG/signals?limit=5`);
		expect(sig.body.signals).to.have.length(1);
		expect(sig.body.signals[0]).to.include({ strategy: "ma-cross", direction: "long", tf: "1m" });

		expect((await getJson(`${base}/api/v1/realtime/indicators/SIG?tf=1m`)).body).to.deep.equal(ind.body);
		expect((await getJson(`${base}/api/v1/realtime/signals/SIG?limit=5`)).body).to.deep.equal(sig.body);
	});

	it("keeps only an instrument's own timeframes, and says so", async () => {
		await post({ symbol: "ONLY1M", price: 1, size: 1, ts: T0 });
		expect((await getJson(`${base}/api/v1/symbols/ONLY1M/bars?tf=1m`)).status).to.equal(200);
		const r = await getJson(`${base}/api/v1/symbols/ONLY1M/bars?tf=5m`);
		expect(r.status).to.equal(404);
		expect(r.body.error.message).to.match(/keeps no 5m bars.*1m/);
		expect((await getJson(`${base}/api/v1/symbols/ONLY1M/indicators?tf=1h`)).status).to.equal(404);
		expect((await getJson(`${base}/api/v1/symbols/ONLY1M/indicators?tf=2m`)).status).to.equal(422);
	});

	it("refuses ticks older than the late tolerance, says which, and logs the rest", async () => {
		const r = await post([
			{ symbol: "LATE", price: 1, size: 1, ts: T0 + 10_000 },
			{ symbol: "LATE", price: 2, size: 1, ts: T0 + 9_000 }, // 1 s late: accepted
			{ symbol: "OTHER", price: 5, size: 1, ts: T0 },
			{ symbol: "LATE", price: 3, size: 1, ts: T0 }, // 10 s late: refused
		]);
		expect(r.status).to.equal(200);
		expect(r.body).to.include({ accepted: 3, late: 1 });
		expect(r.body.refused).to.have.length(1);
		expect(r.body.refused[0]).to.include({ index: 3, symbol: "LATE" });
		expect(r.body.refused[0].reason).to.match(/10000 ms older than the newest/);
		expect(await node.deps.store.lastSeq("LATE")).to.equal(2);
		// The latest quote is the newest by trade time, not the last to arrive.
		expect((await getJson(`${base}/api/v1/symbols/LATE/latest`)).body).to.include({ price: 1, seq: 1 });
	});

	it("streams bars, indicators and signals over WebSocket: snapshot first, then updates", async () => {
		const c = await WsTestClient.connect(`ws://127.0.0.1:${node.port()}/ws`);
		clients.push(c);
		c.subscribe("bars:1m:WSB", "indicators:WSB", "signals:WSB");
		await c.waitForFrame(f => f.type === "subscribed", "subscribed");
		const ticks = closes.map((price, i) => ({ symbol: "WSB", price, size: 10, ts: T0 + i * M + 3000 }));
		await post(ticks);
		const signals = await c.waitForTopicFrames("signals:WSB", 1);
		// The signal fires mid-batch: frames after it may still be on the wire, so wait for the last ones.
		const finalsOn = (fs: Frame[], topic: string) => fs.filter(f => f.topic === topic && f.data?.final && f.data.tf === "1m").length;
		await c.until(fs => finalsOn(fs, "bars:1m:WSB") >= closes.length - 1 && finalsOn(fs, "indicators:WSB") >= closes.length - 1, "every final bar and indicator frame");
		expect(signals[0]).to.deep.include({ type: "update", topic: "signals:WSB" });
		expect(signals[0].data).to.include({ v: 1, symbol: "WSB", tf: "1m", strategy: "ma-cross", direction: "long" });
		const bars = c.forTopic("bars:1m:WSB");
		const finals = bars.filter(f => f.data.final);
		expect(finals.map(f => f.data.bar.close)).to.deep.equal(closes.slice(0, -1));
		expect(bars.every(f => f.data.tf === "1m" && f.data.symbol === "WSB")).to.equal(true);
		const ind = c.forTopic("indicators:WSB").filter(f => f.data.final && f.data.tf === "1m");
		expect(ind).to.have.length(closes.length - 1);
		expect(ind.at(-1)!.data.values.sma_3).to.be.closeTo((25 + 30 + 31) / 3, 1e-12);

		// A second client gets snapshots: the forming bar, every timeframe's indicators, recent signals.
		const d = await WsTestClient.connect(`ws://127.0.0.1:${node.port()}/ws`);
		clients.push(d);
		d.subscribe("bars:5m:WSB", "indicators:WSB", "signals:WSB");
		const [b5] = await d.waitForTopicFrames("bars:5m:WSB", 1);
		expect(b5).to.deep.include({ type: "snapshot" });
		expect(b5.data.bar).to.include({ time: T0 + 10 * M, close: 32 });
		const [i0] = await d.waitForTopicFrames("indicators:WSB", 1);
		expect(i0.data.timeframes.map((t: { tf: string }) => t.tf)).to.deep.equal(["1m", "5m"]);
		const [s0] = await d.waitForTopicFrames("signals:WSB", 1);
		expect(s0.data.signals[0]).to.include({ strategy: "ma-cross" });
	});
});
