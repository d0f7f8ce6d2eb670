/** The alerts service's metrics (docs/alerts.md, "Metrics"). */
import type { ServiceBroker } from "moleculer";

export function registerAlertMetrics(broker: ServiceBroker): void {
	const m = broker.metrics;
	m.register({ type: "counter", name: "rookery.alerts.fired", labelNames: ["severity", "source"], description: "Alerts fired (stored and published once each)" });
	m.register({ type: "counter", name: "rookery.alerts.duplicates", labelNames: ["replay"], description: "Firings whose alert id was stored already (a replayed update): not fired again" });
	m.register({ type: "counter", name: "rookery.alerts.dropped", labelNames: ["reason"], description: "Firings not stored: queue-full (alerts.queueLimit, drop-newest) or store-failed" });
	m.register({ type: "counter", name: "rookery.alerts.rejected", labelNames: ["reason"], description: "Rule requests refused: invalid (422) or tier-limit (403)" });
	m.register({ type: "counter", name: "rookery.alerts.undeliverable", labelNames: ["channel"], description: "Webhook/email deliveries that could not be queued (no delivery channel, or the queue refused)" });
	m.register({ type: "counter", name: "rookery.alerts.requeued", description: "Webhook/email messages queued again by a replay: the alert was stored but its deliveries never marked queued (owner died in between)" });
	m.register({ type: "counter", name: "rookery.alerts.delivery_results", labelNames: ["channel", "status"], description: "Delivery outcomes reported by the delivery service" });
}
