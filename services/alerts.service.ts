/**
 * Alerts (docs/alerts.md): rules per owner, kept in the KV and loaded into this node's evaluator
 * (lib/alerts/engine.ts, `deps.alerts`), which the symbol actors, analytics and events feed where
 * each update is processed. Its firings are stored, published and queued for delivery by
 * mixins/alert-firing.mixin.ts.
 */
import type { Context, ServiceSchema } from "moleculer";
import { randomUUID } from "node:crypto";
import { NotFoundError, ValidationError, type FieldError } from "../lib/protocol/errors.ts";
import { ForbiddenError } from "../lib/auth/errors.ts";
import { isFieldErrors } from "../lib/protocol/tick.ts";
import { PAGE_PARAMS, pageOf, type PageRequest } from "../lib/protocol/page.ts";
import { ownedOrNotFound, ownerIdOf, visibleTo, mayAccess, type CallerAuth } from "../lib/auth/owner.ts";
import { isTierName } from "../lib/auth/tiers.ts";
import { checkRule, type AlertRule } from "../lib/alerts/rule.ts";
import { AlertStore, decodeHistoryCursor, RulesSync, type Subscription } from "../lib/alerts/alert-store.ts";
import { systemRules } from "../lib/alerts/alert-config.ts";
import type { DeliveryResult } from "../lib/alerts/types.ts";
import { alertFiringMixin, type AlertFiringMethods, type AlertFiringVars } from "../mixins/alert-firing.mixin.ts";
import { parseTime } from "../lib/events/check-events.ts";
import { figureSampler } from "../runtime/alert-figures.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { CREATE_RULE_DOC, DELIVERY_RESULT_PARAMS, HISTORY_DOC, HISTORY_PARAMS, SUBSCRIBE_PARAMS } from "../lib/alerts/openapi.ts";
import { registerAlertMetrics } from "../runtime/alerts-metrics.ts";
import { singleFlightInterval } from "../lib/scheduling/turns.ts";
import { webhookUrlPolicy } from "../lib/alerts/delivery/config.ts";

type Meta = { auth?: CallerAuth & { tier?: string; dev?: boolean }; $statusCode?: number; $location?: string };
interface Vars extends AlertFiringVars {
	timers: NodeJS.Timeout[];
	/** Keeps the engine's rules in step with the store's (lib/alerts/alert-store.ts). */
	rules: RulesSync;
}
interface Methods extends AlertFiringMethods {
	refuse(fields: FieldError[]): never;
	ownRule(ctx: Context<unknown, Meta>, id: string): Promise<AlertRule>;
	checkSystem(sample: () => Promise<Record<string, number | null | undefined>>): Promise<void>;
}

const notFound = (what: string, id: string) => () => new NotFoundError(`no ${what} ${id}`, { id });

export default function alertsService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { config, kv } = deps;
	const engine = deps.alerts;
	return {
		name: "alerts",
		mixins: [alertFiringMixin(deps)] as unknown as Array<Partial<ServiceSchema>>,

		actions: {
			/** `POST /api/v1/alerts/rules` (the body whole as `body`): 201 {id}; 422 naming the field, nothing stored. */
			createRule: {
				...CREATE_RULE_DOC,
				params: { body: { type: "any", optional: true } },
				async handler(ctx: Context<{ body: unknown }, Meta>) {
					const auth = ctx.meta.auth;
					const rule = checkRule(ctx.params.body, { owner: ownerIdOf(auth), now: deps.now(), webhookPolicy: webhookUrlPolicy(config.alertDelivery, config.environment), newId: () => randomUUID() });
					if (isFieldErrors(rule)) this.refuse(rule);
					const prior = await this.store.getRule(rule.id);
					if (prior && !mayAccess(auth, prior.owner)) this.refuse([{ field: "id", message: "is taken", actual: rule.id }]);
					const tier = auth?.tier;
					const reserved = !prior && auth && isTierName(tier);
					if (reserved) {
						const cap = config.auth.tiers[tier].maxAlertRules;
						if (!(await this.store.reserveRule(rule, cap))) {
							this.broker.metrics.increment("rookery.alerts.rejected", { reason: "tier-limit" });
							throw new ForbiddenError(`the ${tier} tier allows ${cap} alert rules; delete one first`, { limit: cap });
						}
					}
					// A place taken for a rule that is then not stored is given back, or the owner loses it for good.
					const version = await this.store.putRule(rule).catch(async (err: unknown) => {
						if (reserved) await this.store.releaseRule(rule).catch(() => {});
						throw err;
					});
					await this.broker.broadcast("alerts.rulesChanged", { put: rule, version });
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/v1/alerts/rules/${encodeURIComponent(rule.id)}`;
					return { id: rule.id };
				},
			},

			/** The caller's rules (admins: all), oldest first, a page at a time (lib/protocol/page.ts). */
			listRules: {
				params: { ...PAGE_PARAMS },
				async handler(ctx: Context<PageRequest, Meta>) {
					return pageOf(
						visibleTo(ctx.meta.auth, [...engine.rules()], r => r.owner).sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id)),
						ctx.params,
					);
				},
			},

			getRule: {
				params: { id: { type: "string", max: 64 } },
				handler(ctx: Context<{ id: string }, Meta>) {
					return this.ownRule(ctx, ctx.params.id);
				},
			},

			deleteRule: {
				params: { id: { type: "string", max: 64 } },
				async handler(ctx: Context<{ id: string }, Meta>) {
					const rule = await this.ownRule(ctx, ctx.params.id);
					if (rule.condition.source === "system") throw new ForbiddenError(`${rule.id} is a built-in rule: switch it off in the config (alerts.system.rules)`);
					const version = await this.store.deleteRule(rule.id, rule.owner);
					await this.broker.broadcast("alerts.rulesChanged", { remove: rule.id, version });
					return { id: rule.id, deleted: true };
				},
			},

			/** Alerts in time order; a caller sees its own (one rule's with `rule`), admins every one. */
			history: {
				...HISTORY_DOC,
				params: HISTORY_PARAMS,
				async handler(ctx: Context<{ rule?: string; from?: string | number; to?: string | number; limit?: number; cursor?: string }, Meta>) {
					const p = ctx.params;
					const from = p.from === undefined ? undefined : parseTime(p.from);
					const to = p.to === undefined ? undefined : parseTime(p.to);
					const errors: FieldError[] = [];
					for (const [field, v] of [
						["from", from],
						["to", to],
					] as const)
						if (v !== undefined && !Number.isFinite(v)) errors.push({ field, message: "must be epoch milliseconds or an ISO-8601 date-time", actual: p[field] });
					if (p.cursor !== undefined && !decodeHistoryCursor(p.cursor)) errors.push({ field: "cursor", message: "not a cursor from a previous page", actual: p.cursor });
					if (errors.length > 0) this.refuse(errors);
					if (p.rule !== undefined) {
						// Someone else's rule (or one deleted) answers like a rule that never existed; its past alerts stay readable to admins.
						const rule = await this.store.getRule(p.rule);
						if (rule ? !mayAccess(ctx.meta.auth, rule.owner) : !mayAccess(ctx.meta.auth, undefined)) throw notFound("rule", p.rule)();
					}
					const admin = mayAccess(ctx.meta.auth, undefined);
					return this.store.history({ rule: p.rule, owner: admin ? undefined : ownerIdOf(ctx.meta.auth), from, to, limit: p.limit ?? 100, cursor: p.cursor });
				},
			},

			/** The delivery service's report on one delivery (idempotent). */
			recordDelivery: {
				visibility: "public",
				params: DELIVERY_RESULT_PARAMS,
				async handler(ctx: Context<DeliveryResult>) {
					const known = await this.store.recordDelivery(ctx.params);
					if (!known) throw new NotFoundError(`no alert ${ctx.params.alert_id}`, { alert_id: ctx.params.alert_id });
					this.broker.metrics.increment("rookery.alerts.delivery_results", { channel: ctx.params.channel, status: ctx.params.status });
					return { recorded: true };
				},
			},

			/** Seed 000's `POST /alerts/subscribe`: alerts of these symbols and types on the caller's WS (`alerts:me`). */
			subscribe: {
				params: SUBSCRIBE_PARAMS,
				async handler(ctx: Context<{ symbols?: string[]; alert_types?: string[] }, Meta>) {
					const s: Subscription = { id: randomUUID(), owner: ownerIdOf(ctx.meta.auth), symbols: ctx.params.symbols ?? [], alert_types: ctx.params.alert_types ?? [], created_at: deps.now() };
					await this.store.putSubscription(s);
					await this.broker.broadcast("alerts.subscriptionsChanged", { put: s });
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/alerts/unsubscribe/${s.id}`;
					return { subscription_id: s.id, status: "subscribed", symbols: s.symbols, alert_types: s.alert_types, topic: "alerts:me" };
				},
			},

			unsubscribe: {
				params: { subscription_id: { type: "string", max: 64 } },
				async handler(ctx: Context<{ subscription_id: string }, Meta>) {
					const id = ctx.params.subscription_id;
					ownedOrNotFound(ctx.meta.auth, await this.store.getSubscription(id), s => s.owner, notFound("subscription", id));
					await this.store.deleteSubscription(id);
					await this.broker.broadcast("alerts.subscriptionsChanged", { remove: id });
					return { subscription_id: id, status: "unsubscribed" };
				},
			},
		},

		events: {
			"alerts.rulesChanged"(ctx: Context<{ put?: AlertRule; remove?: string; version?: number }>) {
				this.rules.apply(ctx.params);
			},
			"alerts.subscriptionsChanged"(ctx: Context<{ put?: Subscription; remove?: string }>) {
				if (ctx.params.put) this.subs.set(ctx.params.put.id, ctx.params.put);
				if (ctx.params.remove) this.subs.delete(ctx.params.remove);
			},
		},

		methods: {
			refuse(fields: FieldError[]): never {
				this.broker.metrics.increment("rookery.alerts.rejected", { reason: "invalid" });
				throw new ValidationError(`${fields.length === 1 ? "a field is" : `${fields.length} fields are`} invalid: ${fields[0].field}: ${fields[0].message}`, fields);
			},

			async ownRule(ctx: Context<unknown, Meta>, id: string): Promise<AlertRule> {
				return ownedOrNotFound(ctx.meta.auth, engine.get(id) ?? (await this.store.getRule(id)), r => r.owner, notFound("rule", id));
			},

			async checkSystem(sample) {
				const figures = await sample();
				engine.observeSystem(figures, deps.now(), this.broker.nodeID);
			},
		},

		created() {
			registerAlertMetrics(this.broker);
			this.store = new AlertStore(kv, config.alerts.historyRetentionMs, deps.now);
			this.subs = new Map();
			this.inflight = 0;
			this.timers = [];
			this.rules = new RulesSync(this.store, engine);
		},

		async started() {
			for (const r of systemRules(config.alerts.system, deps.now())) engine.put(r);
			await this.rules.check();
			for (const s of await this.store.allSubscriptions()) this.subs.set(s.id, s);
			engine.sink = f => this.fired(f);
			engine.lastFiredOf = ids => this.store.lastFired(ids);
			const failed = (err: unknown) => this.logger.warn({ err: (err as Error).message }, "alerts timer failed");
			const every = (ms: number, fn: () => Promise<unknown>) => this.timers.push(setInterval(() => void fn().catch(failed), ms).unref());
			// One check at a time: two rule loads interleaving could each leave the other's stale copy.
			const resync = async () => {
				await this.rules.check();
				this.subs = new Map((await this.store.allSubscriptions()).map(s => [s.id, s]));
			};
			this.timers.push(singleFlightInterval(config.alerts.resyncMs, () => resync().catch(failed)));
			if (config.alerts.system.enabled) {
				const sample = figureSampler(this.broker);
				every(config.alerts.system.intervalMs, () => this.checkSystem(sample));
			}
		},

		stopped() {
			for (const t of this.timers) clearInterval(t);
			engine.sink = null;
			engine.lastFiredOf = null;
		},
	};
}
