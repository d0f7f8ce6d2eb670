/**
 * Config: instruments, cadences and workers at run time (docs/ingestion.md). Settings live in the
 * KV (lib/workers/ingest-config.ts) so every node reads the same; each change is broadcast as
 * `config.changed`, so every ingest node applies it at once, without a restart. Worker lists and
 * telemetry are gathered from every ingest node. Writes are admin-only (`role: "admin"`).
 */
import type { Context, ServiceSchema } from "moleculer";
import { NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { DATA_TYPES, isDataType, type DataType } from "../lib/vendors/vendor.ts";
import { createVendor } from "../lib/vendors/index.ts";
import { IngestConfigRepo, parseCadence, parseInstrument, type Instrument } from "../lib/workers/ingest-config.ts";
import { workerId, type Cadence } from "../lib/workers/cadence.ts";
import type { RunRecord, WorkerStatus } from "../lib/workers/data-worker.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import { symbolRule } from "../lib/protocol/tick.ts";
import { IDEMPOTENT_READ } from "../middlewares/endpoint-breakers.ts";

type NodeWorker = WorkerStatus & { node: string };
interface Methods {
	fromIngestNodes<T>(action: string, params?: object): Promise<T[]>;
	changed(what: string): Promise<void>;
	workerIds(id: string): string[];
	setWorkers(ids: string[], enabled: boolean): Promise<{ workers: string[]; enabled: boolean }>;
}
interface Vars {
	repo: IngestConfigRepo;
}

/** One WorkerStatus per data type over every node, as the predecessor showed it; `nodes` has each node's. */
export function mergeWorkers(rows: NodeWorker[]): Array<WorkerStatus & { nodes: NodeWorker[] }> {
	return DATA_TYPES.flatMap(dt => {
		const mine = rows.filter(r => r.data_type === dt);
		if (mine.length === 0) return [];
		const newest = [...mine].sort((a, b) => (b.last_run ?? "").localeCompare(a.last_run ?? ""))[0];
		const next =
			mine
				.map(r => r.next_run)
				.filter((x): x is string => x !== null)
				.sort()[0] ?? null;
		return [
			{
				worker_id: workerId(dt),
				data_type: dt,
				status: mine.some(r => r.status === "running") ? "running" : newest.status,
				last_run: newest.last_run,
				next_run: next,
				success_count: mine.reduce((n, r) => n + r.success_count, 0),
				error_count: mine.reduce((n, r) => n + r.error_count, 0),
				current_vendor: newest.current_vendor,
				last_error: mine.map(r => r.last_error).find(e => e !== null) ?? null,
				breakers: newest.breakers,
				nodes: mine,
			},
		];
	});
}

/** The request body: `params.body` when a caller passed one, else the params REST merged from it. */
function bodyOf(params: Record<string, unknown>): unknown {
	return "body" in params ? params.body : params;
}

export default function configService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	const { config } = deps;
	const w = config.workers;
	const vendorServes = (name: string, dt: DataType): boolean | "unknown" => {
		const spec = config.vendors[name];
		if (!spec) return "unknown";
		// Built only to ask what it serves; replay reads its file, so it is asked by type.
		return spec.type === "replay" ? dt === "market_data" : createVendor(name, spec).serves(dt);
	};
	return {
		name: "config",

		actions: {
			listInstruments: {
				...IDEMPOTENT_READ,
				handler(): Promise<Instrument[]> {
					return this.repo.instruments();
				},
			},
			getInstrument: {
				...IDEMPOTENT_READ,
				params: { symbol: symbolRule() },
				async handler(ctx: Context<{ symbol: string }>): Promise<Instrument> {
					const i = await this.repo.instrument(ctx.params.symbol);
					if (!i) throw new NotFoundError(`no instrument ${ctx.params.symbol}`);
					return i;
				},
			},
			upsertInstrument: {
				...ADMIN_ONLY,
				// REST merges the JSON body into params (with `symbol` from PUT's path); a caller may also pass `body`.
				async handler(ctx: Context<Record<string, unknown>>): Promise<Instrument> {
					const i = await this.repo.upsertInstrument(parseInstrument(bodyOf(ctx.params)));
					await this.changed("instruments");
					return i;
				},
			},
			deleteInstrument: {
				...ADMIN_ONLY,
				params: { symbol: symbolRule() },
				async handler(ctx: Context<{ symbol: string }>): Promise<{ deleted: string }> {
					if (!(await this.repo.deleteInstrument(ctx.params.symbol))) throw new NotFoundError(`no instrument ${ctx.params.symbol}`);
					await this.changed("instruments");
					return { deleted: ctx.params.symbol };
				},
			},
			/**
			 * Seed 004's `POST /api/v1/realtime/watchlist`: the symbols the workers poll. Each symbol
			 * becomes (or stays) an enabled instrument of every data type; `replace` also deletes the rest.
			 */
			setWatchlist: {
				...ADMIN_ONLY,
				params: { symbols: { type: "array", min: 1, max: 1000, items: symbolRule() }, replace: { type: "boolean", optional: true, default: false } },
				async handler(ctx: Context<{ symbols: string[]; replace: boolean }>): Promise<{ watchlist: string[]; added: string[]; removed: string[] }> {
					const wanted = new Set(ctx.params.symbols);
					const current = await this.repo.instruments();
					const added: string[] = [];
					for (const symbol of wanted) {
						const i = current.find(x => x.symbol === symbol);
						if (i?.enabled) continue;
						await this.repo.upsertInstrument(i ? { ...i, enabled: true } : { symbol, data_types: [...DATA_TYPES], enabled: true, custom_config: {} });
						added.push(symbol);
					}
					const removed = ctx.params.replace ? current.filter(x => !wanted.has(x.symbol)).map(x => x.symbol) : [];
					for (const symbol of removed) await this.repo.deleteInstrument(symbol);
					if (added.length + removed.length > 0) await this.changed("instruments");
					return { watchlist: (await this.repo.instruments()).filter(x => x.enabled).map(x => x.symbol), added, removed };
				},
			},
			getCadence: {
				params: { data_type: "string" },
				async handler(ctx: Context<{ data_type: string }>): Promise<Cadence> {
					if (!isDataType(ctx.params.data_type)) throw new ValidationError(`data_type: unknown data type '${ctx.params.data_type}'`, [{ field: "data_type", message: `one of ${DATA_TYPES.join(", ")}`, actual: ctx.params.data_type }]);
					return this.repo.cadence(ctx.params.data_type);
				},
			},
			putCadence: {
				...ADMIN_ONLY,
				params: { data_type: "string" },
				async handler(ctx: Context<Record<string, unknown> & { data_type: string }>): Promise<Cadence> {
					const dt = ctx.params.data_type;
					const current = isDataType(dt) ? await this.repo.cadence(dt) : ({} as Cadence);
					const c = await this.repo.putCadence(parseCadence(dt, bodyOf(ctx.params), current, vendorServes));
					await this.changed("cadences");
					return c;
				},
			},
			listWorkers: {
				async handler(): Promise<Array<WorkerStatus & { nodes: NodeWorker[] }>> {
					return mergeWorkers(await this.fromIngestNodes<NodeWorker>("ingest.workerStatus"));
				},
			},
			getWorker: {
				params: { id: "string" },
				async handler(ctx: Context<{ id: string }>): Promise<WorkerStatus & { nodes: NodeWorker[] }> {
					const w = mergeWorkers(await this.fromIngestNodes<NodeWorker>("ingest.workerStatus")).find(x => x.worker_id === ctx.params.id);
					if (!w) throw new NotFoundError(`no worker ${ctx.params.id} (workers: ${DATA_TYPES.map(workerId).join(", ")})`);
					return w;
				},
			},
			startWorker: {
				...ADMIN_ONLY,
				params: { id: "string" },
				handler(ctx: Context<{ id: string }>) {
					return this.setWorkers(this.workerIds(ctx.params.id), true);
				},
			},
			stopWorker: {
				...ADMIN_ONLY,
				params: { id: "string" },
				handler(ctx: Context<{ id: string }>) {
					return this.setWorkers(this.workerIds(ctx.params.id), false);
				},
			},
			startAll: {
				...ADMIN_ONLY,
				handler() {
					return this.setWorkers(DATA_TYPES.map(workerId), true);
				},
			},
			stopAll: {
				...ADMIN_ONLY,
				handler() {
					return this.setWorkers(DATA_TYPES.map(workerId), false);
				},
			},
			telemetry: {
				params: { data_type: { type: "string", optional: true }, limit: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				async handler(ctx: Context<{ data_type?: string; limit?: number }>): Promise<Array<RunRecord & { node: string }>> {
					const dt = ctx.params.data_type;
					if (dt !== undefined && !isDataType(dt)) throw new ValidationError(`data_type: unknown data type '${dt}'`, [{ field: "data_type", message: `one of ${DATA_TYPES.join(", ")}`, actual: dt }]);
					const limit = ctx.params.limit ?? 100;
					const rows = await this.fromIngestNodes<RunRecord & { node: string }>("ingest.workerTelemetry", { data_type: dt, limit });
					return rows.sort((a, b) => b.started_at.localeCompare(a.started_at)).slice(0, limit);
				},
			},
		},

		methods: {
			async fromIngestNodes<T>(action: string, params: object = {}): Promise<T[]> {
				const nodes = this.broker.registry
					.getServiceList({ onlyAvailable: true, skipInternal: true })
					.filter(s => s.name === "ingest")
					.map(s => s.nodeID);
				const res = await Promise.all(nodes.map(nodeID => this.broker.call<T[], object>(action, params, { nodeID }).catch(() => [] as T[])));
				return res.flat();
			},
			async changed(what: string) {
				this.broker.broadcast("config.changed", { what });
			},
			workerIds(id: string) {
				if (!DATA_TYPES.map(workerId).includes(id)) throw new NotFoundError(`no worker ${id} (workers: ${DATA_TYPES.map(workerId).join(", ")})`);
				return [id];
			},
			async setWorkers(ids: string[], enabled: boolean) {
				for (const id of ids) await this.repo.setWorkerEnabled(id, enabled);
				await this.changed("workers");
				return { workers: ids, enabled };
			},
		},

		created() {
			this.repo = new IngestConfigRepo(deps.kv, {
				symbols: config.symbols,
				cadences: Object.fromEntries(
					DATA_TYPES.map(dt => [dt, { data_type: dt, interval_seconds: w.intervals[dt], enabled: true, retry_attempts: w.retryAttempts, retry_backoff_multiplier: w.retryMultiplier, vendor_fallback: true, vendors: w.chains[dt] }]),
				) as Record<DataType, Cadence>,
			});
		},
	};
}
