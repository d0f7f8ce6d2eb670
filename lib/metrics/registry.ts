/**
 * The Prometheus registry of a node (prom-client), one per broker: Node.js and process metrics
 * from prom-client's default collectors, and the native metrics services and mixins register
 * (gauges read at scrape time). runtime/prometheus.ts bridges Moleculer's metrics into it and
 * renders it for `/metrics`.
 */
import { collectDefaultMetrics, Registry } from "prom-client";

const byNode = new WeakMap<object, Registry>();

/** The node's prom-client registry: register native metrics here (`registers: [prometheusRegistryOf(broker)]`). */
export function prometheusRegistryOf(broker: { nodeID: string }): Registry {
	let registry = byNode.get(broker);
	if (!registry) {
		registry = new Registry();
		registry.setDefaultLabels({ node: broker.nodeID });
		collectDefaultMetrics({ register: registry });
		// Gauges named like counters (promtool refuses them); nodejs_active_{handles,requests,resources} by type stay.
		for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);
		byNode.set(broker, registry);
	}
	return registry;
}
