/**
 * Patterns: complex-event processing on keyed actors (docs/events.md "Patterns"). One keyed actor
 * per pattern (key: its id), built from the pure evaluator's state and handlers (lib/patterns/
 * evaluate.ts) with StateActor: placed by rendezvous hashing, its inputs logged under the lease,
 * snapshotted, replayed and failed over like symbols.
 *
 * Definitions live in the KV (`rk:patterns`); every node indexes them by series. Ticks and
 * indicator messages (NATS queue group `patterns`: one node takes each) and platform events (the
 * Moleculer events `events.*`, one node of `patterns` takes each batch) become inputs, routed to
 * the owner of each pattern that reads them (`patterns.feed`). Owners tick the clock of `absence`
 * and `for_ms` patterns (logged only when it fires) and poll the window aggregates their patterns read.
 * A match is POSTed to `events.publish` as `pattern_matched` with the id `pm-{pattern}-{n}`, so a
 * new owner re-sending the last matches after a failover stores each one once.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { keyedActorMixin, routedBy, type KeyedActorMethods, type KeyedActorVars } from "../mixins/keyed-actor.mixin.ts";
import { patternMatchesMixin, type PatternMatchMethods, type PatternMatchVars } from "../mixins/pattern-matches.mixin.ts";
import { StateActor } from "../lib/keyed/state-actor.ts";
import { BusyError, NotFoundError, UnavailableError, ValidationError } from "../lib/protocol/errors.ts";
import { isFieldErrors } from "../lib/protocol/tick.ts";
import { ownedOrNotFound, ownerIdOf, visibleTo, type CallerAuth } from "../lib/auth/owner.ts";
import { createStore, type Store } from "../lib/store/index.ts";
import { redisTlsOptions } from "../lib/config/tls.ts";
import { checkPattern } from "../lib/patterns/check-pattern.ts";
import { clockDue, patternHooks, type Match, type PatternEvent, type PatternState } from "../lib/patterns/evaluate.ts";
import { indicatorInputs, PatternIndex, tickInputs } from "../lib/patterns/pattern-index.ts";
import { PatternRouter } from "../lib/patterns/pattern-router.ts";
import { CREATE_PATTERN_DOC } from "../lib/patterns/pattern-schema.ts";
import type { Input, PatternDef } from "../lib/patterns/pattern-types.ts";
import type { EventsBatch } from "./events.service.ts";
import { singleFlightInterval } from "../lib/scheduling/turns.ts";
import type { NodeDeps } from "../runtime/deps.ts";

type PatternActor = StateActor<PatternState, PatternEvent>;
const PATTERNS_KEY = "rk:patterns";
const CHANGED_EVENT = "patterns.changed";
const MAX_PATTERNS = 200_000;
/** Inputs waiting to be sent to owners (or being retried); past it new inputs are dropped (policy refuse-new, counted). */
const MAX_PENDING = 100_000;
/** How long a batch for an owner that does not answer (killed: its lease lapses, the next owner takes over) is retried. */
const FEED_RETRY_MS = 20_000;
const FEED_TIMEOUT_MS = 5000;
const idRule = { type: "string", pattern: /^[A-Za-z0-9_-]{1,64}$/ };

interface Settings {
	clockMs: number;
}
interface Methods extends KeyedActorMethods<PatternActor>, PatternMatchMethods {
	reload(): Promise<void>;
}
interface Vars extends KeyedActorVars<PatternActor>, PatternMatchVars {
	store: Store;
	router: PatternRouter;
	timers: NodeJS.Timeout[];
	unsubscribe: Array<() => void>;
}

export default function patternsService(deps: NodeDeps): ServiceSchema<Settings, Methods, Vars> {
	const { config } = deps;
	const limits = config.symbolActor;
	return {
		name: "patterns",
		settings: { clockMs: 250 },
		mixins: [
			keyedActorMixin<PatternActor>({
				key: "pattern",
				keyRule: idRule,
				noun: "pattern",
				limits,
				now: deps.now,
				describe: a => ({ seq: a.seq, matches: a.state.matches, entities: a.state.tracked }),
				async activate(id) {
					const svc = this as unknown as { store: Store; emit: Methods["emit"] } & typeof this;
					const leasing = {
						leases: svc.store.leases,
						holder: this.broker.nodeID,
						ttlMs: limits.leaseMs,
						waitMs: limits.leaseWaitMs,
						now: deps.now,
						held: (k: string, h: string) => new UnavailableError(`pattern ${k} is owned by ${h}; retry`, { pattern: k, holder: h }),
					};
					const actor = await this.storeCall(() => StateActor.activate(id, patternHooks, { store: svc.store, leasing, mailboxLimit: limits.mailboxLimit, snapshotEvery: 500, now: deps.now }));
					// The last owner may have died between logging a match and publishing it: publish again (same ids, stored once).
					if (actor.state.def) void svc.emit(actor.state.def, actor.state.recent);
					return actor;
				},
			}),
			patternMatchesMixin(deps) as unknown as Partial<ServiceSchema>,
		],

		actions: {
			create: {
				...CREATE_PATTERN_DOC,
				async handler(ctx: Context<{ body?: unknown } & Record<string, unknown>, { auth?: CallerAuth; $statusCode?: number; $location?: string }>) {
					const body = ctx.params.body ?? Object.fromEntries(Object.entries(ctx.params).filter(([k]) => k !== "body"));
					const checked = checkPattern(body);
					if (isFieldErrors(checked)) {
						this.broker.metrics.increment("rookery.patterns.rejected", {});
						throw new ValidationError(`${checked[0].field}: ${checked[0].message}`, checked);
					}
					if (this.index.size >= MAX_PATTERNS) throw new BusyError(`too many patterns (limit ${MAX_PATTERNS}); delete one first`, { policy: "refuse-new" });
					const def = { ...checked, id: randomUUID(), created_at: deps.now(), created_by: ownerIdOf(ctx.meta.auth) } as PatternDef;
					await deps.kv.hset(PATTERNS_KEY, def.id, def);
					await ctx.call("patterns.define", { pattern: def.id, def });
					await this.broker.broadcast(CHANGED_EVENT, {});
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = `/api/v1/analytics/patterns/${def.id}`;
					return def;
				},
			},

			/** Log the definition as the actor's first event (on the owner). */
			define: {
				...routedBy("pattern"),
				visibility: "public",
				params: { pattern: idRule, def: "object" },
				async handler(ctx: Context<{ pattern: string; def: PatternDef }>) {
					const a = await this.actor(ctx.params.pattern, this.callDeadline(ctx));
					return { seq: await this.actorCall(ctx.params.pattern, a, () => a.handle({ t: "def", def: ctx.params.def })) };
				},
			},

			/** Apply inputs (or a clock tick) to one pattern on its owner, then publish its new matches. */
			feed: {
				...routedBy("pattern"),
				visibility: "public",
				params: { pattern: idRule, inputs: { type: "array", optional: true, max: MAX_PENDING }, now: { type: "number", optional: true }, from: { type: "string", optional: true }, n: { type: "number", optional: true } },
				async handler(ctx: Context<{ pattern: string; inputs?: Input[]; now?: number; from?: string; n?: number }>) {
					// The actor's own definition (its first logged event), not this node's index, which may lag a moment.
					const a = await this.actor(ctx.params.pattern, this.callDeadline(ctx));
					const def = a.state.def;
					if (!def) return { fed: false };
					const before = a.state.matches;
					const ev: PatternEvent = ctx.params.now === undefined ? { t: "in", inputs: ctx.params.inputs ?? [], from: ctx.params.from, n: ctx.params.n } : { t: "clock", now: ctx.params.now };
					if (ev.t === "clock" && !clockDue(a.state, ev.now)) return { fed: false };
					await this.actorCall(ctx.params.pattern, a, () => a.handle(ev, this.callDeadline(ctx)));
					await this.emit(
						def,
						a.state.recent.filter((m: Match) => m.n > before),
					);
					return { fed: true };
				},
			},

			/** The caller's own patterns; every pattern for an admin. */
			list: {
				async handler(ctx: Context<unknown, { auth?: CallerAuth }>) {
					const defs = Object.values(await deps.kv.hgetall<PatternDef>(PATTERNS_KEY));
					return { items: visibleTo(ctx.meta.auth, defs, d => d.created_by).sort((x, y) => x.created_at - y.created_at) };
				},
			},

			/** A pattern with its state: matches so far, the last ones, entities tracked. */
			get: {
				params: { id: idRule },
				async handler(ctx: Context<{ id: string }, { auth?: CallerAuth }>) {
					const def = ownedOrNotFound(
						ctx.meta.auth,
						await deps.kv.hget<PatternDef>(PATTERNS_KEY, ctx.params.id),
						d => d.created_by,
						() => new NotFoundError(`no pattern ${ctx.params.id}`, { id: ctx.params.id }),
					);
					return { ...def, state: await ctx.call("patterns.state", { pattern: def.id }) };
				},
			},

			state: {
				...routedBy("pattern"),
				visibility: "public",
				params: { pattern: idRule },
				async handler(ctx: Context<{ pattern: string }>) {
					const a = await this.actor(ctx.params.pattern, this.callDeadline(ctx));
					return a.read((s, seq) => ({ seq, matches: s.matches, recent: s.recent, entities: s.tracked, dropped: s.dropped, owner: this.broker.nodeID }));
				},
			},

			delete: {
				params: { id: idRule },
				async handler(ctx: Context<{ id: string }, { auth?: CallerAuth }>) {
					const notFound = () => new NotFoundError(`no pattern ${ctx.params.id}`, { id: ctx.params.id });
					ownedOrNotFound(ctx.meta.auth, await deps.kv.hget<PatternDef>(PATTERNS_KEY, ctx.params.id), d => d.created_by, notFound);
					if (!(await deps.kv.hdel(PATTERNS_KEY, ctx.params.id))) throw notFound();
					await this.broker.broadcast(CHANGED_EVENT, {});
					await ctx.call("patterns.passivate", { pattern: ctx.params.id }).catch(() => {});
					return { id: ctx.params.id, deleted: true };
				},
			},
		},

		events: {
			[CHANGED_EVENT]() {
				return this.reload();
			},
			"events.*"(ctx: Context<EventsBatch>) {
				if (Array.isArray(ctx.params?.events)) this.router.route(this.index.eventInputs(ctx.params.events));
			},
		},

		methods: {
			async reload() {
				this.index.replace(Object.values(await deps.kv.hgetall<PatternDef>(PATTERNS_KEY)));
			},
		},

		created() {
			this.store = createStore(config.redisUrl, { prefix: "rk-patterns" }, redisTlsOptions(config.tls));
			this.index = new PatternIndex();
			this.router = new PatternRouter({
				index: this.index,
				id: `${this.broker.nodeID}:${randomUUID().slice(0, 8)}`,
				send: params => this.broker.call("patterns.feed", params, { timeout: FEED_TIMEOUT_MS }),
				dropped: (reason, n, why) => {
					this.broker.metrics.increment("rookery.patterns.dropped", { reason }, n);
					if (why) this.logger.warn(`${n} pattern inputs not applied (${why})`);
				},
				maxPending: MAX_PENDING,
				retryMs: FEED_RETRY_MS,
				now: Date.now,
				defer: fn => setImmediate(fn),
			});
			this.timers = [];
			this.unsubscribe = [];
		},

		async started() {
			await this.store.connect();
			await this.reload();
			const sub = (subject: string, toInputs: (msg: never, now: number) => Input[]) =>
				this.unsubscribe.push(deps.bus.subscribe(subject, msg => this.index.size > 0 && this.router.route(toInputs(msg as never, deps.now())), { queue: "patterns" }));
			sub("rookery.ticks.*", tickInputs);
			sub("rookery.indicators.*", indicatorInputs);
			// One run at a time of each periodic job: a slow turn is skipped, not stacked.
			this.timers.push(
				singleFlightInterval(this.settings.clockMs, () => this.tickClock()),
				singleFlightInterval(1000, () => this.pollWindows()),
			);
			// A missed broadcast (a node that was starting) is caught up here.
			this.timers.push(setInterval(() => void this.reload().catch(() => {}), 5000).unref());
		},

		async stopped() {
			for (const u of this.unsubscribe) u();
			for (const t of this.timers) clearInterval(t);
			await this.store.close();
		},
	};
}
