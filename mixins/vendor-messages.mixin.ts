/**
 * Ingest's vendor messages (docs/ingestion.md): every vendor or pushed item becomes a StreamMessage,
 * waits in a bounded buffer (policy drop-oldest, counted) while the store is down, and is written
 * in batches by lib/ingest/vendor-messages.ts (trades into the symbol actors through the service's
 * batched `submit`, capped stream, latest with TTL, publish). Also `news` pushed in and the reads of
 * stored messages. The service supplies `submit` (lib/ingest/submit.ts).
 */
import type { Context, ServiceSchema } from "moleculer";
import { isFieldErrors, symbolRule, type Tick } from "../lib/protocol/tick.ts";
import { NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { DATA_TYPES, type DataType, type VendorItem } from "../lib/vendors/index.ts";
import { realTimers } from "../lib/workers/data-worker.ts";
import { MessagePipeline } from "../lib/workers/message-pipeline.ts";
import { QuoteVolatility } from "../lib/workers/quote-volatility.ts";
import { messageKeys, type StreamMessage } from "../lib/workers/stream-message.ts";
import { checkNewsBatch } from "../lib/workers/news-input.ts";
import { checkItems, toMessage, writeMessages, type Incoming, type ItemMeta } from "../lib/ingest/vendor-messages.ts";
import type { NodeDeps } from "../runtime/deps.ts";

export interface VendorMessagesVars {
	pipeline: MessagePipeline<Incoming>;
	volatility: QuoteVolatility;
}
export interface VendorMessagesMethods {
	/** The service's batched tick path. */
	submit(ticks: Tick[]): Promise<unknown>;
	emitItems(items: VendorItem[], meta: ItemMeta): void;
	reject(source: string, reason: string, payload: unknown): void;
}

const limitRule = { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } as const;

export function vendorMessagesMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, VendorMessagesMethods, VendorMessagesVars>> {
	const { config } = deps;
	const w = config.workers;
	const checkOpts = { maxFutureMs: config.ingest.maxFutureMs, now: deps.now };
	return {
		actions: {
			/** News pushed in: one item, an array or `{news: [...]}`; stored like vendor news. */
			news: {
				// REST merges the JSON body into params (one item or `{news: [...]}`); callers may pass `body`.
				async handler(ctx: Context<Record<string, unknown>>): Promise<{ accepted: number; buffered: boolean }> {
					const checked = checkNewsBatch("body" in ctx.params ? ctx.params.body : ctx.params, deps.now());
					if (isFieldErrors(checked)) {
						this.broker.metrics.increment("rookery.ingest.rejected", { reason: "news" });
						throw new ValidationError(`${checked[0].field}: ${checked[0].message}`, checked);
					}
					this.emitItems(checked, { vendor: "push", worker_id: null, retry_count: 0, fallback: false });
					// Answer once stored; while the store is down the items wait in the bounded buffer.
					const stored = await Promise.race([this.pipeline.idle().then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), 2000).unref())]);
					return { accepted: checked.length, buffered: !stored };
				},
			},

			/** The newest StreamMessages of a data type and symbol, oldest first. */
			messages: {
				params: { dataType: { type: "enum", values: [...DATA_TYPES] }, symbol: symbolRule(), limit: limitRule },
				async handler(ctx: Context<{ dataType: DataType; symbol: string; limit?: number }>): Promise<StreamMessage[]> {
					const { dataType, symbol } = ctx.params;
					const rows = await deps.kv.streamTail<StreamMessage>(messageKeys.stream(dataType, symbol), ctx.params.limit ?? 50);
					return rows.map(r => r.value);
				},
			},

			/** Recent news of a symbol (`GET /api/v1/news/{symbol}`). */
			newsOf: {
				params: { symbol: symbolRule(), limit: limitRule },
				handler(ctx: Context<{ symbol: string; limit?: number }>): Promise<StreamMessage[]> {
					return ctx.call("ingest.messages", { dataType: "news", symbol: ctx.params.symbol, limit: ctx.params.limit });
				},
			},

			/** The latest StreamMessage of a data type and symbol (TTL), or 404. */
			latestMessage: {
				params: { dataType: { type: "enum", values: [...DATA_TYPES] }, symbol: symbolRule() },
				async handler(ctx: Context<{ dataType: DataType; symbol: string }>): Promise<StreamMessage> {
					const m = await deps.kv.get<StreamMessage>(messageKeys.latest(ctx.params.dataType, ctx.params.symbol));
					if (!m) throw new NotFoundError(`no recent ${ctx.params.dataType} for ${ctx.params.symbol}`);
					return m;
				},
			},
		},

		methods: {
			emitItems(items: VendorItem[], meta: ItemMeta) {
				const checked = checkItems(items, meta, { check: checkOpts, now: deps.now(), reject: (reason, tick) => this.reject(meta.vendor, reason, tick) });
				if (checked.length > 0) this.pipeline.push(checked);
			},

			/** Counted and published on `rookery.ingest.rejected` for whoever sent it. */
			reject(source: string, reason: string, payload: unknown) {
				this.broker.metrics.increment("rookery.ingest.rejected", { reason: "invalid" });
				deps.bus.publish(subjects.ingestRejected, { v: 1, ts: deps.now(), source, reason, payload: payload as object });
			},
		},

		created() {
			const metrics = this.broker.metrics;
			metrics.register({ type: "counter", name: "rookery.ingest.messages", description: "Vendor/pushed messages stored as StreamMessages" });
			metrics.register({ type: "counter", name: "rookery.ingest.buffer_dropped", description: "Messages dropped from the full degradation buffer (policy drop-oldest)" });
			metrics.register({ type: "gauge", name: "rookery.ingest.buffer_size", description: "Messages waiting in the degradation buffer" });
			this.volatility = new QuoteVolatility({ window: w.volatilityWindow, refitEvery: w.garchRefitEvery, refitMinMs: w.garchRefitMinMs });
			const bufferSize = () => metrics.set("rookery.ingest.buffer_size", this.pipeline.stats.queued);
			const write = {
				message: (p: Incoming) => toMessage(p, this.volatility, this.broker.nodeID),
				submit: (ticks: Tick[]) => this.submit(ticks),
				kv: deps.kv,
				bus: deps.bus,
				streamMaxLen: w.streamMaxLen,
				latestTtlMs: w.latestTtlMs,
				stored: (n: number) => metrics.increment("rookery.ingest.messages", {}, n),
			};
			this.pipeline = new MessagePipeline<Incoming>({
				limit: w.bufferLimit,
				// A flush is as big as a REST batch: one call per symbol and one append per stream for up to 5,000.
				batch: 5000,
				retryMs: w.bufferRetryMs,
				timers: { ...realTimers, now: deps.now },
				write: batch => writeMessages(batch, write),
				onDrop: n => {
					metrics.increment("rookery.ingest.buffer_dropped", {}, n);
					bufferSize();
				},
				onState: (degraded, err) => {
					bufferSize();
					if (degraded) this.logger.warn({ err: err?.message }, "store unavailable: buffering vendor messages");
					else this.logger.info("store back: buffered vendor messages written");
				},
			});
		},

		/** After the service's own stopped (Moleculer runs mixins' stopped last): producers are stopped. */
		async stopped() {
			// Written messages are flushed if the store is up.
			await Promise.race([this.pipeline.idle(), new Promise(r => setTimeout(r, 2000))]);
			this.pipeline.close();
		},
	};
}
