/**
 * `/metrics` read by the real thing: a Prometheus server scrapes two nodes and answers a query
 * through its HTTP API with one series per node; `promtool check metrics` accepts the exposition.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { startNode, type TestNode } from "../helpers/node.ts";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.ts";
import { waitFor } from "../helpers/ports.ts";
import { postJson } from "../helpers/http.ts";

describe("metrics: a real Prometheus scrapes two nodes; promtool accepts /metrics", function () {
	this.timeout(60_000);
	const nodes: TestNode[] = [];
	let prom: PrometheusServer;
	const base = (n: TestNode) => n.base;

	before(async () => {
		for (const id of ["prom-a", "prom-b"]) {
			nodes.push(await startNode({ nodeId: id }));
		}
		// Node a takes 2 ticks, node b 3: the query must tell them apart by the `node` label.
		const now = Date.now();
		for (const [i, n] of nodes.entries()) {
			const ticks = Array.from({ length: 2 + i }, (_, k) => ({ symbol: "PROM", price: 10 + k, size: 1, ts: now + k }));
			expect((await postJson(`${base(n)}/api/v1/ticks`, ticks)).status).to.equal(200);
		}
		prom = await startPrometheus(nodes.map(n => `127.0.0.1:${n.port()}`));
	});
	after(async () => {
		await prom?.stop();
		for (const n of nodes) await n.stop();
	});

	it("answers rookery_ingest_accepted_total with one series per node, valued as each node counted", async () => {
		const series = await waitFor(
			async () => {
				const r = await prom.query("rookery_ingest_accepted_total");
				return r.length === 2 ? r : null;
			},
			{ timeoutMs: 30_000, intervalMs: 200, what: "both nodes' rookery_ingest_accepted_total in Prometheus" },
		);
		const byNode = Object.fromEntries(series.map(s => [s.metric.node, Number(s.value[1])]));
		expect(byNode).to.deep.equal({ "prom-a": 2, "prom-b": 3 });
		expect(series.every(s => s.metric.job === "rookery")).to.equal(true);
		const lag = await prom.query('rookery_symbol_lag_seconds{symbol="PROM"}');
		expect(lag.map(s => s.metric.node).sort()).to.deep.equal(["prom-a", "prom-b"]);
	});

	it("serves an exposition promtool check metrics accepts (with request, agent and symbol series present)", async () => {
		await fetch(`${base(nodes[0])}/api/v1/symbols/PROM/latest`);
		const text = await fetch(`${base(nodes[0])}/metrics`).then(r => r.text());
		for (const name of ["moleculer_request_duration_seconds_count", "rookery_symbol_ticks_in_total", "rookery_ws_connections", "process_cpu_seconds_total", "nodejs_eventloop_lag_p99_seconds"])
			expect(text).to.match(new RegExp(`^${name}\\{`, "m"));
		const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
		expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
	});
});
