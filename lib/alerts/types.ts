/**
 * The records the alerts service and the delivery service exchange (issue 16). Rule evaluation
 * (services/alerts.service.ts, lib/alerts/) produces an `AlertRecord` once per (rule, triggering
 * update); every delivery channel of it becomes one `DeliveryMessage` on the reliable channel
 * `ALERT_DELIVERY_CHANNEL`, whose `delivery_id` is the same on every attempt.
 */

export type Severity = "low" | "medium" | "high" | "critical";

export type AlertChannel = { type: "ws" } | { type: "nats" } | { type: "webhook"; url: string; secret: string } | { type: "email"; to: string };

export interface AlertRecord {
	/** Deterministic from (rule id, triggering update): a replayed update maps to the same id. */
	alert_id: string;
	rule_id: string;
	rule_name: string;
	/** Owner id of the rule (lib/auth/owner.ts). */
	owner: string;
	severity: Severity;
	message: string;
	/** Epoch ms of the triggering update. */
	ts: number;
	/** The values that made the condition true (e.g. { price: 201.5, previous: 199.9 }). */
	inputs: Record<string, unknown>;
	channels: AlertChannel[];
}

export type DeliveryStatus = "pending" | "delivered" | "retrying" | "dead";

export interface DeliveryMessage {
	/** `${alert_id}:${channel index}`: stable across attempts, sent as X-Rookery-Delivery. */
	delivery_id: string;
	alert: Omit<AlertRecord, "channels">;
	channel: AlertChannel;
}

export interface DeliveryResult {
	alert_id: string;
	delivery_id: string;
	/** Channel type, as in the history's `deliveries[].channel`. */
	channel: AlertChannel["type"];
	status: DeliveryStatus;
	attempts: number;
	last_error: string | null;
}

/** The @moleculer/channels channel the delivery service consumes. */
export const ALERT_DELIVERY_CHANNEL = "rookery.alert-deliveries";
