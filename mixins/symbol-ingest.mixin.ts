/**
 * The symbols service's writes: `ingest`, one symbol's batch routed to its owner, and
 * `ingestMany`, the batches of several symbols a caller grouped for this node
 * (lib/ingest/owner-batches.ts), each written by its actor and answered on its own. Like a call
 * that came from another node, `ingestMany` runs its symbols here as routed.
 */
import type { Context, ServiceSchema } from "moleculer";
import type { SymbolActor, IngestResult } from "../lib/symbols/symbol-actor.ts";
import type { EntryOutcome, OwnerEntry } from "../lib/ingest/owner-batches.ts";
import { symbolRule, type Tick } from "../lib/protocol/tick.ts";
import type { Hops } from "../lib/metrics/stages.ts";
import { routedBy, type KeyedActorMethods } from "./keyed-actor.mixin.ts";
import { TimeoutError, ValidationError } from "../lib/protocol/errors.ts";
import type { NodeDeps } from "../runtime/deps.ts";

const symbolParam = symbolRule();
/** Each tick an object too, but checked by `checkTickObjects`: see there. */
const ticksParam = { type: "array", min: 1 } as const;

/**
 * Refuses (422, naming the item) a tick that is not an object, as `items: "object"` in the params
 * did. fastest-validator's compiled item check took ~15 ns and ~100 bytes of garbage a tick, a
 * tenth of what the embedded batch endpoint allocates per tick; this loop allocates nothing.
 */
function checkTickObjects(ticks: readonly unknown[], field: string): void {
	for (let i = 0; i < ticks.length; i++) {
		const t = ticks[i];
		if (typeof t === "object" && t !== null && !Array.isArray(t)) continue;
		const item = `${field}[${i}]`;
		const message = `The '${item}' field must be an Object.`;
		throw new ValidationError(message, [{ field: item, message, type: "object", actual: t }]);
	}
}

export interface SymbolIngestMethods {
	ingestOne(symbol: string, ticks: Tick[], deadline: number, hops: Hops | undefined): Promise<IngestResult>;
}
type Methods = SymbolIngestMethods & Pick<KeyedActorMethods<SymbolActor>, "actor" | "actorCall" | "callDeadline">;

export function symbolIngestMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, Methods>> {
	return {
		actions: {
			/** Accept a batch of already-validated ticks for one symbol (called by ingest). */
			ingest: {
				...routedBy("symbol"),
				visibility: "public",
				params: { symbol: symbolParam, ticks: ticksParam },
				handler(ctx: Context<{ symbol: string; ticks: Tick[] }, { hops?: unknown }>): Promise<IngestResult> {
					checkTickObjects(ctx.params.ticks, "ticks");
					// The batch's latency stamps, from ingest (lib/metrics/stages.ts).
					const hops = deps.stages.receive("owner.received", ctx.meta.hops);
					// Past the deadline, a waiting activation or a queued batch is not started: the caller gave up.
					return this.ingestOne(ctx.params.symbol, ctx.params.ticks, this.callDeadline(ctx), hops);
				},
			},

			/** Batches of symbols this node owns, grouped by the caller; one outcome per batch, in order. */
			ingestMany: {
				visibility: "public",
				params: { batches: { type: "array", min: 1, items: { type: "object", strict: "remove", props: { symbol: symbolParam, ticks: ticksParam } } } },
				handler(ctx: Context<{ batches: OwnerEntry[] }, { hops?: unknown }>): Promise<EntryOutcome[]> {
					ctx.params.batches.forEach((b, i) => checkTickObjects(b.ticks, `batches[${i}].ticks`));
					const hops = deps.stages.receive("owner.received", ctx.meta.hops);
					const deadline = this.callDeadline(ctx);
					const plain = (err: Error) => {
						const e = err as Error & { code?: number; type?: string; retryable?: boolean; data?: unknown };
						return { name: e.name, message: e.message, code: e.code, type: e.type, retryable: e.retryable, data: e.data };
					};
					// The call answers before the caller gives up on it: a symbol still being written then
					// is answered as timed out on its own, and the others as they went.
					let timer: NodeJS.Timeout | undefined;
					const late = new Promise<void>(resolve => (timer = setTimeout(resolve, Math.max(0, deadline - deps.now()))));
					const outcomes = ctx.params.batches.map(b =>
						Promise.race([
							this.ingestOne(b.symbol, b.ticks, deadline, hops).then(
								ok => ({ ok }),
								(err: Error) => ({ error: plain(err) }),
							),
							late.then(() => ({ error: plain(new TimeoutError(`symbol ${b.symbol}: not written within the call's time; it may still be written, so resend with ids`, { symbol: b.symbol })) })),
						]),
					);
					return Promise.all(outcomes).finally(() => clearTimeout(timer));
				},
			},
		},

		methods: {
			async ingestOne(symbol: string, ticks: Tick[], deadline: number, hops: Hops | undefined): Promise<IngestResult> {
				const actor = await this.actor(symbol, deadline);
				const r = await this.actorCall(symbol, actor, () => actor.ingest(ticks, deadline, hops));
				// Per node, the load a symbols pod autoscales on (k8s/base/hpa.yaml).
				this.broker.metrics.increment("rookery.symbols.ticks", {}, r.accepted);
				return r;
			},
		},
	};
}
