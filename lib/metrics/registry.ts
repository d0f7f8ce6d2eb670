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
		// Moleculer tells its internal subscribers when the broker has stopped (`$broker.stopped`).
		(broker as { localBus?: { once(event: string, listener: () => void): unknown } }).localBus?.once("$broker.stopped", () => release(broker));
	}
	return registry;
}

/**
 * Empties a stopped broker's registry. prom-client's default GC collector observes GC through a
 * PerformanceObserver that it never disconnects; the observer keeps the registry, and through each
 * metric's collect closure the node's broker, services, actors and stores, for the life of the
 * process: ~70 MB per 500k ticks of a stopped embedded node (bench/ingest.ts held three, and its
 * own GC then stalled its latency clients for hundreds of ms).
 */
function release(broker: object): void {
	byNode.get(broker)?.clear();
	byNode.delete(broker);
}
