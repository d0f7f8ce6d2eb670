/**
 * The Prometheus registry of a node (prom-client, lib/metrics/registry.ts): Node.js and process
 * metrics from prom-client's default collectors, the metrics services count in Moleculer's registry (bridged at scrape time,
 * lib/metrics/prometheus.ts), the request series of middlewares/request-metrics.middleware.ts, and
 * native prom-client metrics services register with `prometheusRegistryOf(broker)` (gauges read
 * at scrape time, such as per-symbol lag).
 */
import type { ServiceBroker } from "moleculer";
import { Registry } from "prom-client";
import { prometheusRegistryOf } from "../lib/metrics/registry.ts";
import { bridgeMoleculerMetrics, bridgedMetric, type MetricSnapshot } from "../lib/metrics/prometheus.ts";
import { requestMetricsOf } from "../middlewares/request-metrics.middleware.ts";
import { nextTurn } from "../lib/scheduling/turns.ts";

/** Moleculer registry metrics exposed; process and memory come from prom-client's collectors instead. */
const MOLECULER_INCLUDES = ["rookery.**", "moleculer.transit.**"];

interface NodeRegistry {
	registry: Registry;
	/** The request series read once per scrape, shared by their four bridged metrics. */
	requests: MetricSnapshot[];
	requestsBridged: boolean;
}

const byBroker = new WeakMap<ServiceBroker, NodeRegistry>();

function nodeRegistry(broker: ServiceBroker): NodeRegistry {
	let n = byBroker.get(broker);
	if (!n) {
		n = { registry: prometheusRegistryOf(broker), requests: [], requestsBridged: false };
		byBroker.set(broker, n);
	}
	return n;
}

export { prometheusRegistryOf };

/** Bridge the Moleculer metrics registered since the last call; returns the node's registry. */
function synced(broker: ServiceBroker): NodeRegistry {
	const n = nodeRegistry(broker);
	// The request middleware is registered after the cacher (which may create this registry first).
	const requests = n.requestsBridged ? null : requestMetricsOf(broker);
	if (requests) {
		for (const m of requests.snapshot()) n.registry.registerMetric(bridgedMetric(m, () => n.requests.find(r => r.name === m.name) ?? null));
		n.requestsBridged = true;
	}
	const metrics = broker.metrics as unknown as { list(o: object): MetricSnapshot[]; getMetric(name: string): { toObject(): MetricSnapshot; buckets?: number[] } | null };
	const read = (name: string): MetricSnapshot | null => {
		const m = metrics.getMetric(name);
		return m ? { ...m.toObject(), bucketed: Boolean(m.buckets) } : null;
	};
	bridgeMoleculerMetrics(n.registry, metrics.list({ includes: MOLECULER_INCLUDES }), read);
	return n;
}

/** prom-client renders one metric with this (public in its JS, not in its types). */
type RenderOne = (m: ReturnType<Registry["getMetricsAsArray"]>[number]) => Promise<string>;

/**
 * `/metrics`: the node's metrics in the Prometheus text format, as `Registry.metrics()` writes
 * them but one metric per event-loop turn. prom-client reads and formats them all in one turn:
 * with 10,000 symbols the per-symbol series made a scrape block the node for 170-340 ms, and
 * anyone who may read `/metrics` could repeat it.
 */
export async function renderMetrics(broker: ServiceBroker): Promise<string> {
	const n = synced(broker);
	n.requests = requestMetricsOf(broker)?.snapshot() ?? [];
	const renderOne = (n.registry as unknown as { getMetricsAsString: RenderOne }).getMetricsAsString.bind(n.registry);
	const parts: string[] = [];
	for (const m of n.registry.getMetricsAsArray()) {
		parts.push(await renderOne(m));
		await nextTurn();
	}
	return `${parts.join("\n\n")}\n`;
}

/**
 * The current values of one metric by its Prometheus name, as `/metrics` would print them
 * (`/health` reads connections and backlogs this way, so both always agree). Empty when absent.
 */
export async function metricValues(broker: ServiceBroker, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
	const m = synced(broker).registry.getSingleMetric(name);
	if (!m) return [];
	const got = (await m.get()) as { values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }> };
	return got.values.filter(v => !v.metricName || v.metricName === name);
}

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
