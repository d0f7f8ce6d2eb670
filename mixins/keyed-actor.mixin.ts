/**
 * Keyed single-owner actors: one live owner per key across the cluster, as a Moleculer mixin.
 *
 * A service that mixes `keyedActorMixin({...})` in gets, for the keys its actions name in
 * `opts.key` (e.g. "symbol"):
 * - placement: keyed actions declare `...routedBy(key)`; the key's owner is chosen by rendezvous
 *   hashing over the nodes running the service (`ownerOf`, lib/routing/rendezvous.ts), so
 *   any node may be called and the owner answers;
 * - one fenced lease per key (lib/keyed/lease.ts): the actor holds it while active, renewed every
 *   quarter of `leaseMs`; its epoch fences every write, so a node that lost a key cannot write it;
 * - activation through `opts.activate(key)` (the service's: take the lease, read the snapshot,
 *   replay the log after it), bounded by an activation gate (`maxActivations` running,
 *   `activationQueue` waiting, refused with a retryable 503 past the caller's deadline);
 * - idle passivation (snapshot, release, forget) after `passivateAfterMs` without a call;
 * - handoff on a membership change of the service's nodes: only the keys that now belong to
 *   another node are snapshotted and released; the new owner activates them on its next call
 *   (and once per lease period any key held by a node that does not own it, "stray", is too);
 * - failover: a killed owner's lease lapses after `leaseMs`; the next call (routed to the new
 *   owner) activates there from the snapshot and the log, so nothing acknowledged is lost;
 * - always-on keys (`opts.alwaysOn`, timer-driven actors such as intelligence streams): the set of
 *   keys comes from `alwaysOn.keys()` (config, KV), not from calls; every `everyMs` and on each
 *   membership change the rendezvous owner activates the keys it owns that are not active yet,
 *   and passivates ("removed") the active keys gone from the set; no idle passivation for them.
 *   A key may name a home node (`keys()` → `{ key: home }`): it runs there while that node runs
 *   the service (a stream stays where it was started), else on its rendezvous owner.
 *   Handoff, renewal, failover and visibility are the same as for called keys;
 * - operator visibility: `<service>.actors` (the keys active on this node, with the lease epoch
 *   and the mailbox depth), `<service>.passivate`, `<service>.rebalance` (REPL `actors`, `owners`,
 *   `passivate`, `rebalance`: runtime/repl-commands.ts).
 *
 * The actor is the service's (a `KeyedActor`, lib/keyed/actor-host.ts): its state, its handlers,
 * its bounded mailbox (lib/keyed/mailbox.ts: a full mailbox refuses, a job past its deadline is
 * skipped). In a handler: `const actor = await this.actor(ctx.params.symbol, this.callDeadline(ctx))`.
 * docs/architecture.md ("One actor's life") walks through a new keyed actor end to end.
 *
 * Metrics (`rookery.<service>.…`): activations (gauge by state), activations_refused, passivated
 * (by reason), lease_lost.
 */
import type { Context, ServiceSchema } from "moleculer";
import { ActorHost, type KeyedActor } from "../lib/keyed/actor-host.ts";
import { ownerOf, routedBy } from "../lib/routing/rendezvous.ts";
import { FencedError, StoreUnavailableError, UnavailableError } from "../lib/protocol/errors.ts";

export interface KeyedActorLimits {
	leaseMs: number;
	passivateAfterMs: number;
	maxActivations: number;
	activationQueue: number;
}

export interface KeyedActorOptions<A extends KeyedActor> {
	/** The parameter naming the key in keyed actions. */
	key: string;
	/** Its validation rule (for the mixin's own keyed action, `passivate`). */
	keyRule: unknown;
	/** What a key is, in logs and errors ("symbol"). */
	noun: string;
	limits: KeyedActorLimits;
	now(): number;
	/** Take the key's lease and build its actor (snapshot + log replay). `this` is the service. */
	activate(this: KeyedActorService<A>, key: string): Promise<A>;
	/** The operator's row for an active actor, beyond key, node, epoch, pending and lastActivity. */
	describe?(actor: A): Record<string, unknown>;
	/** Always-on keys: the keys to keep active (each on its owner; key → home node or null), rechecked every `everyMs`. */
	alwaysOn?: { keys(this: KeyedActorService<A>): Promise<Record<string, string | null>>; everyMs: number };
}

/** What the mixin adds to the service (its `this`). */
export interface KeyedActorMethods<A extends KeyedActor> {
	/** The local actor for `key` (activated on first use); refused with 503 past `deadline`. */
	actor(key: string, deadline?: number): Promise<A>;
	/** A call's deadline (epoch ms) leaving the caller time to hear the answer. */
	callDeadline(ctx: Context): number;
	/** The nodes running this service, sorted. */
	ownerNodes(): string[];
	/**
	 * Hand off the keys this node does not own by its current view of the service's nodes: all
	 * that moved if the nodes changed since the last time ("moved"), else (with `strays`) any
	 * stray ("stray").
	 */
	settleOwnership(strays: boolean): Promise<number>;
	/** Hand off the local actors whose keys `nodes` (the service's nodes) give to another node. */
	handOffMoved(nodes: string[], reason?: string): Promise<number>;
	/**
	 * Always-on mode: activate the keys of `alwaysOn.keys()` this node owns and does not run yet,
	 * and passivate the active keys gone from the set; how many activations were started.
	 */
	activateOwned(): Promise<number>;
	/** The owner of `key` among `nodes` (the service's): its home node when it has one there, else by rendezvous. */
	ownerOfKey(key: string, nodes: string[]): string | undefined;
	/** Forget `actor` because its lease is gone (another node owns the key now). */
	dropActor(key: string, actor: A): void;
	/** Run a store step: store down → 503 (retry shortly); fenced (another owner) → 503 with `fenced`. */
	storeCall<T>(fn: () => Promise<T>): Promise<T>;
	/** storeCall of a step of `actor`; if its lease turns out gone, the actor is dropped here too. */
	actorCall<T>(key: string, actor: A, fn: () => Promise<T>): Promise<T>;
}
export interface KeyedActorVars<A extends KeyedActor> {
	keyed: ActorHost<A>;
	keyedTimers: NodeJS.Timeout[];
	/** The service's nodes when ownership was last settled, sorted and joined. */
	keyedMembers: string;
	/** Always-on keys' home nodes, as of the last check. */
	keyedHomes: Map<string, string>;
	/** An always-on check in progress (one at a time). */
	keyedChecking: Promise<number> | null;
}
export type KeyedActorService<A extends KeyedActor> = KeyedActorMethods<A> & KeyedActorVars<A> & { name: string; broker: Context["broker"]; logger: Context["broker"]["logger"] };

export function keyedActorMixin<A extends KeyedActor>(opts: KeyedActorOptions<A>): Partial<ServiceSchema> {
	const { key, limits, now } = opts;
	const requestTimeout = (svc: KeyedActorService<A>) => svc.broker.options.requestTimeout || 10_000;
	return {
		// Public (sent to every node): the REPL finds keyed-actor services and their key by it.
		settings: { keyedActor: { key } },

		actions: {
			/** The actors active on this node (REPL `actors`/`owners`, and lists that show owners). */
			actors: {
				visibility: "public",
				async handler(this: KeyedActorService<A>) {
					const rows = (await this.keyed.settled()).map(([k, a]) => ({ [key]: k, node: this.broker.nodeID, epoch: a.epoch, lastActivity: a.lastActivity, pending: a.mailbox.pending, ...opts.describe?.(a) }));
					return rows.sort((x, y) => String(x[key]).localeCompare(String(y[key])));
				},
			},
			/** Snapshot, drop and release one key's actor on its owner (REPL `passivate`). */
			passivate: {
				...routedBy(key),
				params: { [key]: opts.keyRule },
				async handler(this: KeyedActorService<A>, ctx: Context<Record<string, string>>) {
					const n = await this.keyed.passivate("operator", k => k === ctx.params[key]);
					return { [key]: ctx.params[key], node: this.broker.nodeID, passivated: n > 0 };
				},
			},
			/** Hand off every local actor whose key now belongs to another node (REPL `rebalance`; also automatic). */
			rebalance: {
				visibility: "public",
				async handler(this: KeyedActorService<A>) {
					const moved = await this.handOffMoved(this.ownerNodes());
					return { node: this.broker.nodeID, moved, active: this.keyed.size };
				},
			},
		},

		events: {
			// Ownership follows the service's nodes; when they change, only the keys that now belong to
			// another node are snapshotted and released here (handoff).
			"$services.changed"(this: KeyedActorService<A>) {
				void this.settleOwnership(false).then(() => opts.alwaysOn && this.activateOwned());
			},
		},

		methods: {
			actor(this: KeyedActorService<A>, k: string, deadline?: number): Promise<A> {
				return this.keyed.get(k, deadline ?? now() + requestTimeout(this));
			},
			callDeadline(this: KeyedActorService<A>, ctx: Context): number {
				return now() + (ctx.options.timeout || requestTimeout(this)) - 1000;
			},
			ownerNodes(this: KeyedActorService<A>): string[] {
				return this.broker.registry
					.getServiceList({ onlyAvailable: true, skipInternal: true })
					.filter(s => s.name === this.name)
					.map(s => s.nodeID as string)
					.sort();
			},
			settleOwnership(this: KeyedActorService<A>, strays: boolean): Promise<number> {
				const nodes = this.ownerNodes();
				const members = nodes.join(",");
				if (members !== this.keyedMembers) {
					this.keyedMembers = members;
					return this.handOffMoved(nodes);
				}
				// A view without this node (starting, stopping) is no reason to hand anything off.
				return strays && nodes.includes(this.broker.nodeID) ? this.handOffMoved(nodes, "stray") : Promise.resolve(0);
			},
			handOffMoved(this: KeyedActorService<A>, nodes: string[], reason?: string): Promise<number> {
				return this.keyed.handOffMoved(this.broker.nodeID, k => this.ownerOfKey(k, nodes), reason);
			},
			ownerOfKey(this: KeyedActorService<A>, k: string, nodes: string[]): string | undefined {
				const home = this.keyedHomes.get(k);
				return home !== undefined && nodes.includes(home)
					? home
					: ownerOf(
							k,
							nodes.map(id => ({ id })),
						)?.id;
			},
			activateOwned(this: KeyedActorService<A>): Promise<number> {
				this.keyedChecking ??= (async () => {
					const self = this.broker.nodeID;
					const nodes = this.ownerNodes();
					// A view without this node (starting, stopping) owns nothing.
					if (!opts.alwaysOn || !nodes.includes(self)) return 0;
					const keys = await opts.alwaysOn.keys.call(this);
					this.keyedHomes = new Map(Object.entries(keys).filter((e): e is [string, string] => e[1] !== null));
					// A key still leased by its previous owner (killed: until its lease lapses) fails to activate; retried next time.
					return this.keyed.ensure(Object.keys(keys), k => this.ownerOfKey(k, nodes) === self, now() + requestTimeout(this));
				})()
					.catch(err => {
						this.logger.warn({ err: (err as Error).message }, `always-on ${opts.noun} check failed`);
						return 0;
					})
					.finally(() => (this.keyedChecking = null));
				return this.keyedChecking;
			},
			dropActor(this: KeyedActorService<A>, k: string, actor: A) {
				this.keyed.drop(k, actor);
			},
			async storeCall<T>(fn: () => Promise<T>): Promise<T> {
				try {
					return await fn();
				} catch (err) {
					if (err instanceof StoreUnavailableError) throw new UnavailableError("the store is unavailable; retry shortly", { reason: err.message });
					if (err instanceof FencedError) throw new UnavailableError(`${err.symbol} changed owner; retry`, { fenced: true, holder: err.holder });
					throw err;
				}
			},
			async actorCall<T>(this: KeyedActorService<A>, k: string, actor: A, fn: () => Promise<T>): Promise<T> {
				try {
					return await this.storeCall(fn);
				} catch (err) {
					// The lease is gone (another node owns the key now): stop serving it here.
					if ((err as { data?: { fenced?: boolean } }).data?.fenced) this.dropActor(k, actor);
					throw err;
				}
			},
		},

		created(this: KeyedActorService<A>) {
			const m = this.broker.metrics;
			const prefix = `rookery.${this.name}`;
			this.keyed = new ActorHost<A>({
				activate: k => opts.activate.call(this, k),
				now,
				gate: {
					limit: limits.maxActivations,
					queueLimit: limits.activationQueue,
					onRefused: reason => m.increment(`${prefix}.activations_refused`, { reason }),
					onChange: (running, queued) => {
						m.set(`${prefix}.activations`, running, { state: "running" });
						m.set(`${prefix}.activations`, queued, { state: "queued" });
					},
				},
				onPassivated: (reason, n) => {
					m.increment(`${prefix}.passivated`, { reason }, n);
					this.logger.info({ actors: n, reason }, `passivated ${opts.noun} actors`);
				},
				onLost: k => {
					m.increment(`${prefix}.lease_lost`, {});
					this.logger.warn({ [key]: k }, `lease lost: the ${opts.noun} has another owner; dropped here`);
				},
				onError: (k, what, err) => this.logger.warn({ [key]: k, err: err.message }, `${what} failed`),
			});
			this.keyedTimers = [];
			this.keyedMembers = "";
			this.keyedChecking = null;
			this.keyedHomes = new Map();
			m.register({ type: "counter", name: `${prefix}.lease_lost`, description: `Actors dropped because their lease was gone (another node owns the ${opts.noun})` });
			m.register({ type: "gauge", name: `${prefix}.activations`, labelNames: ["state"], description: `${opts.noun} actor activations running and waiting for a slot on this node` });
			m.register({ type: "counter", name: `${prefix}.activations_refused`, labelNames: ["reason"], description: "Activations refused with 503 BUSY: queue full, or deadline passed while waiting" });
			m.register({ type: "counter", name: `${prefix}.passivated`, labelNames: ["reason"], description: `${opts.noun} actors snapshotted and dropped from memory` });
		},

		started(this: KeyedActorService<A>) {
			this.keyedMembers = this.ownerNodes().join(",");
			// Idle actors leave memory (snapshot first); the next call rebuilds them from the store.
			// Always-on keys never idle out; they are (re)activated on their owner instead.
			const sweep = opts.alwaysOn ? setInterval(() => void this.activateOwned(), opts.alwaysOn.everyMs) : setInterval(() => void this.keyed.passivateIdle(limits.passivateAfterMs), Math.min(limits.passivateAfterMs, 30_000));
			// Every tick starts a round of its own: a round waiting on actors still activating must not
			// hold back the renewal of the active ones. Every quarter lease: a renewal may come 3/4 of
			// a lease late (a stalled loop, a slow Redis: up to 1.45 s on a loaded 2-core machine)
			// before the lease is lost.
			const renewal = setInterval(() => void this.keyed.renewAll(), Math.max(100, Math.floor(limits.leaseMs / 4)));
			// A call routed here by a node whose view lagged (a join in progress) can activate a key
			// again just after this node handed it off; nothing else would move it before it idles,
			// and its owner could not take the lease meanwhile. So once per lease period the keys this
			// node does not own by its current view (which must include itself) are handed off too.
			const strays = setInterval(() => void this.settleOwnership(true), limits.leaseMs);
			this.keyedTimers = [sweep, renewal, strays];
			for (const t of this.keyedTimers) t.unref();
			if (opts.alwaysOn) void this.activateOwned();
		},

		async stopped(this: KeyedActorService<A>) {
			for (const t of this.keyedTimers) clearInterval(t);
			await this.keyedChecking;
			// Drain: let every queued update finish and leave a snapshot, so a restart replays little.
			await this.keyed.passivate("stopping", () => true);
		},
	} as unknown as Partial<ServiceSchema>;
}

export { routedBy };
