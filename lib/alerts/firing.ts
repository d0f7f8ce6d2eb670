/**
 * What one firing becomes (docs/alerts.md "Delivery"): the stored record, the first state of each
 * channel's delivery, the reliable-channel messages for webhooks and email, the `alert_triggered`
 * event, and the seed subscriptions that also receive it.
 */
import type { AlertRecord, DeliveryMessage } from "./types.ts";
import type { DeliveryEntry, Subscription } from "./alert-store.ts";
import type { Firing } from "./engine.ts";
import { isMetricName } from "../analytics/metric-name.ts";

export const UNDELIVERABLE = "undeliverable: no delivery channel on this node (@moleculer/channels is not set up)";

export function recordOf(f: Firing): AlertRecord {
	const r = f.rule;
	return { alert_id: f.alert_id, rule_id: r.id, rule_name: r.name, owner: r.owner, severity: r.severity, message: `${r.name}: ${f.message}`, ts: f.ts, inputs: f.inputs, channels: r.channels };
}

/** The alert as clients see it (WS `data`, NATS payload): no channels (webhook secrets) and no owner. */
export function publicAlert(a: AlertRecord): Omit<AlertRecord, "channels" | "owner"> {
	return { alert_id: a.alert_id, rule_id: a.rule_id, rule_name: a.rule_name, severity: a.severity, message: a.message, ts: a.ts, inputs: a.inputs };
}

/** WS and NATS are published with the firing (best effort, like every bus message); webhooks and email wait for the delivery service. */
export function initialDeliveries(a: AlertRecord, canSend: boolean): DeliveryEntry[] {
	return a.channels.map(c =>
		c.type === "ws" || c.type === "nats" ? { channel: c.type, status: "delivered", attempts: 1, last_error: null } : { channel: c.type, status: "pending", attempts: 0, last_error: canSend ? null : UNDELIVERABLE },
	);
}

export function deliveryMessages(a: AlertRecord): DeliveryMessage[] {
	const { channels: _c, ...alert } = a;
	return a.channels.flatMap((channel, i) => (channel.type === "webhook" || channel.type === "email" ? [{ delivery_id: `${a.alert_id}:${i}`, alert, channel }] : []));
}

/** The platform event (events service), with the alert id as the event id: stored once however often it is sent. */
export function alertEvent(a: AlertRecord) {
	const metrics = Object.fromEntries(Object.entries(a.inputs).filter(([k, v]) => isMetricName(k) && typeof v === "number" && Number.isFinite(v)));
	const entity = typeof a.inputs.symbol === "string" ? a.inputs.symbol : typeof a.inputs.entity === "string" ? a.inputs.entity : undefined;
	return { id: a.alert_id, type: "alert_triggered", ts: a.ts, severity: a.severity, ...(entity && { entity }), data: { rule_id: a.rule_id, rule_name: a.rule_name, message: a.message.slice(0, 2000), metrics } };
}

/** An alert's type as seed subscriptions name it: its rule's source (`price`, `signal`, …, `system`). */
export const SUBSCRIPTION_TYPES = ["price", "indicator", "signal", "window", "event", "pattern", "system"] as const;

/**
 * Owners whose seed subscription takes this alert: the rule's own owner's subscriptions and, for
 * built-in system alerts, anyone's; matched by type (empty = all) and symbol (empty = all).
 */
export function subscribers(subs: Iterable<Subscription>, a: AlertRecord, source: string, symbol: string | undefined): Set<string> {
	const out = new Set<string>();
	for (const s of subs) {
		if (s.owner !== a.owner && source !== "system") continue;
		if (s.alert_types.length > 0 && !s.alert_types.includes(source)) continue;
		if (s.symbols.length > 0 && (symbol === undefined || !s.symbols.includes(symbol))) continue;
		out.add(s.owner);
	}
	return out;
}
