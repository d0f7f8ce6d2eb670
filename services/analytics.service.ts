/**
 * Analytics: windowed aggregates of named metrics (docs/events.md). Values come from events
 * (`events.performance_metric`, `events.benchmark_completed`, `events.anomaly_detected`, balanced:
 * one analytics node takes each batch), from ticks (`price.{SYM}`, `volume.{SYM}`, NATS queue group
 * `analytics`: one node takes each tick) and from POST. Each node aggregates what it received;
 * a query merges the buckets of every analytics node (merged sketches). Topic updates
 * (`analytics:{window}:{name}`, ≤ 1/s) and the `dashboard` (every 5 s) come from one node per
 * name, chosen by rendezvous hashing, so a topic never gets two publishers.
 */
import type { Context, ServiceSchema } from "moleculer";
import { BusyError, NotFoundError, ValidationError } from "../lib/protocol/errors.ts";
import { isFieldErrors } from "../lib/protocol/tick.ts";
import { subjects } from "../lib/protocol/wire.ts";
import { rendezvousOwner } from "../lib/routing/rendezvous.ts";
import { eachInTurns } from "../lib/scheduling/turns.ts";
import { WindowStore } from "../lib/analytics/window-store.ts";
import { combineExports, type BucketExport, type SketchFormat, type WindowStats } from "../lib/analytics/metric-windows.ts";
import { WINDOWS, type WindowName } from "../lib/analytics/window-spec.ts";
import { isMetricName, METRIC_NAME_PATTERN } from "../lib/analytics/metric-name.ts";
import { checkMetricBody } from "../lib/analytics/check-metrics.ts";
import { DASHBOARD_EVERY_MS, DASHBOARD_METRICS, dashboardFigures } from "../lib/analytics/dashboard.ts";
import type { EventsBatch } from "./events.service.ts";
import type { NodeDeps } from "../runtime/deps.ts";

// Worst case ≈ 400 KB a metric with all 171 buckets in use (bench/analytics.ts): about 4 GB at the cap.
const MAX_METRICS = 10_000;
/** Names published per second at most; the rest wait for the next second. */
const PUBLISH_PER_TICK = 1000;
/**
 * Stats are computed, exported and published in slices of ~2 ms, the clock read after every name
 * (one costs ~0.2–0.5 ms): 1,000 names × 6 windows in one turn stalled the node, and ten names
 * without a clock read held each tick behind them for 10–20 ms once a second.
 */
const TURNS = { budgetMs: 2, every: 1 };
type Exported = Record<string, Partial<Record<WindowName, BucketExport[]>>>;

interface Methods {
	record(name: string, value: number, ts?: number): void;
	nodes(): string[];
	gather(names: string[], windows: readonly WindowName[]): Promise<Map<string, Partial<Record<WindowName, WindowStats>>>>;
	publishTick(): Promise<void>;
	publishDashboard(): Promise<void>;
}
interface Vars {
	windows: WindowStore;
	pending: Set<string>;
	timers: NodeJS.Timeout[];
	unsubscribeTicks: () => void;
}

export default function analyticsService(deps: NodeDeps): ServiceSchema<Record<string, never>, Methods, Vars> {
	return {
		name: "analytics",

		actions: {
			/** `{"value","ts"?}` or an array of them, all-or-nothing. */
			recordMetric: {
				params: { name: { type: "string", optional: true }, params: { type: "object", optional: true }, body: { type: "any", optional: true } },
				handler(ctx: Context<{ name?: string; params?: { name?: unknown }; body?: unknown }>): { name: string; accepted: number } {
					// The raw-body route passes path params apart (`params.name`); a direct caller passes `name`.
					const name = ctx.params.name ?? ctx.params.params?.name;
					if (!isMetricName(name)) throw new ValidationError("name: not a metric name", [{ field: "name", message: `must match ${METRIC_NAME_PATTERN}`, type: "stringPattern", actual: name }]);
					const points = checkMetricBody(ctx.params.body, deps.now());
					if (isFieldErrors(points)) {
						this.broker.metrics.increment("rookery.analytics.rejected", { reason: "invalid" });
						throw new ValidationError(`${points[0].field}: ${points[0].message}`, points);
					}
					if (!this.windows.has(name) && this.windows.size >= MAX_METRICS) throw new BusyError(`this node aggregates ${MAX_METRICS} metrics already`, { policy: "refuse-new" });
					for (const p of points) this.record(name, p.value, p.ts);
					return { name, accepted: points.length };
				},
			},

			/** The trailing window ending now, merged over every analytics node. */
			window: {
				params: { name: { type: "string", max: 160 }, window: { type: "string", optional: true } },
				async handler(ctx: Context<{ name: string; window?: string }>): Promise<WindowStats> {
					const window = (ctx.params.window ?? "5m") as WindowName;
					if (!WINDOWS.includes(window)) throw new ValidationError(`window: one of ${WINDOWS.join(", ")}`, [{ field: "window", message: `one of ${WINDOWS.join(", ")}`, type: "enumValue", actual: ctx.params.window }]);
					const stats = (await this.gather([ctx.params.name], [window])).get(ctx.params.name)?.[window];
					if (!stats) throw new NotFoundError(`no metric ${ctx.params.name}`, { name: ctx.params.name });
					return stats;
				},
			},

			/** Names of every metric with a series on some analytics node. */
			listMetrics: {
				async handler(ctx: Context): Promise<{ items: string[] }> {
					const all = await Promise.all(this.nodes().map(nodeID => ctx.call<string[], object>("analytics.localNames", {}, { nodeID }).catch(() => [] as string[])));
					return { items: [...new Set(all.flat())].sort() };
				},
			},

			localNames: {
				visibility: "public",
				handler(): string[] {
					return this.windows.names();
				},
			},

			/** This node's buckets for names × windows (names it never saw are left out). */
			exportBuckets: {
				visibility: "public",
				// `format: "bins"` from callers that read bins; without it (a node from before them) base64 protobuf.
				params: { names: { type: "array", items: "string", max: PUBLISH_PER_TICK }, windows: { type: "array", items: { type: "enum", values: [...WINDOWS] } }, format: { type: "enum", values: ["bins", "proto"], optional: true } },
				async handler(ctx: Context<{ names: string[]; windows: WindowName[]; format?: SketchFormat }>): Promise<Exported> {
					const out: Exported = {};
					const { names, windows, format } = ctx.params;
					await eachInTurns(
						names.length,
						i => {
							if (!this.windows.has(names[i])) return;
							const byWindow: Exported[string] = (out[names[i]] = {});
							for (const w of windows) byWindow[w] = this.windows.export(names[i], w, format) ?? [];
						},
						TURNS,
					);
					return out;
				},
			},

			/** Names updated on another node that this node publishes topic updates for. */
			markDirty: {
				visibility: "public",
				params: { names: { type: "array", items: "string" } },
				handler(ctx: Context<{ names: string[] }>): void {
					for (const n of ctx.params.names) this.pending.add(n);
				},
			},
		},

		events: {
			"events.performance_metric"(ctx: Context<EventsBatch>) {
				for (const e of ctx.params.events) this.record(e.data.metric_name as string, e.data.value as number, e.ts);
			},
			"events.benchmark_completed"(ctx: Context<EventsBatch>) {
				for (const e of ctx.params.events) for (const [name, v] of Object.entries(e.data.metrics as Record<string, number>)) this.record(name, v, e.ts);
			},
			"events.anomaly_detected"(ctx: Context<EventsBatch>) {
				for (const e of ctx.params.events) this.record("anomaly_count", 1, e.ts);
			},
		},

		methods: {
			record(name: string, value: number, ts?: number) {
				const r = this.windows.record(name, value, ts);
				if (r !== "ok") this.broker.metrics.increment("rookery.analytics.dropped", { reason: r === "full" ? "refuse-new" : "late" });
			},
			nodes(): string[] {
				const list = this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{ name: string; nodeID: string }>;
				return [...new Set(list.filter(s => s.name === "analytics").map(s => s.nodeID))].sort();
			},
			async gather(names: string[], windows: readonly WindowName[]) {
				const now = deps.now();
				const out = new Map<string, Partial<Record<WindowName, WindowStats>>>();
				const nodes = this.nodes();
				if (nodes.length <= 1) {
					await eachInTurns(names.length, i => this.windows.has(names[i]) && out.set(names[i], Object.fromEntries(windows.map(w => [w, this.windows.stats(names[i], w)!]))), TURNS);
					return out;
				}
				const parts = await Promise.all(nodes.map(nodeID => this.broker.call<Exported, object>("analytics.exportBuckets", { names, windows, format: "bins" }, { nodeID }).catch(() => ({}) as Exported)));
				await eachInTurns(
					names.length,
					i => {
						const stats = combineExports(names[i], windows, now, parts);
						if (stats) out.set(names[i], stats);
					},
					TURNS,
				);
				return out;
			},
			async publishTick() {
				const nodes = this.nodes();
				const mine: string[] = [];
				const others = new Map<string, string[]>();
				for (const n of this.windows.takeDirty()) {
					const owner = nodes.length <= 1 ? this.broker.nodeID : (rendezvousOwner(n, nodes) ?? this.broker.nodeID);
					if (owner === this.broker.nodeID) mine.push(n);
					else others.set(owner, [...(others.get(owner) ?? []), n]);
				}
				for (const [nodeID, names] of others) void this.broker.call("analytics.markDirty", { names }, { nodeID }).catch(() => {});
				for (const n of mine) this.pending.add(n);
				const batch = [...this.pending].slice(0, PUBLISH_PER_TICK);
				for (const n of batch) this.pending.delete(n);
				if (batch.length === 0) return;
				const gathered = [...(await this.gather(batch, WINDOWS))];
				await eachInTurns(
					gathered.length,
					i => {
						const [name, byWindow] = gathered[i];
						for (const w of WINDOWS) {
							deps.bus.publish(subjects.windows(w, name), { v: 1, ...byWindow[w] });
							// Window alert rules are checked by the one node publishing this name.
							if (byWindow[w]) deps.alerts.observeWindow(byWindow[w] as WindowStats & Record<string, unknown>);
						}
					},
					TURNS,
				);
			},
			async publishDashboard() {
				const nodes = this.nodes();
				if (nodes.length > 1 && rendezvousOwner("dashboard", nodes) !== this.broker.nodeID) return;
				const got = await this.gather([...DASHBOARD_METRICS], ["5m"]);
				deps.bus.publish(
					subjects.dashboard,
					dashboardFigures(n => got.get(n)?.["5m"] ?? null, deps.now()),
				);
			},
		},

		created() {
			this.broker.metrics.register({ type: "counter", name: "rookery.analytics.dropped", labelNames: ["reason"], description: "Metric values not aggregated: late (older than 24 h) or refuse-new (too many metrics)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.analytics.rejected", labelNames: ["reason"], description: "Metric POSTs refused with 422" });
			this.windows = new WindowStore(MAX_METRICS, deps.now);
			this.pending = new Set();
			this.timers = [];
		},

		started() {
			// Ticks feed `price.{SYM}` and `volume.{SYM}`: one node of the queue group takes each tick.
			// Each symbol's two names are made once (as many as the windows hold metrics): a new string
			// per tick, hashed again by each map it is looked up in, was ~1/3 of recording a tick.
			const names = new Map<string, { price: string; volume: string }>();
			this.unsubscribeTicks = deps.bus.subscribe(
				"rookery.ticks.*",
				msg => {
					const t = msg as { symbol?: unknown; price?: unknown; size?: unknown; ts?: unknown };
					if (typeof t.symbol !== "string" || typeof t.price !== "number" || typeof t.size !== "number") return;
					const ts = typeof t.ts === "number" ? t.ts : undefined;
					let n = names.get(t.symbol);
					if (n === undefined) {
						if (names.size >= MAX_METRICS) names.clear();
						names.set(t.symbol, (n = { price: `price.${t.symbol}`, volume: `volume.${t.symbol}` }));
					}
					this.record(n.price, t.price, ts);
					this.record(n.volume, t.size, ts);
				},
				{ queue: "analytics" },
			);
			const every = (ms: number, fn: () => Promise<void>) => this.timers.push(setInterval(() => void fn().catch(err => this.logger.warn("analytics publish failed", err)), ms).unref());
			every(1000, () => this.publishTick());
			every(DASHBOARD_EVERY_MS, () => this.publishDashboard());
			every(3_600_000, async () => void this.windows.evictIdle());
		},

		stopped() {
			this.unsubscribeTicks?.();
			for (const t of this.timers) clearInterval(t);
		},
	};
}
