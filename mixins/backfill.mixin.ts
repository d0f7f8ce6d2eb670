/**
 * The ingest service's back-fill from a vendor's history (admin; docs/ingestion.md "Back-fill"):
 * `POST /api/v1/symbols/{symbol}/backfill {vendor, from, to?, tf?}` reads the vendor's historical
 * bars and writes them, as four ticks per bar with stable ids, through the ingest path every tick
 * takes (the symbol owner's durable, numbered log), so bars, indicators and a replay of the log are
 * what live ticks would have made. A second back-fill of the range adds nothing (the ids are
 * duplicates, or the ticks are older than the symbol's newest and refused as late).
 */
import type { Context, ServiceSchema } from "moleculer";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import { BusyError, UnavailableError, ValidationError, type FieldError } from "../lib/protocol/errors.ts";
import { symbolRule, type Tick } from "../lib/protocol/tick.ts";
import { createVendor, VendorError } from "../lib/vendors/index.ts";
import { BACKFILL_MAX_BARS, BACKFILL_TFS, barTicks, checkBackfill, hasHistory, type HistoryRange } from "../lib/vendors/history.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import type { IngestResult } from "../lib/symbols/symbol-actor.ts";
import { nextTurn } from "../lib/scheduling/turns.ts";

/** Back-fills running on one node at most; one more is refused (503 BUSY, policy `refuse`). */
const MAX_RUNNING = 2;
/** Ticks per ingest call, with a macrotask between calls (as the warm start writes its history). */
const SLICE = 2000;
const VENDOR_TIMEOUT_MS = 15_000;

/** For the OpenAPI document (the body's times and tf are checked in lib/vendors/history.ts). */
const BACKFILL_DOC = {
	description: `Back-fill the symbol from a configured vendor's historical bars (admin): at most ${BACKFILL_MAX_BARS} bars, written as ticks through the symbol's log; a repeat adds nothing.`,
	openapi: {
		requestBody: {
			type: "object",
			required: ["vendor", "from"],
			properties: {
				vendor: { type: "string", description: "a vendor in config.vendors with a history endpoint (http-poll)" },
				from: { type: ["integer", "string"], description: "epoch ms or ISO-8601" },
				to: { type: ["integer", "string"], description: "epoch ms or ISO-8601; default now" },
				tf: { type: "string", enum: Object.keys(BACKFILL_TFS), default: "1m" },
			},
		},
	},
};

type BackfillParams = { symbol: string; vendor: string; from?: unknown; to?: unknown; tf?: unknown };
export interface BackfillResult {
	symbol: string;
	vendor: string;
	tf: string;
	from: number;
	to: number;
	/** Bars the vendor answered in the range, and the ticks they made. */
	bars: number;
	ticks: number;
	accepted: number;
	duplicates: number;
	late: number;
	firstSeq: number | null;
	lastSeq: number | null;
}

/** The ingest service's own: the ticks to their symbols' owners, answered once they are logged. */
interface Methods {
	submit(ticks: Tick[]): Promise<{ accepted: number; duplicates: number; late: number; symbols: IngestResult[] }>;
	refuseBackfill(fields: FieldError[]): never;
}
interface Vars {
	backfills: number;
}

export function backfillMixin(deps: NodeDeps): Partial<ServiceSchema<Record<string, never>, Methods, Vars>> {
	const { config } = deps;
	return {
		actions: {
			/** Back-fill the symbol from a configured vendor's historical bars (admin). */
			backfill: {
				...ADMIN_ONLY,
				params: { symbol: symbolRule(), vendor: { type: "string", min: 1, max: 64 }, $$strict: false },
				...BACKFILL_DOC,
				async handler(ctx: Context<BackfillParams>): Promise<BackfillResult> {
					const { symbol, vendor: name } = ctx.params;
					const range = checkBackfill(ctx.params, deps.now());
					if (Array.isArray(range)) this.refuseBackfill(range);
					const spec = Object.hasOwn(config.vendors, name) ? config.vendors[name] : undefined;
					const vendor = spec ? createVendor(name, spec, { now: deps.now }) : null;
					if (!vendor || !hasHistory(vendor)) {
						const why = vendor ? `vendor "${name}" (${vendor.type}) has no history endpoint` : `no vendor "${name}" in config.vendors (${Object.keys(config.vendors).join(", ") || "none"})`;
						this.refuseBackfill([{ field: "vendor", message: why, type: "backfill", actual: name }]);
					}
					if (this.backfills >= MAX_RUNNING) {
						this.broker.metrics.increment("rookery.ingest.rejected", { reason: "backfill-busy" });
						throw new BusyError(`${MAX_RUNNING} back-fills are running on this node; try again when one is done`);
					}
					this.backfills++;
					try {
						const bars = await vendor.history(symbol, range as HistoryRange, AbortSignal.timeout(VENDOR_TIMEOUT_MS)).catch(err => {
							throw new UnavailableError(`history not read: ${(err as Error).message}`, { vendor: name, kind: err instanceof VendorError ? err.kind : "timeout" });
						});
						const { from, to, tf } = range as HistoryRange;
						const ticks = bars.flatMap(b => barTicks(symbol, b, `backfill:${name}:${tf}`));
						const out: BackfillResult = { symbol, vendor: name, tf, from, to, bars: bars.length, ticks: ticks.length, accepted: 0, duplicates: 0, late: 0, firstSeq: null, lastSeq: null };
						for (let i = 0; i < ticks.length; i += SLICE) {
							const r = await this.submit(ticks.slice(i, i + SLICE));
							out.accepted += r.accepted;
							out.duplicates += r.duplicates;
							out.late += r.late;
							for (const s of r.symbols) {
								out.firstSeq ??= s.firstSeq;
								out.lastSeq = s.lastSeq;
							}
							await nextTurn();
						}
						this.logger.info(out, "back-fill written");
						return out;
					} finally {
						this.backfills--;
					}
				},
			},
		},

		methods: {
			refuseBackfill(fields: FieldError[]): never {
				this.broker.metrics.increment("rookery.ingest.rejected", { reason: "backfill" });
				throw new ValidationError(`${fields[0].field}: ${fields[0].message}`, fields);
			},
		},

		created() {
			this.backfills = 0;
		},
	};
}
