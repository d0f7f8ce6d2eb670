/**
 * Events: typed platform events (seed 003) in, the audit trail out (docs/events.md). A POST is
 * checked whole (422 naming the field, nothing stored), stored in the KV with a retention per
 * type, then each stored event is published on NATS `rookery.events.{type}` (WS/SSE topic
 * `events:{type}`) and as the Moleculer event `events.{type}` (one per type and batch, balanced:
 * one analytics node takes each).
 */
import type { Context, ServiceSchema } from "moleculer";
import { ValidationError } from "../lib/protocol/errors.ts";
import { isFieldErrors } from "../lib/protocol/tick.ts";
import { TIME_RANGE_PARAMS } from "../lib/protocol/page.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { checkEventBatch, parseTime } from "../lib/events/check-events.ts";
import { DEFAULT_RETENTION_MS, EVENT_TYPES, type EventAnswer, type EventType, type PlatformEvent } from "../lib/events/event-types.ts";
import { EventLog, MAX_QUERY_LIMIT, decodeCursor, trailRowsOf, type EventPage } from "../lib/events/event-log.ts";
import type { NodeDeps } from "../runtime/deps.ts";

interface Methods {
	refuse(message: string, fields: ValidationError["fields"]): never;
}
interface Vars {
	log: EventLog;
}

type ListParams = { type?: EventType; entity?: string; from?: string | number; to?: string | number; limit?: number; cursor?: string };

/** The Moleculer event carrying one batch's stored events of one type. */
export interface EventsBatch {
	events: PlatformEvent[];
}

export default function eventsService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const checkOpts = { now: deps.now, maxFutureMs: deps.config.ingest.maxFutureMs };
	// Each type's subject made once, not joined (then flattened and hashed by the bus) per event.
	const subjectOf = Object.fromEntries(EVENT_TYPES.map(t => [t, subjects.events(t)])) as Record<EventType, string>;
	return {
		name: "events",

		actions: {
			/** One event or an array of up to 5,000, all-or-nothing; 201 with one answer per event. */
			publish: {
				// Optional, so a null body reaches checkEventBatch and is refused with its own message.
				params: { body: { type: "any", optional: true } },
				async handler(ctx: Context<{ body: unknown }, { $statusCode?: number; $location?: string }>): Promise<{ items: EventAnswer[] }> {
					const checked = checkEventBatch(ctx.params.body, checkOpts);
					if (isFieldErrors(checked)) this.refuse(`${checked.length === 1 ? "a field is" : `${checked.length} fields are`} invalid: ${checked[0].field}: ${checked[0].message}`, checked);
					const { answers, stored, dropped, trimFailed, error } = await this.log.append(checked);
					const byType = new Map<EventType, PlatformEvent[]>();
					for (const e of stored) {
						deps.bus.publish(subjectOf[e.type], e);
						deps.alerts.observeEvent(e);
						const list = byType.get(e.type);
						if (list) list.push(e);
						else byType.set(e.type, [e]);
					}
					for (const [type, events] of byType) void this.broker.emit<EventsBatch>(`events.${type}`, { events });
					this.broker.metrics.increment("rookery.events.accepted", {}, stored.length);
					if (dropped > 0) this.broker.metrics.increment("rookery.events.dropped", { reason: "drop-oldest" }, dropped);
					if (trimFailed > 0) this.broker.metrics.increment("rookery.events.trim_failed", {}, trimFailed);
					// Part of the batch failed to store (503): what did go in is published above, once; a
					// retry stores the rest and answers those as repeats.
					if (error) throw error;
					ctx.meta.$statusCode = 201;
					// moleculer-web wants a Location with a 201 (else it warns once per request): the audit trail.
					ctx.meta.$location = "/api/v1/events";
					return { items: answers };
				},
			},

			/** The audit trail in time order, filtered; `next` is the cursor of the following page. */
			list: {
				params: {
					type: { type: "enum", values: [...EVENT_TYPES], optional: true },
					entity: { type: "string", min: 1, max: 128, optional: true },
					...TIME_RANGE_PARAMS,
					limit: { type: "number", integer: true, min: 1, max: MAX_QUERY_LIMIT, convert: true, optional: true },
					cursor: { type: "string", max: 64, optional: true },
				},
				handler(ctx: Context<ListParams>): Promise<EventPage> {
					const p = ctx.params;
					const from = p.from === undefined ? undefined : parseTime(p.from);
					const to = p.to === undefined ? undefined : parseTime(p.to);
					for (const [field, v] of [
						["from", from],
						["to", to],
					] as const) {
						if (v !== undefined && !Number.isFinite(v))
							this.refuse(`${field}: must be epoch milliseconds or an ISO-8601 date-time`, [{ field, message: "must be epoch milliseconds or an ISO-8601 date-time", type: "date", actual: p[field] }]);
					}
					if (p.cursor !== undefined && !decodeCursor(p.cursor)) this.refuse("cursor: not a cursor from a previous page", [{ field: "cursor", message: "not a cursor from a previous page", type: "cursor", actual: p.cursor }]);
					return this.log.query({ type: p.type, entity: p.entity, from, to, limit: p.limit ?? 100, cursor: p.cursor });
				},
			},
		},

		methods: {
			refuse(message: string, fields: ValidationError["fields"]): never {
				this.broker.metrics.increment("rookery.events.rejected", {});
				throw new ValidationError(message, fields);
			},
		},

		created() {
			this.broker.metrics.register({ type: "counter", name: "rookery.events.accepted", description: "Platform events stored (repeated ids not counted)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.events.rejected", description: "Event requests refused with 422" });
			this.broker.metrics.register({ type: "counter", name: "rookery.events.dropped", labelNames: ["reason"], description: "Rows the embedded trail let go before their retention, to stay within events.memoryMaxRows" });
			this.broker.metrics.register({ type: "counter", name: "rookery.events.trim_failed", description: "Trims of a type's expired rows that failed (the type's next write trims again)" });
			this.log = new EventLog(deps.kv, trailRowsOf(deps.kv, deps.config.events.memoryMaxRows), { ...DEFAULT_RETENTION_MS, ...deps.config.events.retentionMs }, deps.now);
		},
	};
}
