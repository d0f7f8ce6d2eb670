/**
 * Rule evaluation (docs/alerts.md "Semantics"), without the broker: rules indexed by the key of the
 * updates they watch (a symbol's ticks, one timeframe's indicators, a metric's window, an event
 * type), so an update costs the rules on its key only. Each rule keeps its condition's last state:
 *
 * - `gt|gte|lt|lte|eq` fire on entering the state: the first update that makes the condition true
 *   after one that did not (or after none: a rule true from the start fires once);
 * - `crosses_above|crosses_below` fire when the value crosses: the previous update was on the other
 *   side (so never on the first update a rule sees);
 * - signal, event and pattern rules fire on every matching update;
 * - a rule that fired does not fire again for `cooldown_ms` of update time (the ticks' `ts`), so a
 *   replay decides exactly as the first pass did; a rebuilt actor first takes its rules' last firing
 *   times from the durable store (`restoreCooldowns`), so the cooldown survives a failover.
 *
 * An alert's id is a hash of (rule id, triggering update): the same update seen again (a replay on
 * the symbol's next owner) makes the same id, and the sink stores ids write-once, so it does not
 * fire twice. Replayed updates older than the rule (its `created_at`) only set its state.
 */
import { createHash } from "node:crypto";
import type { AlertRule, Op } from "./rule.ts";
import { TIMEFRAMES } from "../bars/timeframes.ts";
import { EVENT_TYPES } from "../events/event-types.ts";

export interface Firing {
	rule: AlertRule;
	alert_id: string;
	/** Epoch ms of the triggering update. */
	ts: number;
	message: string;
	inputs: Record<string, unknown>;
	/** Seen while a symbol was rebuilt from its log (after a failover or a passivation). */
	replay: boolean;
}

/** What the engine counts (metrics of the alerts service). */
export interface EngineCounts {
	checks: number;
	fired: number;
	cooldown: number;
}

const OP_CODE: Record<Op, number> = { gt: 0, gte: 1, lt: 2, lte: 3, eq: 4, crosses_above: 5, crosses_below: 6 };
const UNKNOWN = -1;
/** The index key of each event type, made once: a key joined per event would be flattened and hashed per event. */
const EVENT_KEYS = new Map<string, string>(EVENT_TYPES.map(t => [t, `e|${t}`]));

/** A rule as evaluated: flat numbers, one shape for every rule (monomorphic in the hot loop). */
class Compiled {
	state = UNKNOWN;
	lastFired = -Infinity;
	readonly op: number;
	readonly value: number;
	readonly field: string;
	constructor(
		readonly rule: AlertRule,
		readonly key: string,
	) {
		this.op = rule.condition.op === undefined ? -1 : OP_CODE[rule.condition.op];
		this.value = rule.condition.value ?? 0;
		this.field = rule.condition.field ?? rule.condition.metric ?? "";
	}
}

function holds(op: number, v: number, value: number): boolean {
	switch (op) {
		case 0:
		case 5:
			return v > value;
		case 1:
			return v >= value;
		case 2:
		case 6:
			return v < value;
		case 3:
			return v <= value;
		default:
			return v === value;
	}
}

export const alertIdOf = (ruleId: string, update: string) => `al_${createHash("sha256").update(`${ruleId}\u0000${update}`).digest("base64url").slice(0, 24)}`;

/** The key of the updates a rule watches; system rules: `y|{metric}`. */
export function ruleKey(rule: AlertRule): string {
	const c = rule.condition;
	switch (c.source) {
		case "price":
			return `p|${c.symbol}`;
		case "indicator":
			return `i|${c.symbol}|${c.tf}`;
		case "signal":
			return `s|${c.symbol}`;
		case "window":
			return `w|${c.metric}|${c.tf}`;
		case "event":
			return `e|${c.field}`;
		case "pattern":
			return "e|pattern_matched";
		default:
			return `y|${c.metric}`;
	}
}

interface TickLike {
	seq: number;
	ts: number;
	symbol: string;
	price: number;
	size: number;
	bid?: number;
	ask?: number;
}
interface IndicatorsLike {
	seq: number;
	symbol: string;
	tf: string;
	time: number;
	final: boolean;
	values: Record<string, number | null>;
}
interface SignalLike {
	seq: number;
	symbol: string;
	tf: string;
	strategy: string;
	direction: string;
	strength: number;
	barTime: number;
}

export class AlertEngine {
	#byKey = new Map<string, Compiled[]>();
	#byId = new Map<string, Compiled>();
	/** Where firings go (the alerts service sets it); without one, rules still keep their state. */
	sink: ((f: Firing) => void) | null = null;
	/** The stored last firing time of each of these rules (the alerts service sets it). */
	lastFiredOf: ((ruleIds: string[]) => Promise<Array<number | null>>) | null = null;
	readonly counts: EngineCounts = { checks: 0, fired: 0, cooldown: 0 };

	get size(): number {
		return this.#byId.size;
	}

	get(id: string): AlertRule | undefined {
		return this.#byId.get(id)?.rule;
	}

	rules(): IterableIterator<AlertRule> {
		return (function* (m) {
			for (const c of m.values()) yield c.rule;
		})(this.#byId);
	}

	/** Add or replace a rule; a replaced rule keeps its state when its condition is unchanged. */
	put(rule: AlertRule): void {
		const old = this.#byId.get(rule.id);
		const c = new Compiled(rule, ruleKey(rule));
		if (old) {
			if (JSON.stringify(old.rule.condition) === JSON.stringify(rule.condition)) {
				c.state = old.state;
				c.lastFired = old.lastFired;
			}
			this.remove(rule.id);
		}
		this.#byId.set(rule.id, c);
		const list = this.#byKey.get(c.key);
		if (list) list.push(c);
		else this.#byKey.set(c.key, [c]);
	}

	remove(id: string): boolean {
		const c = this.#byId.get(id);
		if (!c) return false;
		this.#byId.delete(id);
		const list = this.#byKey.get(c.key)!;
		list.splice(list.indexOf(c), 1);
		if (list.length === 0) this.#byKey.delete(c.key);
		return true;
	}

	/** Has any rule on this symbol's ticks, indicators or signals (a rebuilt actor then replays its messages here)? */
	watchesSymbol(symbol: string): boolean {
		if (this.#byKey.has(`p|${symbol}`) || this.#byKey.has(`s|${symbol}`) || this.#byKey.has("s|*")) return true;
		for (const tf of TIMEFRAMES) if (this.#byKey.has(`i|${symbol}|${tf}`)) return true;
		return false;
	}

	/**
	 * Before a symbol's actor is rebuilt (on a new owner, or after a passivation): each rule on the
	 * symbol takes the later of its own and its stored last firing time, so a re-entry inside the
	 * cooldown does not fire again on the new owner.
	 */
	async restoreCooldowns(symbol: string): Promise<void> {
		if (!this.lastFiredOf || !this.watchesSymbol(symbol)) return;
		const keys = [`p|${symbol}`, `s|${symbol}`, "s|*", ...TIMEFRAMES.map(tf => `i|${symbol}|${tf}`)];
		const list = keys.flatMap(k => this.#byKey.get(k) ?? []);
		const stored = await this.lastFiredOf(list.map(c => c.rule.id));
		list.forEach((c, i) => {
			const ts = stored[i];
			if (ts !== null && ts !== undefined && ts > c.lastFired) c.lastFired = ts;
		});
	}

	/** The rules on one key (for tests and the REPL). */
	rulesOn(key: string): number {
		return this.#byKey.get(key)?.length ?? 0;
	}

	#fire(c: Compiled, ts: number, update: string, message: string, inputs: Record<string, unknown>, replay: boolean): void {
		if (replay && ts < c.rule.created_at) return;
		if (ts - c.lastFired < c.rule.cooldown_ms) {
			this.counts.cooldown++;
			return;
		}
		c.lastFired = ts;
		this.counts.fired++;
		this.sink?.({ rule: c.rule, alert_id: alertIdOf(c.rule.id, update), ts, message, inputs, replay });
	}

	/** Compare each rule of `list` with its value; fire on entering the state or on crossing. */
	#compare(list: Compiled[], read: (c: Compiled) => number | null | undefined, ts: number, update: string, what: string, about: Record<string, unknown>, replay: boolean): void {
		this.counts.checks += list.length;
		for (let i = 0; i < list.length; i++) {
			const c = list[i];
			const v = read(c);
			if (v === null || v === undefined || Number.isNaN(v)) continue;
			const prev = c.state;
			const now = holds(c.op, v, c.value) ? 1 : 0;
			c.state = now;
			if (now === 0 || prev === 1 || (prev === UNKNOWN && c.op >= 5)) continue;
			const op = c.rule.condition.op!;
			this.#fire(c, ts, update, `${what} ${c.field} ${v} ${op.replace("_", " ")} ${c.value}`, { ...about, [c.field]: v, value: c.value, op }, replay);
		}
	}

	/** A price rule's input from a tick. */
	static #tickField(t: TickLike, field: string): number | undefined {
		return field === "price" ? t.price : field === "bid" ? t.bid : field === "ask" ? t.ask : t.size;
	}

	/**
	 * One message a symbol actor published (a tick, a bar, indicators or a signal), in seq order on
	 * the symbol's owner. `replay`: seen while the actor was rebuilt from its snapshot and log.
	 */
	observe(msg: object, replay = false): void {
		if (this.#byKey.size === 0) return;
		const m = msg as Partial<TickLike & IndicatorsLike & SignalLike> & { bar?: unknown };
		if (m.bar !== undefined) return;
		if (m.values !== undefined) {
			const ind = m as IndicatorsLike;
			if (!ind.final) return;
			const list = this.#byKey.get(`i|${ind.symbol}|${ind.tf}`);
			if (list) this.#compare(list, c => ind.values[c.field], ind.time, `i|${ind.symbol}|${ind.tf}|${ind.time}`, `${ind.symbol} ${ind.tf}`, { symbol: ind.symbol, tf: ind.tf, time: ind.time, seq: ind.seq }, replay);
			return;
		}
		if (m.strategy !== undefined) {
			const sig = m as SignalLike;
			for (const key of [`s|${sig.symbol}`, "s|*"]) {
				const list = this.#byKey.get(key);
				if (!list) continue;
				this.counts.checks += list.length;
				for (const c of list) {
					if (c.field !== "" && c.field !== sig.strategy) continue;
					const inputs = { symbol: sig.symbol, tf: sig.tf, strategy: sig.strategy, direction: sig.direction, strength: sig.strength, bar_time: sig.barTime, seq: sig.seq };
					this.#fire(c, sig.barTime, `s|${sig.symbol}|${sig.tf}|${sig.strategy}|${sig.barTime}|${sig.direction}`, `${sig.symbol} ${sig.tf}: ${sig.strategy} signals ${sig.direction}`, inputs, replay);
				}
			}
			return;
		}
		if (m.price === undefined || m.symbol === undefined) return;
		const t = m as TickLike;
		const list = this.#byKey.get(`p|${t.symbol}`);
		if (list) this.#compare(list, c => AlertEngine.#tickField(t, c.field), t.ts, `p|${t.symbol}|${t.seq}`, t.symbol, { symbol: t.symbol, seq: t.seq }, replay);
	}

	/** A window aggregate (analytics: `{name, window, to, p95, …}`), once per publication. */
	observeWindow(stats: { name: string; window: string; to: number } & Record<string, unknown>): void {
		const list = this.#byKey.get(`w|${stats.name}|${stats.window}`);
		if (list) this.#compare(list, c => stats[c.field] as number | null, stats.to, `w|${stats.name}|${stats.window}|${stats.to}`, `${stats.name} ${stats.window}`, { metric: stats.name, window: stats.window }, false);
	}

	/** A stored platform event (events service); pattern rules match `pattern_matched` by `data.pattern_id`. */
	observeEvent(e: { id: string; type: string; ts: number; entity?: string | null; data: Record<string, unknown> }): void {
		const list = this.#byKey.get(EVENT_KEYS.get(e.type) ?? `e|${e.type}`);
		if (!list) return;
		this.counts.checks += list.length;
		for (const c of list) {
			const cond = c.rule.condition;
			if (cond.symbol !== undefined && cond.symbol !== e.entity) continue;
			if (cond.source === "pattern" && e.data.pattern_id !== cond.field) continue;
			this.#fire(c, e.ts, `e|${e.id}`, `${e.type}${e.entity ? ` on ${e.entity}` : ""}`, { event_id: e.id, entity: e.entity ?? null, ...e.data }, false);
		}
	}

	/** One sample of this node's figures for the system rules (`y|{metric}`), named in the alert id by node and time. */
	observeSystem(figures: Record<string, number | null | undefined>, ts: number, node: string): void {
		const sample = `${node}|${ts}`;
		for (const [metric, v] of Object.entries(figures)) {
			const list = this.#byKey.get(`y|${metric}`);
			if (list) this.#compare(list, () => v, ts, `y|${sample}|${metric}`, metric, { node }, false);
		}
	}
}
