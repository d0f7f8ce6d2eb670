/**
 * The example plug-ins configured as docs/plugins.md tells a user, on a two-node cluster (child
 * processes over a real NATS and a real Redis): ticks posted to node A for a symbol node B owns,
 * then on B the plug-in indicator's column is served by REST and pushed on WS, and the plug-in
 * strategy's signal is served by REST. The dashboard
 * (public/app/main.ts) reads indicators from exactly these two sources, `GET
 * /api/v1/symbols/{sym}/indicators?tf=` and the `indicators:{SYM}` topic, so these assertions are
 * what it shows. A node configured with the plug-in's indicator but not the plug-in refuses to start.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import { rendezvousOwner } from "../../lib/routing/rendezvous.ts";
import { zscoreBatch } from "../../examples/plugins/zscore-indicator.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 2 * 60 * M;

describe("plug-ins in a two-node cluster", function () {
	this.timeout(40_000);
	const dir = mkdtempSync(join(tmpdir(), "rk-plugin-cluster-"));
	const config = join(dir, "rookery.json");
	const aId = `rk-pa-${process.pid}`;
	const bId = `rk-pb-${process.pid}`;
	// A symbol B owns, so the ticks cross the cluster from A's gateway to B's actor.
	const SYM = Array.from({ length: 100 }, (_, i) => `PLC${i}`).find(s => rendezvousOwner(s, [aId, bId]) === bId)!;
	let nats: TestServer | undefined;
	let redis: TestServer | undefined;
	let a: RookeryNodeProcess | undefined;
	let b: RookeryNodeProcess | undefined;
	let ws: WsTestClient | undefined;

	before(async () => {
		// The config of docs/plugins.md "Naming plug-ins", on every node.
		writeFileSync(
			config,
			JSON.stringify({
				plugins: ["./examples/plugins/zscore-indicator.ts", "./examples/plugins/rsi-revert-strategy.ts"],
				analysis: { timeframes: ["1m"], indicators: ["sma:5", "zscore:5"], strategies: ["rsi-revert:5:30:70"] },
			}),
		);
		const servers = await Promise.allSettled([startNats(), startRedis()]);
		[nats, redis] = servers.map(r => (r.status === "fulfilled" ? r.value : undefined));
		for (const r of servers) if (r.status === "rejected") throw r.reason;
		const common = { transporter: nats!.url, redisUrl: redis!.url, env: { ROOKERY_CONFIG: config } };
		const started = await Promise.allSettled([startNode({ ...common, nodeId: aId }), startNode({ ...common, nodeId: bId })]);
		[a, b] = started.map(r => (r.status === "fulfilled" ? r.value : undefined));
		for (const r of started) if (r.status === "rejected") throw r.reason;
		// Until each node sees the other's symbols service, it would route every symbol to itself.
		const symbolsNodes = async (n: RookeryNodeProcess) => {
			const r = await getJson(`${n.url}/api/v1/cluster`);
			const nodes = (r.body?.nodes ?? []) as Array<{ id: string; available: boolean; services: string[] }>;
			return nodes
				.filter(x => x.available && x.services.includes("symbols"))
				.map(x => x.id)
				.sort();
		};
		await waitFor(async () => JSON.stringify(await symbolsNodes(a!)) === JSON.stringify([aId, bId].sort()) && JSON.stringify(await symbolsNodes(b!)) === JSON.stringify([aId, bId].sort()), {
			timeoutMs: 15_000,
			intervalMs: 50,
			what: "both nodes to see both symbols services",
		});
	});
	after(async () => {
		ws?.terminate();
		await Promise.allSettled([a, b].map(n => n?.stop(8000)));
		await Promise.allSettled([a, b].map(n => n?.kill()));
		await Promise.allSettled([nats?.stop(), redis?.stop()]);
		rmSync(dir, { recursive: true, force: true });
	});

	it("ticks posted to A for a symbol B owns: B serves the plug-in indicator on REST and WS", async () => {
		ws = await WsTestClient.connect(b!.wsUrl);
		ws.subscribe(`indicators:${SYM}`);
		await ws.waitForFrame(f => f.type === "subscribed", "subscribed");
		const closes = [100, 99, 98, 97, 96, 95, 94, 93, 92, 93, 95, 97, 99, 101, 103, 105];
		const ticks = closes.map((price, i) => ({ symbol: SYM, price, size: 10, ts: T0 + i * M + 1000 }));
		const posted = await postJson(`${a!.url}/api/v1/ticks`, ticks);
		expect(posted.status, JSON.stringify(posted.body)).to.equal(200);

		// The 16th bar is still forming: the final values are over the first 15 closes.
		const want = zscoreBatch(closes.slice(0, 15), 5).at(-1)!;
		const rest = await getJson(`${b!.url}/api/v1/symbols/${SYM}/indicators?tf=1m`);
		expect(rest.status, JSON.stringify(rest.body)).to.equal(200);
		expect(rest.body.final.values).to.have.all.keys("sma_5", "zscore_5");
		expect(rest.body.final.values.zscore_5).to.be.a("number").and.closeTo(want, 1e-9);
		// The symbol's actor lives on B, not on A which took the ticks.
		const cluster = await getJson(`${a!.url}/api/v1/cluster`);
		const owners = (cluster.body.nodes as Array<{ id: string; symbols: string[] | null }>).filter(n => n.symbols?.includes(SYM)).map(n => n.id);
		expect(owners, JSON.stringify(cluster.body)).to.deep.equal([bId]);

		const frame = await ws.waitForFrame(f => f.topic === `indicators:${SYM}` && JSON.stringify(f).includes("zscore_5") && JSON.stringify(f).includes(String(want).slice(0, 8)), `an indicators:${SYM} frame carrying zscore_5 = ${want}`);
		expect(JSON.stringify(frame)).to.include("zscore_5");

		// The plug-in strategy runs on the owner too: RSI(5) went below 30 and climbed back.
		const signals = await getJson(`${b!.url}/api/v1/symbols/${SYM}/signals?tf=1m`);
		const mine = (signals.body.signals as Array<{ strategy: string; direction: string }>).filter(s => s.strategy === "rsi-revert");
		expect(mine, JSON.stringify(signals.body)).to.have.length.at.least(1);
		expect(mine[0].direction).to.equal("long");
	});

	it("a node whose config names the plug-in's indicator without loading the plug-in refuses to start", async () => {
		const bad = join(dir, "no-plugin.json");
		writeFileSync(bad, JSON.stringify({ analysis: { timeframes: ["1m"], indicators: ["sma:5", "zscore:5"] } }));
		const err = (await startNode({ env: { ROOKERY_CONFIG: bad }, readyTimeoutMs: 20_000 }).catch(e => e)) as Error;
		expect(err).to.be.instanceOf(Error);
		expect(err.message).to.match(/exited \(code 1/);
		expect(err.message).to.match(/unknown indicator "zscore"/);
	});
});
