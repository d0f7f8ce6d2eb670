/**
 * Delivery of one message from the reliable channel, and the retries that wait for their time.
 * At-least-once with a stable id: the delivered-set is checked before every send and written right
 * after a 2xx, so a delivery is sent again only when a node dies between the receiver's answer and
 * that write (the next attempt finds the dead one's `sending` mark, and its 2xx is counted as a
 * possible duplicate). Failures are retried with backoff and
 * jitter (a new channel message per attempt, published when due); permanent refusals and exhausted
 * retries become dead letters. Depends on a store, senders, a recorder and a publisher; no broker.
 */
import type { DeliveryResult, DeliveryStatus } from "../types.ts";
import type { AlertDeliveryConfig } from "./config.ts";
import { retriesExhausted, retryDelayMs } from "./backoff.ts";
import type { DeliveryEnvelope, DeadLetter, DeliveryStore } from "./delivery-store.ts";
import type { Sender, SendOutcome } from "./senders.ts";

export type ChannelType = DeliveryEnvelope["channel"]["type"];

export interface DeliveryMetrics {
	/** One attempt's result (or a skip: `skipped` = already delivered, `policy` = not sent by config). */
	outcome(channel: ChannelType, status: DeliveryStatus | "skipped" | "policy"): void;
	/**
	 * A 2xx for an id that may have had one before: `recorded` = the earlier one is recorded (a
	 * certain duplicate); `unconfirmed` = an earlier attempt's node died before storing its outcome.
	 */
	duplicate(channel: ChannelType, kind: "recorded" | "unconfirmed"): void;
	/** `retry-queue-full`: dead-lettered at once (`maxScheduled` retries wait); `dead-letters-full`: an old dead letter dropped. */
	dropped(channel: ChannelType, reason: "retry-queue-full" | "dead-letters-full", n?: number): void;
}

export interface DelivererDeps {
	store: DeliveryStore;
	senders: Partial<Record<ChannelType, Sender>>;
	/** Report an attempt to the alerts service (`alerts.recordDelivery`); a throw leaves the message unacknowledged. */
	record(result: DeliveryResult): Promise<void>;
	/** Put a message on the delivery channel. */
	publish(env: DeliveryEnvelope): Promise<void>;
	metrics: DeliveryMetrics;
	config: AlertDeliveryConfig;
	nodeId: string;
	now(): number;
	random(): number;
}

export class Deliverer {
	#seq = 0;

	constructor(private readonly d: DelivererDeps) {}

	/** Handle one channel message; resolves when it may be acknowledged. */
	async handle(env: DeliveryEnvelope): Promise<void> {
		const { store, config, metrics } = this.d;
		const id = env.delivery_id;
		const type = env.channel.type;
		const attempt = env.attempt ?? 1;
		const done = await store.delivered(id);
		if (done) {
			metrics.outcome(type, "skipped");
			return this.#record(env, "delivered", done.attempts, null);
		}
		if (type === "email" && !config.emailSeverities.includes(env.alert.severity)) {
			metrics.outcome(type, "policy");
			await store.markDelivered(id, { at: this.d.now(), attempts: 0, node: this.d.nodeId });
			return this.#record(env, "delivered", 0, `not sent: email goes out for ${config.emailSeverities.join(", ") || "no severity"} (alertDelivery.emailSeverities)`);
		}
		const holder = `${this.d.nodeId}:${++this.#seq}`;
		if (!(await store.takeInFlight(id, holder))) {
			// Another copy is being sent right now (a redelivery after a crash); look again when its lease ends.
			return store.schedule(env, this.d.now() + config.claimMs);
		}
		try {
			const first = env.first_attempt_at ?? this.d.now();
			const unconfirmed = await store.beginAttempt(id, holder);
			const sender = this.d.senders[type];
			const outcome: SendOutcome = sender ? await sender.send(env, env.channel) : { type: "failed", error: `no sender for ${type} channels` };
			if (outcome.type === "delivered") {
				const earlier = await store.markDelivered(id, { at: this.d.now(), attempts: attempt, node: this.d.nodeId });
				await store.endAttempt(id);
				if (earlier || unconfirmed) metrics.duplicate(type, earlier ? "recorded" : "unconfirmed");
				metrics.outcome(type, "delivered");
				return await this.#record(env, "delivered", attempt, null);
			}
			const nextAt = this.d.now() + retryDelayMs(attempt, config, this.d.random());
			if (outcome.type === "failed" || retriesExhausted(attempt, first, nextAt, config)) return await this.#deadLetter(env, attempt, first, outcome.error);
			if ((await store.scheduledCount()) >= config.maxScheduled) {
				metrics.dropped(type, "retry-queue-full");
				return await this.#deadLetter(env, attempt, first, `${outcome.error}; retry queue full (alertDelivery.maxScheduled)`);
			}
			await store.schedule({ ...env, attempt: attempt + 1, first_attempt_at: first }, nextAt);
			await store.endAttempt(id);
			metrics.outcome(type, "retrying");
			await this.#record(env, "retrying", attempt, outcome.error);
		} finally {
			await store.releaseInFlight(id, holder);
		}
	}

	/** Publish the retries due now (each node polls every `pollMs`); answers how many. */
	async publishDue(limit = 100): Promise<number> {
		const holder = `${this.d.nodeId}:${++this.#seq}`;
		const due = await this.d.store.claimDue(this.d.now(), limit, holder);
		for (const { member, env } of due) {
			await this.d.publish(env);
			await this.d.store.published(member, holder);
		}
		return due.length;
	}

	/** Send a dead letter again from a fresh first attempt (the admin's retry); false when there is none. */
	async retryDeadLetter(id: string): Promise<DeadLetter | null> {
		const dl = await this.d.store.getDeadLetter(id);
		if (!dl) return null;
		const { attempt: _a, first_attempt_at: _f, ...message } = dl.message;
		await this.d.publish(message);
		await this.d.store.removeDeadLetter(id);
		return dl;
	}

	/**
	 * Dead-letter a message whose handler kept throwing (moved by the channel after
	 * `maxHandlerFailures`); a message delivered meanwhile is left alone. The channel may move one
	 * message twice (@moleculer/channels 0.1.8): the second write lands on the same id.
	 */
	async deadLetterPoison(env: DeliveryEnvelope, error: string): Promise<void> {
		if (await this.d.store.delivered(env.delivery_id)) return;
		const attempt = env.attempt ?? 1;
		await this.#storeDeadLetter(env, attempt, env.first_attempt_at ?? this.d.now(), error);
		// The message is already where it ends; a record the alerts service refuses must not bring it back.
		await this.#record(env, "dead", attempt, error).catch(() => {});
	}

	async #deadLetter(env: DeliveryEnvelope, attempt: number, first: number, error: string): Promise<void> {
		await this.#storeDeadLetter(env, attempt, first, error);
		await this.#record(env, "dead", attempt, error);
	}

	async #storeDeadLetter(env: DeliveryEnvelope, attempt: number, first: number, error: string): Promise<void> {
		const type = env.channel.type;
		const dropped = await this.d.store.putDeadLetter({ id: env.delivery_id, owner: env.alert.owner, channel: type, attempts: attempt, first_attempt_at: first, dead_at: this.d.now(), last_error: error, message: env });
		if (dropped > 0) this.d.metrics.dropped(type, "dead-letters-full", dropped);
		await this.d.store.endAttempt(env.delivery_id);
		this.d.metrics.outcome(type, "dead");
	}

	#record(env: DeliveryEnvelope, status: DeliveryStatus, attempts: number, lastError: string | null): Promise<void> {
		return this.d.record({ alert_id: env.alert.alert_id, delivery_id: env.delivery_id, channel: env.channel.type, status, attempts, last_error: lastError });
	}
}
