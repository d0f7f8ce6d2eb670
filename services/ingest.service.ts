/**
 * Ingest: validates ticks (REST `POST /api/v1/ticks`, NATS `rookery.ingest.ticks`, the synthetic
 * feed and vendors alike), groups them by symbol and hands each group to the symbol's owner; answers
 * REST only after the owners have written the ticks to their logs. It also runs the data workers
 * (one per data type, lib/workers) and push vendors: every vendor item becomes a StreamMessage kept
 * as latest (TTL) and in a capped stream in the KV, published on `rookery.{data_type}.{SYM}`; trades
 * go to the symbol actors. With several ingest nodes each instrument and push stream is a keyed
 * actor with one live owner (mixins/ingest-feeds.mixin.ts). docs/ingestion.md.
 */
import type { Context, ServiceSchema } from "moleculer";
import { checkTickBatch, checkTickBatchInTurns, isFieldErrors, type Tick } from "../lib/protocol/tick.ts";
import { ValidationError } from "../lib/protocol/errors.ts";
import { isParsedBody } from "../lib/http/json-body.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import type { TierName } from "../lib/auth/tiers.ts";
import { TICKS_DOC } from "../lib/openapi/ticks-schema.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { createVendor, DATA_TYPES, type DataType } from "../lib/vendors/index.ts";
import { realTimers, type RunRecord, type WorkerStatus } from "../lib/workers/data-worker.ts";
import type { Cadence } from "../lib/workers/cadence.ts";
import { IngestConfigRepo } from "../lib/workers/ingest-config.ts";
import { submitTicks, type SubmitResult } from "../lib/ingest/submit.ts";
import { OwnerBatches, type EntryOutcome, type OwnerEntry } from "../lib/ingest/owner-batches.ts";
import { ownerEndpoint } from "../middlewares/rendezvous.strategy.ts";
import { checkNewSymbols } from "../lib/ingest/new-symbols.ts";
import { createDataWorkers, defaultCadence } from "../lib/ingest/workers.ts";
import { syntheticFeedMixin, type SyntheticFeedVars } from "../mixins/synthetic-feed.mixin.ts";
import { vendorMessagesMixin, type VendorMessagesMethods, type VendorMessagesVars } from "../mixins/vendor-messages.mixin.ts";
import { backfillMixin } from "../mixins/backfill.mixin.ts";
import { ingestFeedsMixin, pushRuns, type IngestFeedsMethods, type IngestFeedsVars } from "../mixins/ingest-feeds.mixin.ts";
import { hopsPair, type Hops } from "../lib/metrics/stages.ts";

export type { SubmitResult, FailedSymbol } from "../lib/ingest/submit.ts";

interface Vars extends VendorMessagesVars, SyntheticFeedVars, IngestFeedsVars {
	inFlight: Set<Promise<unknown>>;
	unsubscribe: Array<() => void>;
}
interface Methods extends VendorMessagesMethods, IngestFeedsMethods {
	submit(ticks: Tick[], ctx?: Context, hops?: Hops): Promise<SubmitResult>;
	refused(err: Error, reason: string): never;
	applyConfig(): Promise<void>;
}

export default function ingestService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { config } = deps;
	const checkOpts = { maxFutureMs: config.ingest.maxFutureMs, now: deps.now };
	/** For a body parsed from the request's own bytes (lib/http/json-body.ts, or a NATS message): handed over. */
	const ownedOpts = { ...checkOpts, handedOver: true };
	const w = config.workers;
	const timers = { ...realTimers, now: deps.now };
	return {
		name: "ingest",
		// Moleculer runs mixins' `started` first and their `stopped` last, the later mixin outermost.
		mixins: [syntheticFeedMixin(deps), vendorMessagesMixin(deps), backfillMixin(deps), ingestFeedsMixin(deps)] as unknown as Array<Partial<ServiceSchema>>,

		actions: {
			/** One tick, an array of ticks or `{ticks: [...]}` as the request body; all-or-nothing. */
			ticks: {
				// Optional, so a null body reaches checkTickBatch and is refused with its own message.
				params: { body: { type: "any", optional: true } },
				...TICKS_DOC,
				async handler(ctx: Context<{ body: unknown }, { auth?: { tier?: TierName }; hops?: unknown }>): Promise<SubmitResult> {
					// Latency stamps (lib/metrics/stages.ts): from the gateway that took the request, else from here.
					const hops = deps.stages.receive("http.parsed", ctx.meta.hops) ?? deps.stages.start();
					const checked = await checkTickBatchInTurns(ctx.params.body, isParsedBody(ctx.params.body) ? ownedOpts : checkOpts);
					if (isFieldErrors(checked)) {
						for (const e of checked) this.broker.metrics.increment("rookery.ingest.rejected", { reason: e.type ?? "invalid" });
						throw new ValidationError(`${checked.length === 1 ? "a field is" : `${checked.length} fields are`} invalid: ${checked[0].field}: ${checked[0].message}`, checked);
					}
					// A caller with a tier (REST) may create only so many new symbols per request.
					const tier = ctx.meta.auth?.tier;
					if (tier) await checkNewSymbols(checked, tier, config.auth.tiers[tier].maxNewSymbols, s => deps.store.knownSymbols(s)).catch(err => this.refused(err, "new_symbols"));
					return this.submit(checked, ctx, hops && deps.stages.mark("ingest.checked", hops));
				},
			},

			/** This node's workers (config.service merges every node's). */
			workerStatus: {
				visibility: "public",
				handler(): Array<WorkerStatus & { node: string; pipeline: unknown; streams: unknown }> {
					const streams = [...this.pushes.values()].map(p => ({ vendor: p.vendor.name, leased: p.leased, ...p.state }));
					return [...this.workers.values()].map(wk => ({ ...wk.status(), node: this.broker.nodeID, pipeline: { ...this.pipeline.stats }, streams }));
				},
			},

			/** This node's newest run records, per data type or all. */
			workerTelemetry: {
				visibility: "public",
				params: { data_type: { type: "string", optional: true }, limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				handler(ctx: Context<{ data_type?: string; limit?: number }>): Array<RunRecord & { node: string }> {
					const limit = ctx.params.limit ?? 100;
					const workers = ctx.params.data_type ? [this.workers.get(ctx.params.data_type as DataType)].filter(x => x !== undefined) : [...this.workers.values()];
					return workers.flatMap(wk => wk.telemetry.newest(limit).map(r => ({ ...r, node: this.broker.nodeID })));
				},
			},
		},

		events: {
			/** Broadcast by config.service on every change: instruments, cadences, worker start/stop. */
			"config.changed"() {
				void this.applyConfig().catch(err => this.logger.warn({ err: (err as Error).message }, "config reload failed; keeping the current settings"));
			},
		},

		methods: {
			/**
			 * Ticks of any source through the batched path: grouped per symbol, then per owner node, one
			 * `symbols.ingestMany` call per owner (lib/ingest/owner-batches.ts); `hops`: their latency
			 * stamps, carried in the call's meta.
			 */
			submit(ticks: Tick[], ctx?: Context, hops?: Hops): Promise<SubmitResult> {
				const metrics = this.broker.metrics;
				const broker = this.broker;
				const send = (owner: string | undefined, batches: OwnerEntry[]) => {
					const sent = hops && deps.stages.mark("owner.sent", hops);
					const opts = { ...(owner !== undefined && { nodeID: owner }), ...(sent && { meta: { hops: hopsPair(sent) } }) };
					const p = ctx ? ctx.call<EntryOutcome[], unknown>("symbols.ingestMany", { batches }, opts) : broker.call<EntryOutcome[], unknown>("symbols.ingestMany", { batches }, opts);
					this.inFlight.add(p);
					return p.finally(() => this.inFlight.delete(p));
				};
				const owners = new OwnerBatches(
					symbol => ownerEndpoint(broker, "symbols.ingest", { symbol })?.id,
					send,
					// Rebuilt as Moleculer rebuilds an error that crossed the transporter (the same object a remote `symbols.ingest` gave).
					plain => broker.errorRegenerator!.restore(plain as never, {}),
				);
				return submitTicks(ticks, owners.call, {
					accepted: n => metrics.increment("rookery.ingest.accepted", {}, n),
					failedSymbols: n => metrics.increment("rookery.ingest.failed_symbols", {}, n),
					late: n => metrics.increment("rookery.ingest.rejected", { reason: "late" }, n),
				});
			},

			/** Counts a 422 under `reason` and rethrows it; other errors pass. */
			refused(err: Error, reason: string): never {
				if (err instanceof ValidationError) this.broker.metrics.increment("rookery.ingest.rejected", { reason });
				throw err;
			},

			async applyConfig() {
				for (const wk of this.workers.values()) {
					wk.setCadence(await this.repo.cadence(wk.dataType));
					const enabled = await this.repo.workerEnabled(wk.id);
					if (enabled === true) wk.start();
					else if (enabled === false) await wk.stop();
				}
				// Feeds of workers started or stopped, instruments and push vendors changed: leased or handed off now.
				await this.activateOwned();
			},
		},

		created() {
			const metrics = this.broker.metrics;
			metrics.register({ type: "counter", name: "rookery.ingest.accepted", description: "Ticks written to a symbol log" });
			metrics.register({ type: "counter", name: "rookery.ingest.failed_symbols", description: "Symbols of a batch not written (listed in the 503 answer's details.failed)" });
			metrics.register({ type: "counter", name: "rookery.ingest.rejected", labelNames: ["reason"], description: "Invalid tick fields refused" });
			metrics.register({ type: "counter", name: "rookery.ingest.worker_runs", labelNames: ["data_type"], description: "Data worker runs" });
			metrics.register({ type: "counter", name: "rookery.ingest.worker_errors", labelNames: ["data_type"], description: "Symbols a worker run could not fetch from any vendor" });
			this.inFlight = new Set();
			this.vendors = new Map(Object.entries(config.vendors).map(([name, spec]) => [name, createVendor(name, spec, { seed: config.feed.seed, now: deps.now })]));
			this.pushes = pushRuns(this.vendors);
			this.unsubscribe = [];
			this.repo = new IngestConfigRepo(deps.kv, { symbols: config.symbols, cadences: Object.fromEntries(DATA_TYPES.map(dt => [dt, defaultCadence(w, dt)])) as Record<DataType, Cadence> });
			this.workers = createDataWorkers(w, {
				timers,
				vendors: this.vendors,
				instruments: d => this.repo.symbolsFor(d),
				claim: (d, sym) => this.polls(d, sym),
				emit: (b, worker_id) => this.emitItems(b.items, { vendor: b.vendor, worker_id, retry_count: b.retry_count, fallback: b.fallback }),
				onRun: (r: RunRecord) => {
					metrics.increment("rookery.ingest.worker_runs", { data_type: r.data_type });
					if (r.errors.length > 0) metrics.increment("rookery.ingest.worker_errors", { data_type: r.data_type }, r.errors.length);
					metrics.set("rookery.ingest.buffer_size", this.pipeline.stats.queued);
				},
			});
		},

		async started() {
			// syntheticFeedMixin has written its history: the workers below may write a trade at the current time.
			this.unsubscribe.push(
				deps.bus.subscribe(
					subjects.ingestTicks,
					msg => {
						const checked = checkTickBatch(msg, checkOpts);
						if (isFieldErrors(checked))
							return this.reject(
								"nats",
								checked
									.slice(0, 5)
									.map(e => `${e.field}: ${e.message}`)
									.join("; "),
								msg,
							);
						void this.submit(checked).catch(err => this.reject("nats", `not written: ${(err as Error).message}`, msg));
					},
					{ queue: "rookery-ingest" },
				),
			);
			// Settings from the KV (an operator's cadences and stops survive restarts); defaults while it is down.
			await this.applyConfig().catch(err => this.logger.warn({ err: (err as Error).message }, "ingest config not readable yet; using defaults"));
			for (const wk of this.workers.values()) {
				const enabled = await this.repo.workerEnabled(wk.id).catch(() => null);
				if (enabled ?? w.autoStart ?? config.feed.type === "synthetic") wk.start();
			}
			// The feeds of the workers started here: this node's share, leased now rather than at the next check.
			await this.activateOwned();
		},

		async stopped() {
			for (const u of this.unsubscribe) u();
			await Promise.all([...this.workers.values()].map(wk => wk.stop()));
			// ingestFeedsMixin then hands every feed off (push vendors stopped, leases released). Drain: an ingest already accepted by the gateway
			// finishes before the node goes away. Then the mixins stop the feed and flush the buffer.
			await Promise.allSettled([...this.inFlight]);
		},
	};
}
