/**
 * Issue 13 ("no request may stall a node"), found in the audit: after a burst of new symbols a
 * `/metrics` scrape read and formatted every series (four per symbol) in one event-loop turn: with
 * 10,000 symbols one GET blocked the node for 170-340 ms, and anyone who may read `/metrics` could
 * repeat it. Now it renders one metric per turn (runtime/prometheus.ts). Measured in turns: a
 * ticker in the check phase must run between the metrics, and the answer is the same document.
 */
import { expect } from "chai";
import { postJson } from "../helpers/http.ts";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { prometheusRegistryOf, renderMetrics } from "../../runtime/prometheus.ts";

const SYMBOLS = 500;

describe("security: a /metrics scrape yields to the event loop", function () {
	this.timeout(30_000);
	let node: TestNode;
	before(async () => {
		const config = testConfig({ nodeId: "sec-metrics", symbols: [], services: ["gateway", "ingest", "symbols", "monitor"] });
		config.analysis = { ...config.analysis, timeframes: ["1m"], indicators: ["sma:5"], strategies: [] };
		node = await startNode(config);
		const ticks = Array.from({ length: SYMBOLS }, (_, i) => ({ symbol: `MS${i}`, price: 10, size: 1, ts: Date.now() - 1000 }));
		const r = await postJson(`${node.base}/api/v1/ticks`, ticks);
		expect(r.status).to.equal(200);
	});
	after(() => node?.stop());

	it("renders one metric per turn: the event loop runs between them", async () => {
		const metrics = prometheusRegistryOf(node.broker).getMetricsAsArray().length;
		expect(metrics).to.be.above(20);
		let turns = 0;
		let done = false;
		const tick = () => {
			turns++;
			if (!done) setImmediate(tick);
		};
		setImmediate(tick);
		const text = await renderMetrics(node.broker);
		done = true;
		// Before, the whole scrape ran in one turn (0-2 ticks); now one at least per metric.
		expect(turns, `${turns} turns for ${metrics} metrics`).to.be.at.least(metrics);
		expect(text.match(/^rookery_symbol_lag_seconds\{/gm)).to.have.length(SYMBOLS);
	});

	it("answers the document prom-client's Registry.metrics() would", async () => {
		const names = (t: string) => [...t.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(m => `${m[1]} ${m[2]}`);
		const ours = await renderMetrics(node.broker);
		const theirs = await prometheusRegistryOf(node.broker).metrics();
		expect(names(ours)).to.deep.equal(names(theirs));
		expect(ours.slice(-2)).to.equal(theirs.slice(-2));
		expect(ours.split("\n\n").length).to.equal(theirs.split("\n\n").length);
		const res = await fetch(`${node.base}/metrics`);
		expect(res.status).to.equal(200);
		expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
		expect(names(await res.text())).to.deep.equal(names(ours));
	});
});
