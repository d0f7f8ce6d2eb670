/**
 * Alert delivery (issue 16): consumes the reliable channel `ALERT_DELIVERY_CHANNEL` (Redis Streams
 * in a cluster: middlewares/channels.middleware.ts) and sends each webhook or email with retries,
 * backoff and dead letters (lib/alerts/delivery/). Each attempt is reported to
 * `alerts.recordDelivery`. Dead letters: `GET /api/v1/alerts/dead-letters` and
 * `POST /api/v1/alerts/dead-letters/{id}/retry` (admin), and the REPL's `dead-letters`.
 */
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import { mayAccess, visibleTo, type CallerAuth } from "../lib/auth/owner.ts";
import { NotFoundError } from "../lib/protocol/errors.ts";
import { ALERT_DELIVERY_CHANNEL, type DeliveryResult } from "../lib/alerts/types.ts";
import { webhookUrlPolicy } from "../lib/alerts/delivery/config.ts";
import { DeliveryStore, deadLetterView, type DeadLetterView, type DeliveryEnvelope } from "../lib/alerts/delivery/delivery-store.ts";
import { Deliverer, type DeliveryMetrics } from "../lib/alerts/delivery/deliverer.ts";
import { EmailSender, WebhookSender } from "../lib/alerts/delivery/senders.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { channelStream, sendReliably, trimAcknowledged } from "../middlewares/channels.middleware.ts";
import type { RedisKv } from "../lib/kv/index.ts";

/** How often a node trims acknowledged entries off the delivery streams (Redis) and reads the backlog. */
const TRIM_EVERY_MS = 10_000;

/** The channel a delivery message goes to when its handler failed `maxHandlerFailures` times. */
export const ALERT_DELIVERY_FAILED_CHANNEL = `${ALERT_DELIVERY_CHANNEL}.failed`;

interface Vars {
	deliverer: Deliverer;
	store: DeliveryStore;
	senders: { webhook: WebhookSender; email: EmailSender };
	poll: NodeJS.Timeout | null;
	trim: NodeJS.Timeout | null;
}

/** An action's `description` (the OpenAPI summary); Moleculer's ActionSchema type does not declare it. */
const summary = (description: string): object => ({ description });

type Meta = { auth?: CallerAuth | null; $statusCode?: number };

function deliveryMetrics(broker: ServiceBroker): DeliveryMetrics {
	return {
		outcome: (channel, status) => broker.metrics.increment("rookery.alerts.deliveries", { channel, status }),
		duplicate: (channel, kind) => broker.metrics.increment("rookery.alerts.delivery_duplicates", { channel, kind }),
		dropped: (channel, reason, n = 1) => broker.metrics.increment("rookery.alerts.delivery_dropped", { channel, reason }, n),
	};
}

export default function alertDeliveryService(deps: NodeDeps): ServiceSchema<Record<string, never>, Record<string, never>, Vars> {
	const cfg = deps.config.alertDelivery;
	return {
		name: "alert-delivery",

		actions: {
			/** Dead letters the caller may see (its own alerts'; admins all), newest first. */
			deadLetters: {
				...summary("Alert deliveries that gave up, newest first: the caller's own (admins: all)"),
				params: { limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				async handler(ctx: Context<{ limit?: number }, Meta>): Promise<{ items: DeadLetterView[]; total: number }> {
					const all = visibleTo(ctx.meta.auth, await this.store.deadLetters(), d => d.owner);
					return { items: all.slice(0, ctx.params.limit ?? 100).map(deadLetterView), total: all.length };
				},
			},

			/** Send a dead letter again, from a fresh first attempt (admin). */
			retryDeadLetter: {
				...ADMIN_ONLY,
				...summary("Send a dead letter again from a fresh first attempt (admin)"),
				params: { id: { type: "string", min: 1, max: 512 } },
				async handler(ctx: Context<{ id: string }, Meta>): Promise<{ id: string; retried: true }> {
					const dl = await this.store.getDeadLetter(ctx.params.id);
					if (!dl || !mayAccess(ctx.meta.auth, dl.owner) || !(await this.deliverer.retryDeadLetter(dl.id))) throw new NotFoundError(`no dead letter ${ctx.params.id}`, { id: ctx.params.id });
					this.broker.metrics.increment("rookery.alerts.dead_letter_retries");
					ctx.meta.$statusCode = 202;
					return { id: dl.id, retried: true };
				},
			},
		},

		channels: {
			[ALERT_DELIVERY_CHANNEL]: {
				group: "alert-delivery",
				maxInFlight: cfg.maxInFlight,
				deadLettering: { enabled: true, queueName: ALERT_DELIVERY_FAILED_CHANNEL },
				handler(this: Vars, msg: DeliveryEnvelope) {
					return this.deliverer.handle(msg);
				},
			},
			// @moleculer/channels moved it here after `maxHandlerFailures` throws (Redis only).
			[ALERT_DELIVERY_FAILED_CHANNEL]: {
				group: "alert-delivery",
				handler(this: Vars, msg: DeliveryEnvelope) {
					return this.deliverer.deadLetterPoison(msg, `delivery handler failed ${cfg.maxHandlerFailures} times`);
				},
			},
		},

		created() {
			const broker = this.broker;
			for (const [name, labelNames, description] of [
				["rookery.alerts.deliveries", ["channel", "status"], "Delivery attempts by channel and result (delivered, retrying, dead; skipped = already delivered, policy = email not sent for this severity)"],
				["rookery.alerts.delivery_duplicates", ["channel", "kind"], "2xx answers that may repeat an earlier one: kind=unconfirmed (an attempt's node died before storing its outcome), recorded (both recorded)"],
				["rookery.alerts.delivery_dropped", ["channel", "reason"], "retry-queue-full: failing deliveries dead-lettered at once (maxScheduled); dead-letters-full: oldest dead letters dropped (maxDeadLetters)"],
				["rookery.alerts.delivery_record_failures", [], "Delivery results alerts.recordDelivery did not take (the message is handled again later)"],
				["rookery.alerts.dead_letter_retries", [], "Dead letters sent again by an admin"],
			] as const)
				broker.metrics.register({ type: "counter", name, labelNames: [...labelNames], description });
			broker.metrics.register({ type: "gauge", name: "rookery.alerts.delivery_backlog", labelNames: ["stream"], description: "Redis: delivery messages not yet acknowledged by every group (after trimming the acknowledged ones)" });
			this.store = new DeliveryStore(deps.kv, cfg);
			this.senders = {
				webhook: new WebhookSender({ timeoutMs: cfg.timeoutMs, policy: webhookUrlPolicy(cfg, deps.config.environment), nowSec: () => Math.floor(deps.now() / 1000) }),
				email: new EmailSender({ smtpUrl: cfg.smtpUrl, from: cfg.emailFrom, timeoutMs: cfg.timeoutMs }),
			};
			this.deliverer = new Deliverer({
				store: this.store,
				senders: this.senders,
				// A throw leaves the message unacknowledged: it comes back (after claimIdleMs), finds its
				// state (delivered, scheduled) and records again, without sending twice.
				async record(result: DeliveryResult) {
					try {
						await broker.call("alerts.recordDelivery", result);
					} catch (err) {
						broker.metrics.increment("rookery.alerts.delivery_record_failures");
						broker.logger.warn(`alerts.recordDelivery failed for ${result.delivery_id} (${result.status}): ${(err as Error).message}`);
						throw err;
					}
				},
				publish: env => sendReliably(broker, ALERT_DELIVERY_CHANNEL, env),
				metrics: deliveryMetrics(broker),
				config: cfg,
				nodeId: broker.nodeID,
				now: deps.now,
				random: Math.random,
			});
			this.poll = null;
		},

		started() {
			const tick = async () => {
				try {
					while ((await this.deliverer.publishDue()) > 0);
				} catch (err) {
					this.logger.warn(`publishing due alert retries failed: ${(err as Error).message}`);
				}
				if (this.poll) this.poll = setTimeout(tick, cfg.pollMs);
			};
			this.poll = setTimeout(tick, cfg.pollMs);
			this.trim = null;
			if (deps.kv.kind === "redis") {
				const redis = (deps.kv as RedisKv).client;
				const trim = async () => {
					for (const [label, channel] of [
						["deliveries", ALERT_DELIVERY_CHANNEL],
						["failed", ALERT_DELIVERY_FAILED_CHANNEL],
					] as const) {
						const backlog = await trimAcknowledged(redis, channelStream(this.broker.namespace, channel)).catch(() => null);
						if (backlog !== null) this.broker.metrics.set("rookery.alerts.delivery_backlog", backlog, { stream: label });
					}
					if (this.trim) this.trim = setTimeout(trim, TRIM_EVERY_MS);
				};
				// The first round at once: the backlog gauge (and /health) has a value from the start.
				this.trim = setTimeout(trim, 0);
			}
		},

		stopped() {
			for (const t of [this.poll, this.trim]) if (t) clearTimeout(t);
			this.poll = this.trim = null;
			this.senders.email.close();
			this.senders.webhook.close();
		},
	} as ServiceSchema<Record<string, never>, Record<string, never>, Vars>;
}
