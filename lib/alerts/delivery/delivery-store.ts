/**
 * What delivery remembers, in the node's KV (Redis in a cluster, memory when embedded):
 * - `done:{id}`: delivered ids (with a TTL), checked before every send so a delivery a receiver
 *   answered 2xx is never sent again; written with SET NX, so a second 2xx for one id is seen.
 * - `inflight:{id}`: a lease held while one node sends; another copy of the message waits.
 * - `sending:{id}`: written before a send and removed once its outcome is stored; found by the
 *   next attempt, it means the last one's outcome is unknown (its node died): that attempt may
 *   have been accepted, so a 2xx now is counted as a possible duplicate.
 * - `due` + `retry`: retries waiting for their time (sorted by due time; one entry per attempt,
 *   `{id}#{attempt}`, so removing a published attempt never removes the next one).
 * - `dead` + `dead-index`: dead letters by delivery id (a second move of one message overwrites
 *   the first), indexed by time so the oldest are dropped past `maxDeadLetters`.
 */
import type { KvStore } from "../../kv/index.ts";
import type { DeliveryMessage } from "../types.ts";

/** A delivery message with its attempt count; the first attempt has neither field. */
export interface DeliveryEnvelope extends DeliveryMessage {
	/** The attempt this message makes (1 = first). */
	attempt?: number;
	/** Epoch ms of the first attempt, the start of `retryForMs`. */
	first_attempt_at?: number;
}

export interface DeadLetter {
	/** The delivery id. */
	id: string;
	owner: string;
	channel: DeliveryMessage["channel"]["type"];
	attempts: number;
	first_attempt_at: number;
	dead_at: number;
	last_error: string;
	message: DeliveryEnvelope;
}

export interface Delivered {
	at: number;
	attempts: number;
	node: string;
}

/** A dead letter as listed (REST, REPL): the message without the webhook secret. */
export type DeadLetterView = Omit<DeadLetter, "message"> & { alert_id: string; rule_id: string; target: string };

export function deadLetterView(d: DeadLetter): DeadLetterView {
	const { message, ...rest } = d;
	const ch = message.channel;
	return { ...rest, alert_id: message.alert.alert_id, rule_id: message.alert.rule_id, target: ch.type === "webhook" ? ch.url : ch.type === "email" ? ch.to : ch.type };
}

const P = "alerts:delivery:";

export class DeliveryStore {
	constructor(
		private readonly kv: KvStore,
		private readonly opts: { claimMs: number; processedTtlMs: number; maxDeadLetters: number },
	) {}

	delivered(id: string): Promise<Delivered | null> {
		return this.kv.get<Delivered>(`${P}done:${id}`);
	}

	/** Record a 2xx; answers the earlier record when this id was already delivered (a duplicate). */
	markDelivered(id: string, d: Delivered): Promise<Delivered | null> {
		return this.kv.setIfAbsent<Delivered>(`${P}done:${id}`, d, this.opts.processedTtlMs);
	}

	takeInFlight(id: string, holder: string): Promise<boolean> {
		return this.kv.acquireLease(`${P}inflight:${id}`, holder, this.opts.claimMs);
	}

	async releaseInFlight(id: string, holder: string): Promise<void> {
		await this.kv.releaseLease(`${P}inflight:${id}`, holder);
	}

	/** Mark an attempt as started; answers the holder of an earlier attempt whose outcome was never stored, or null. */
	async beginAttempt(id: string, holder: string): Promise<string | null> {
		const earlier = await this.kv.get<string>(`${P}sending:${id}`);
		await this.kv.set(`${P}sending:${id}`, holder, this.opts.processedTtlMs);
		return earlier;
	}

	async endAttempt(id: string): Promise<void> {
		await this.kv.del(`${P}sending:${id}`);
	}

	scheduledCount(): Promise<number> {
		return this.kv.zcard(`${P}due`);
	}

	/** Keep `env` until `dueAt`; the entry (hash first) is written before the message that failed is acknowledged. */
	async schedule(env: DeliveryEnvelope, dueAt: number): Promise<void> {
		const member = `${env.delivery_id}#${env.attempt ?? 1}`;
		await this.kv.hset(`${P}retry`, member, env);
		await this.kv.zadd(`${P}due`, [{ score: dueAt, member }]);
	}

	/**
	 * Retries due by `now` that `holder` claimed (a claim per attempt, for `claimMs`: a node that
	 * dies after claiming leaves it to another node after that). Call `published` once each is sent.
	 */
	async claimDue(now: number, limit: number, holder: string): Promise<Array<{ member: string; env: DeliveryEnvelope }>> {
		const out: Array<{ member: string; env: DeliveryEnvelope }> = [];
		for (const { member } of await this.kv.zrangeByScore(`${P}due`, -Infinity, now, limit)) {
			if (!(await this.kv.acquireLease(`${P}claim:${member}`, holder, this.opts.claimMs))) continue;
			const env = await this.kv.hget<DeliveryEnvelope>(`${P}retry`, member);
			if (env) out.push({ member, env });
			else await this.kv.zrem(`${P}due`, [member]);
		}
		return out;
	}

	async published(member: string, holder: string): Promise<void> {
		await this.kv.zrem(`${P}due`, [member]);
		await this.kv.hdel(`${P}retry`, member);
		await this.kv.releaseLease(`${P}claim:${member}`, holder);
	}

	/** Store a dead letter; answers how many of the oldest were dropped to stay within `maxDeadLetters`. */
	async putDeadLetter(d: DeadLetter): Promise<number> {
		await this.kv.hset(`${P}dead`, d.id, d);
		await this.kv.zadd(`${P}dead-index`, [{ score: d.dead_at, member: d.id }]);
		const over = (await this.kv.zcard(`${P}dead-index`)) - this.opts.maxDeadLetters;
		if (over <= 0) return 0;
		const oldest = (await this.kv.zrangeByScore(`${P}dead-index`, -Infinity, Infinity, over)).map(e => e.member);
		for (const id of oldest) await this.kv.hdel(`${P}dead`, id);
		await this.kv.zrem(`${P}dead-index`, oldest);
		return oldest.length;
	}

	getDeadLetter(id: string): Promise<DeadLetter | null> {
		return this.kv.hget<DeadLetter>(`${P}dead`, id);
	}

	/** Every dead letter, newest first. */
	async deadLetters(): Promise<DeadLetter[]> {
		return Object.values(await this.kv.hgetall<DeadLetter>(`${P}dead`)).sort((a, b) => b.dead_at - a.dead_at || a.id.localeCompare(b.id));
	}

	async removeDeadLetter(id: string): Promise<boolean> {
		await this.kv.zrem(`${P}dead-index`, [id]);
		return this.kv.hdel(`${P}dead`, id);
	}
}
