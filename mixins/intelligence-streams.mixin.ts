/**
 * Intelligence streams (docs/agents.md, "Intelligence streams") for the intelligence service: the
 * stream actions, and each stream as an always-on keyed actor (mixins/keyed-actor.mixin.ts, key
 * `id`): the stream's rendezvous owner among the nodes running the service runs it under its
 * fenced lease, renews it, hands it off when the nodes change so that it moves, and takes it over
 * from a killed owner once that lease lapses; REPL `actors intelligence` shows them. A stream's
 * home is the node it was started on: it runs there while that node is up. The ticks are
 * lib/intelligence/stream-runner.ts; an update's content is the service's `unified` method.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { StreamActor, StreamRunner, type StreamDefinition } from "../lib/intelligence/stream-runner.ts";
import { optionParams, symbolsParam, UNIFIED_DEFAULTS, type UnifiedRequest } from "../lib/intelligence/unified-request.ts";
import type { UnifiedResult } from "../lib/intelligence/unified.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { NotFoundError } from "../lib/protocol/errors.ts";
import { ownedOrNotFound, ownerIdOf, visibleTo, type CallerAuth } from "../lib/auth/owner.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { keyedActorMixin, type KeyedActorService } from "./keyed-actor.mixin.ts";

const STREAM_STOPPED_EVENT = "intelligence.stream.stopped";
const idParam = { type: "string", pattern: /^[A-Za-z0-9_-]{1,64}$/ };

type Caller = <T>(action: string, params: object, opts?: { timeout?: number; retries?: number }) => Promise<T>;
type Service = KeyedActorService<StreamActor> & { streams: StreamRunner; unified(call: Caller, req: UnifiedRequest): Promise<UnifiedResult> };

export function intelligenceStreamsMixin(deps: NodeDeps): Partial<ServiceSchema> {
	const settings = deps.config.intelligence;
	const keyed = keyedActorMixin<StreamActor>({
		key: "id",
		keyRule: idParam,
		noun: "intelligence stream",
		limits: { leaseMs: settings.streamLeaseMs, passivateAfterMs: Infinity, maxActivations: 16, activationQueue: settings.maxStreams },
		now: deps.now,
		alwaysOn: {
			keys(this: KeyedActorService<StreamActor>) {
				return (this as Service).streams.homes();
			},
			everyMs: Math.max(100, Math.floor(settings.streamLeaseMs / 3)),
		},
		activate(id) {
			return (this as Service).streams.activate(id);
		},
		describe: a => ({ seq: a.seq, interval_ms: a.def.interval_ms }),
	});
	return {
		mixins: [keyed],

		actions: {
			startStream: {
				params: {
					symbols: symbolsParam,
					interval_ms: { type: "number", integer: true, min: settings.minStreamIntervalMs, max: 86_400_000, convert: true, default: 5000 },
					options: { type: "object", optional: true, props: optionParams, default: {} },
				},
				async handler(this: Service, ctx: Context<{ symbols: string[]; interval_ms: number; options: StreamDefinition["options"] }, { auth?: CallerAuth }>) {
					const id = randomUUID();
					const def: StreamDefinition = {
						id,
						symbols: ctx.params.symbols,
						interval_ms: ctx.params.interval_ms,
						options: ctx.params.options,
						created_at: new Date(deps.now()).toISOString(),
						created_by: ownerIdOf(ctx.meta.auth),
						home: this.broker.nodeID,
					};
					await this.streams.create(def);
					// It runs here (its home): its first update now, not at the next always-on check.
					this.keyedHomes.set(id, this.broker.nodeID);
					await this.actor(id);
					return { ...def, topic: `intel:${id}`, subject: subjects.intel(id), ws: `/ws/intelligence/${id}`, owner: this.broker.nodeID };
				},
			},

			/** Only its creator or an admin stops a stream; anyone else is told it does not exist (lib/auth/owner.ts). */
			stopStream: {
				params: { id: idParam },
				async handler(this: Service, ctx: Context<{ id: string }, { auth?: CallerAuth }>) {
					const { id } = ctx.params;
					const notFound = () => new NotFoundError(`no intelligence stream ${id}`, { id });
					ownedOrNotFound(ctx.meta.auth, await this.streams.get(id), d => d.created_by, notFound);
					if (!(await this.streams.remove(id))) throw notFound();
					await this.keyed.passivate("removed", k => k === id);
					await this.broker.broadcast(STREAM_STOPPED_EVENT, { id });
					return { id, stopped: true };
				},
			},

			/** The caller's own streams; every stream for an admin. */
			listStreams: {
				async handler(this: Service, ctx: Context<unknown, { auth?: CallerAuth }>) {
					return visibleTo(ctx.meta.auth, await this.streams.list(), d => d.created_by);
				},
			},

			/** A stream's last update, or null: the snapshot of `intel:{id}` (lib/streaming/snapshot-sources.ts). */
			streamLatest: {
				visibility: "public",
				params: { id: idParam },
				handler(this: Service, ctx: Context<{ id: string }>) {
					return this.streams.latest(ctx.params.id);
				},
			},
		},

		events: {
			// The owner stops a removed stream at once rather than at its next always-on check.
			[STREAM_STOPPED_EVENT]: {
				handler(this: Service, ctx: Context<{ id: string }>) {
					void this.keyed.passivate("removed", k => k === ctx.params.id);
				},
			},
		},

		created(this: Service) {
			this.streams = new StreamRunner({
				kv: deps.kv,
				nodeID: this.broker.nodeID,
				leaseMs: settings.streamLeaseMs,
				maxStreams: settings.maxStreams,
				now: deps.now,
				analyze: def => this.unified((action, params, opts) => this.broker.call(action, params, opts), { ...UNIFIED_DEFAULTS, ...def.options, symbols: def.symbols }),
				publish: update => {
					deps.bus.publish(subjects.intel(update.stream_id), update);
					this.broker.metrics.increment("rookery.intelligence.stream_updates");
				},
				log: this.logger,
			});
			this.broker.metrics.register({ type: "counter", name: "rookery.intelligence.stream_updates", description: "intelligence_update messages published" });
		},
	} as unknown as Partial<ServiceSchema>;
}
