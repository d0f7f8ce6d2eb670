/**
 * Alert rules, seed subscriptions and the alert history on the KV (lib/kv: in memory embedded,
 * Redis in a cluster). An alert is stored write-once under its id (`SET NX`): the id is derived
 * from (rule, triggering update), so the second node to see the same update (a replay after a
 * failover) finds it taken and does not fire. History is indexed by time, overall, per rule and
 * per owner (sorted sets scored by `ts`, members the alert ids); each delivery's state is a key of
 * its own (`{alert_id}:{channel index}`), so delivery results for two channels never race.
 */
import { eachInTurns } from "../scheduling/turns.ts";
import type { KvStore } from "../kv/index.ts";
import type { AlertRecord, DeliveryResult, DeliveryStatus } from "./types.ts";
import type { AlertRule } from "./rule.ts";

export interface DeliveryEntry {
	channel: string;
	status: DeliveryStatus;
	attempts: number;
	last_error: string | null;
}

export interface HistoryItem extends Omit<AlertRecord, "channels" | "owner"> {
	deliveries: DeliveryEntry[];
}

export interface HistoryQuery {
	/** The index to read: one rule's, one owner's, or (null) every alert. */
	rule?: string;
	owner?: string;
	from?: number;
	to?: number;
	limit: number;
	cursor?: string;
}

export interface Subscription {
	id: string;
	owner: string;
	symbols: string[];
	alert_types: string[];
	created_at: number;
}

export const MAX_HISTORY_LIMIT = 1000;

const keys = {
	rules: "alerts:rules",
	lastFired: "alerts:last-fired",
	owned: (o: string) => `alerts:owned:${o}`,
	version: "alerts:rules:version",
	subs: "alerts:subs",
	alert: (id: string) => `alerts:a:${id}`,
	queued: (id: string) => `alerts:q:${id}`,
	delivery: (deliveryId: string) => `alerts:d:${deliveryId}`,
	all: "alerts:h",
	rule: (id: string) => `alerts:h:r:${id}`,
	owner: (o: string) => `alerts:h:o:${o}`,
};

export function encodeHistoryCursor(ts: number, id: string): string {
	return Buffer.from(`${ts}|${id}`).toString("base64url");
}

export function decodeHistoryCursor(cursor: string): { ts: number; id: string } | null {
	const m = /^(\d{1,16})\|([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, "base64url").toString());
	return m ? { ts: Number(m[1]), id: m[2] } : null;
}

/** Delivered or dead: no further attempt changes it, except a retry that counts more attempts. */
const rank = (d: { status: DeliveryStatus; attempts: number }) => d.attempts * 2 + (d.status === "delivered" || d.status === "dead" ? 1 : 0);

export class AlertStore {
	constructor(
		readonly kv: KvStore,
		readonly retentionMs: number,
		readonly now: () => number,
	) {}

	// Rules and subscriptions: one hash each, loaded whole by every node running alerts; a counter
	// moved by every change tells a node that missed a broadcast to load them again.
	// Each owner's rule ids are a sorted set too, so the tier's cap is taken in one atomic step
	// (`reserveRule`): two nodes creating an owner's last allowed rule at once cannot both succeed.
	/** Returns the rules' version this change made (broadcast with it: see RulesSync). */
	async putRule(rule: AlertRule): Promise<number> {
		await this.kv.zadd(keys.owned(rule.owner), [{ score: rule.created_at, member: rule.id }]);
		await this.kv.hset(keys.rules, rule.id, rule);
		return this.kv.incrBy(keys.version, 1);
	}
	/** Take one of the owner's `cap` places for this rule (true), or none is left (false). */
	reserveRule(rule: AlertRule, cap: number): Promise<boolean> {
		return this.kv.zaddCapped(keys.owned(rule.owner), { score: rule.created_at, member: rule.id }, cap);
	}
	/** Give back a place `reserveRule` took for a rule that was then not stored. */
	async releaseRule(rule: AlertRule): Promise<void> {
		await this.kv.zrem(keys.owned(rule.owner), [rule.id]);
	}
	/** Count rules stored before the owners' sets existed (idempotent; each node does it at start). */
	async indexOwners(rules: AlertRule[]): Promise<void> {
		for (const r of rules) await this.kv.zadd(keys.owned(r.owner), [{ score: r.created_at, member: r.id }]);
	}
	async rulesVersion(): Promise<number> {
		return (await this.kv.get<number>(keys.version)) ?? 0;
	}
	getRule(id: string): Promise<AlertRule | null> {
		return this.kv.hget<AlertRule>(keys.rules, id);
	}
	/** Returns the rules' version this change made. */
	async deleteRule(id: string, owner: string): Promise<number> {
		await this.kv.hdel(keys.rules, id);
		await this.kv.zrem(keys.owned(owner), [id]);
		await this.kv.hdel(keys.lastFired, id);
		return this.kv.incrBy(keys.version, 1);
	}
	/** Each rule's last firing time (update time), null when it never fired (or its rule is gone). */
	lastFired(ruleIds: string[]): Promise<Array<number | null>> {
		return Promise.all(ruleIds.map(id => this.kv.hget<number>(keys.lastFired, id)));
	}
	async allRules(): Promise<AlertRule[]> {
		return Object.values(await this.kv.hgetall<AlertRule>(keys.rules));
	}
	putSubscription(s: Subscription): Promise<void> {
		return this.kv.hset(keys.subs, s.id, s);
	}
	getSubscription(id: string): Promise<Subscription | null> {
		return this.kv.hget<Subscription>(keys.subs, id);
	}
	deleteSubscription(id: string): Promise<boolean> {
		return this.kv.hdel(keys.subs, id);
	}
	async allSubscriptions(): Promise<Subscription[]> {
		return Object.values(await this.kv.hgetall<Subscription>(keys.subs));
	}

	/**
	 * Store an alert unless its id is taken: true when this call stored it (it fires), false when
	 * it was there already (the same update seen before: it does not fire again).
	 */
	async claim(record: AlertRecord): Promise<boolean> {
		return (await this.kv.setIfAbsent(keys.alert(record.alert_id), record, this.retentionMs)) === null;
	}

	/**
	 * Claim an alert and, in the same round trip (the commands go out in one write), write its
	 * history entries, its last firing and each delivery entry not there yet: true when this call
	 * stored it. For an alert stored before (the same update seen again) that writes the same
	 * members again, and leaves the last firing (a high-water mark) and its delivery entries as they are, so an owner that
	 * died between its claim and these writes leaves nothing missing once the update is replayed.
	 */
	async claimAndIndex(record: AlertRecord, deliveries: DeliveryEntry[]): Promise<boolean> {
		const member = [{ score: record.ts, member: record.alert_id }];
		const [prior] = await Promise.all([
			this.kv.setIfAbsent(keys.alert(record.alert_id), record, this.retentionMs),
			// A high-water mark: a repeated or replayed older alert cannot move a rule's last firing back (its cooldown after a failover).
			this.kv.hsetMax(keys.lastFired, record.rule_id, record.ts),
			...deliveries.map((d, i) => this.kv.setIfAbsent(keys.delivery(`${record.alert_id}:${i}`), d, this.retentionMs)),
			...this.#historyKeys(record).map(k => this.kv.zadd(k, member)),
		]);
		return prior === null;
	}

	/** Drops history entries past the retention from the lists `record` went into (after its publish: nothing waits on it). */
	async trim(record: AlertRecord): Promise<void> {
		const cutoff = this.now() - this.retentionMs - 1;
		await Promise.all(this.#historyKeys(record).map(k => this.kv.zremRangeByScore(k, -Infinity, cutoff)));
	}

	#historyKeys(record: AlertRecord): string[] {
		return [keys.all, keys.rule(record.rule_id), keys.owner(record.owner)];
	}

	/** Every webhook/email message of the alert is on the delivery channel. */
	markQueued(id: string): Promise<void> {
		return this.kv.set(keys.queued(id), 1, this.retentionMs);
	}
	async isQueued(id: string): Promise<boolean> {
		return (await this.kv.get(keys.queued(id))) !== null;
	}

	getAlert(id: string): Promise<AlertRecord | null> {
		return this.kv.get<AlertRecord>(keys.alert(id));
	}

	/**
	 * A delivery's outcome (from the delivery service), idempotent: a result that is not newer than
	 * the stored one (fewer attempts; or as many and not final where the stored one is) changes nothing.
	 * False when the alert is unknown (expired, or never stored). `force`: write it whatever is stored.
	 */
	async recordDelivery(r: DeliveryResult, force = false): Promise<boolean> {
		const key = keys.delivery(r.delivery_id);
		const cur = await this.kv.get<DeliveryEntry>(key);
		if (!cur && !(await this.getAlert(r.alert_id))) return false;
		const next: DeliveryEntry = { channel: r.channel, status: r.status, attempts: r.attempts, last_error: r.last_error };
		if (cur && !force && rank(cur) >= rank(next)) return true;
		await this.kv.set(key, next, this.retentionMs);
		return true;
	}

	async deliveries(record: AlertRecord): Promise<DeliveryEntry[]> {
		const got = await Promise.all(record.channels.map((_, i) => this.kv.get<DeliveryEntry>(keys.delivery(`${record.alert_id}:${i}`))));
		return got.map((d, i) => d ?? { channel: record.channels[i].type, status: "pending", attempts: 0, last_error: null });
	}

	/** Alerts in (ts, id) order after the cursor, within [from, to]; `next` continues, null at the end. */
	async history(q: HistoryQuery): Promise<{ items: HistoryItem[]; next: string | null }> {
		const key = q.rule ? keys.rule(q.rule) : q.owner ? keys.owner(q.owner) : keys.all;
		const start = q.cursor ? decodeHistoryCursor(q.cursor) : null;
		const min = Math.max(q.from ?? 0, start?.ts ?? 0, this.now() - this.retentionMs);
		const max = q.to ?? Number.MAX_SAFE_INTEGER;
		// Past the cursor's (ts, id), not at an offset: alerts added or expired meanwhile shift nothing.
		const ids = await this.kv.zrangeByScore(key, min, max, q.limit + 1, start ? { score: start.ts, member: start.id } : undefined);
		const shown = ids.slice(0, q.limit);
		const records = await Promise.all(shown.map(e => this.getAlert(e.member)));
		const items: HistoryItem[] = [];
		for (const r of records) {
			if (!r) continue;
			const { channels: _c, owner: _o, ...rest } = r;
			items.push({ ...rest, deliveries: await this.deliveries(r) });
		}
		const last = shown.at(-1);
		return { items, next: ids.length > q.limit && last ? encodeHistoryCursor(last.score, last.member) : null };
	}
}

/**
 * Make the engine's rules the stored ones (the built-in system rules stay) when the stored version
 * moved past `seen`; returns the version now loaded. A node that missed a broadcast (it joined as
 * the rule changed) catches up at its next sync.
 */
type RuleEngine = { rules(): Iterable<AlertRule>; put(r: AlertRule): void; remove(id: string): boolean };

/**
 * Keeps a node's engine in step with the stored rules. Every change is broadcast with the version it
 * made and applied at once; the periodic check loads the whole set again only when a version between
 * the last one loaded and the store's was not seen here (a missed broadcast). Loading 10,000 rules in
 * one turn stalled the node 136 ms (the alerts bench's embedded p99), so a load puts them into the
 * engine in 5 ms slices. Per rule, only a change newer than the last one applied counts (broadcasts
 * from two nodes can arrive out of order), and a load leaves alone the rules a broadcast newer than
 * the load's version changed meanwhile.
 */
export class RulesSync {
	/** The version the engine is known to hold (null: never loaded). */
	version: number | null = null;
	/** Versions of broadcast changes seen since `version`. */
	readonly #seen = new Set<number>();
	/** Per rule id, the version of the last change applied to it (newer than `version`). */
	readonly #latest = new Map<string, number>();

	constructor(
		readonly store: AlertStore,
		readonly engine: RuleEngine,
	) {}

	/** A broadcast change, applied now unless a load or a change already gave the engine something newer. */
	apply(change: { put?: AlertRule; remove?: string; version?: number }): void {
		const id = change.put?.id ?? change.remove;
		const v = change.version;
		if (v !== undefined && id !== undefined) {
			if (this.version !== null && v <= this.version) return;
			this.#seen.add(v);
			if ((this.#latest.get(id) ?? -Infinity) >= v) return;
			this.#latest.set(id, v);
		}
		if (change.put) this.engine.put(change.put);
		if (change.remove) this.engine.remove(change.remove);
	}

	/** Brings the engine to the store's version; loads everything only when a change was missed. */
	async check(): Promise<number> {
		const version = await this.store.rulesVersion();
		if (this.version !== null && this.#seenUpTo(version)) return this.#settle(version);
		const rules = await this.store.allRules();
		if (this.version === null) await this.store.indexOwners(rules);
		// A rule a broadcast changed after `version` is as that change left it, whatever the load read.
		const changedSince = (id: string) => (this.#latest.get(id) ?? -Infinity) > version;
		const ids = new Set(rules.map(r => r.id));
		for (const r of [...this.engine.rules()]) if (r.condition.source !== "system" && !ids.has(r.id) && !changedSince(r.id)) this.engine.remove(r.id);
		await eachInTurns(rules.length, i => changedSince(rules[i].id) || this.engine.put(rules[i]), { budgetMs: 5, every: 64 });
		return this.#settle(version);
	}

	#seenUpTo(version: number): boolean {
		for (let v = this.version! + 1; v <= version; v++) if (!this.#seen.has(v)) return false;
		return true;
	}

	#settle(version: number): number {
		this.version = version;
		for (const v of this.#seen) if (v <= version) this.#seen.delete(v);
		for (const [id, v] of this.#latest) if (v <= version) this.#latest.delete(id);
		return version;
	}
}
