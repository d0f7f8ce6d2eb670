/**
 * The alerts service's firing path (docs/alerts.md "Delivery"): a firing from the engine is stored
 * once under its deterministic id (lib/alerts/alert-store.ts), then published on NATS
 * `rookery.alerts.{ruleId}` and the owners' subjects (WS `alerts:{id}`, `alerts:me`), stored as an
 * `alert_triggered` event, and handed to the delivery service over the reliable channel for its
 * webhooks and emails. A replayed update whose alert is stored but was never queued is queued again.
 */
import type { ServiceSchema } from "moleculer";
import type { AlertStore, Subscription } from "../lib/alerts/alert-store.ts";
import type { Firing } from "../lib/alerts/engine.ts";
import { alertEvent, deliveryMessages, initialDeliveries, publicAlert, recordOf, subscribers } from "../lib/alerts/firing.ts";
import { alertSubjects } from "../lib/alerts/topics.ts";
import { ALERT_DELIVERY_CHANNEL, type AlertRecord } from "../lib/alerts/types.ts";
import type { NodeDeps } from "../runtime/deps.ts";

type SendToChannel = (name: string, payload: unknown) => Promise<unknown>;
export interface AlertFiringMethods {
	fired(f: Firing): void;
	deliver(f: Firing): Promise<void>;
	queueDeliveries(record: AlertRecord, send: SendToChannel, again: boolean): Promise<void>;
}
export interface AlertFiringVars {
	store: AlertStore;
	subs: Map<string, Subscription>;
	/** Firings being stored and published (bounded by `alerts.queueLimit`). */
	inflight: number;
}

export function alertFiringMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, AlertFiringMethods, AlertFiringVars>> {
	const { config, bus } = deps;
	return {
		methods: {
			/** Called inside the updating actor's turn: queue the storing and publishing (bounded: drop-newest). */
			fired(f: Firing) {
				if (this.inflight >= config.alerts.queueLimit) {
					this.broker.metrics.increment("rookery.alerts.dropped", { reason: "queue-full" });
					return;
				}
				this.inflight++;
				this.deliver(f)
					.catch(err => {
						this.broker.metrics.increment("rookery.alerts.dropped", { reason: "store-failed" });
						this.logger.warn({ alert_id: f.alert_id, rule: f.rule.id, err: (err as Error).message }, "alert not stored");
					})
					.finally(() => this.inflight--);
			},

			async deliver(f: Firing) {
				const send = (this.broker as unknown as { sendToChannel?: SendToChannel }).sendToChannel?.bind(this.broker);
				const record = recordOf(f);
				// In the history before anyone hears of it: a client that GETs the history on the alert finds it.
				if (!(await this.store.claimAndIndex(record, initialDeliveries(record, send !== undefined)))) {
					this.broker.metrics.increment("rookery.alerts.duplicates", { replay: String(f.replay) });
					// Stored by an owner that may have died before it queued its webhooks/emails (its history
					// entries were just written again): queue the ones never marked queued (same delivery ids,
					// so receivers de-duplicate).
					if (f.replay && send && deliveryMessages(record).length > 0 && !(await this.store.isQueued(record.alert_id))) await this.queueDeliveries(record, send, true);
					return;
				}
				this.broker.metrics.increment("rookery.alerts.fired", { severity: record.severity, source: f.rule.condition.source });
				const alert = publicAlert(record);
				bus.publish(alertSubjects.rule(record.rule_id), alert);
				const symbol = typeof f.inputs.symbol === "string" ? f.inputs.symbol : f.rule.condition.symbol;
				for (const owner of new Set([record.owner, ...subscribers(this.subs.values(), record, f.rule.condition.source, symbol)])) bus.publish(alertSubjects.owner(owner, record.rule_id), alert);
				void this.store.trim(record).catch(() => {});
				// Through the events service when one runs (its id is the alert's: stored once however often sent).
				// Not called when no node has it (a call would build an error and log a warning, ~0.2 ms an
				// alert); called when it is there but unavailable (breaker open), so the failure is logged.
				if ((this.broker.registry.actions.get("events.publish")?.count() ?? 0) > 0)
					void this.broker
						.call("events.publish", { body: alertEvent(record) })
						.catch((err: Error) => err.name !== "ServiceNotFoundError" && this.logger.warn({ alert_id: record.alert_id, err: err.message }, "alert_triggered event not stored"));
				if (send) await this.queueDeliveries(record, send, false);
				else for (const msg of deliveryMessages(record)) this.broker.metrics.increment("rookery.alerts.undeliverable", { channel: msg.channel.type });
			},

			/** One reliable-channel message per webhook/email channel; marked queued once all are in. */
			async queueDeliveries(record: AlertRecord, send: SendToChannel, again: boolean) {
				const msgs = deliveryMessages(record);
				let queued = 0;
				for (const msg of msgs) {
					await send(ALERT_DELIVERY_CHANNEL, msg).then(
						() => queued++,
						err => {
							this.broker.metrics.increment("rookery.alerts.undeliverable", { channel: msg.channel.type });
							return this.store.recordDelivery({ alert_id: record.alert_id, delivery_id: msg.delivery_id, channel: msg.channel.type, status: "pending", attempts: 0, last_error: `not queued: ${(err as Error).message}` }, true);
						},
					);
				}
				if (msgs.length > 0 && queued === msgs.length) await this.store.markQueued(record.alert_id);
				if (again) this.broker.metrics.increment("rookery.alerts.requeued", {}, queued);
			},
		},
	};
}
