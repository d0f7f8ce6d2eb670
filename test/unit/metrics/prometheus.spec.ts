import { expect } from "chai";
import { Registry } from "prom-client";
import { bridgeMoleculerMetrics, labelName, prometheusName, prometheusValues, type MetricSnapshot } from "../../../lib/metrics/prometheus.ts";

describe("lib/metrics/prometheus (Moleculer registry → prom-client)", () => {
	it("names by the Prometheus conventions: underscores, base units, _total on counters, snake_case labels", () => {
		expect(prometheusName({ name: "rookery.ingest.accepted", type: "counter" })).to.deep.equal({ name: "rookery_ingest_accepted_total", scale: 1 });
		expect(prometheusName({ name: "moleculer.request.total", type: "counter" }).name).to.equal("moleculer_request_total");
		expect(prometheusName({ name: "rookery.agents.latency", type: "histogram", unit: "millisecond" })).to.deep.equal({ name: "rookery_agents_latency_seconds", scale: 1e-3 });
		expect(prometheusName({ name: "moleculer.transporter.packets.sent.bytes", type: "counter", unit: "byte" }).name).to.equal("moleculer_transporter_packets_sent_bytes_total");
		expect(prometheusName({ name: "rookery.ws.clients", type: "gauge" }).name).to.equal("rookery_ws_clients");
		expect([labelName("errorName"), labelName("nodeID"), labelName("data-type")]).to.deep.equal(["error_name", "node_id", "data_type"]);
	});

	it("turns bucketed histograms into Prometheus histograms in seconds, quantile ones into summaries, and drops null labels", () => {
		const h = prometheusValues({ type: "histogram", name: "rookery.agents.latency", unit: "millisecond", values: [{ labels: { agent: "x" }, count: 3, sum: 600, buckets: { 100: 1, 500: 3 } }] });
		expect(h.type).to.equal("histogram");
		expect(h.values).to.deep.equal([
			{ metricName: "rookery_agents_latency_seconds_bucket", value: 1, labels: { agent: "x", le: 0.1 } },
			{ metricName: "rookery_agents_latency_seconds_bucket", value: 3, labels: { agent: "x", le: 0.5 } },
			{ metricName: "rookery_agents_latency_seconds_bucket", value: 3, labels: { agent: "x", le: "+Inf" } },
			{ metricName: "rookery_agents_latency_seconds_sum", value: 0.6, labels: { agent: "x" } },
			{ metricName: "rookery_agents_latency_seconds_count", value: 3, labels: { agent: "x" } },
		]);
		const s = prometheusValues({ type: "histogram", name: "moleculer.request.duration", unit: "millisecond", values: [{ labels: { caller: null }, count: 1, sum: 2, quantiles: { "0.5": 2 } }] });
		expect(s.type).to.equal("summary");
		expect(s.values[0]).to.deep.equal({ value: 0.002, labels: { quantile: "0.5" } });
	});

	it("prints a label-less counter at 0 before its first increment, and re-reads the source at every scrape", async () => {
		const reg = new Registry();
		const src: { n?: number } = {};
		const snap = (): MetricSnapshot => ({ type: "counter", name: "rookery.t.done", description: "Done things", labelNames: [], values: src.n === undefined ? [] : [{ labels: {}, value: src.n }] });
		bridgeMoleculerMetrics(reg, [snap()], () => snap());
		expect(await reg.metrics()).to.equal("# HELP rookery_t_done_total Done things\n# TYPE rookery_t_done_total counter\nrookery_t_done_total 0\n");
		src.n = 7;
		bridgeMoleculerMetrics(reg, [snap()], () => snap()); // again at the next scrape: not registered twice
		expect(await reg.metrics()).to.contain("rookery_t_done_total 7\n");
	});
});
