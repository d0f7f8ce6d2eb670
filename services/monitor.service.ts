/**
 * Health and metrics of this node: `/health` (store, transporter, with detail), `/health/live`
 * (the process answers: never fails on a dependency, so an orchestrator does not restart a node
 * for Redis being away), `/health/ready` (the same checks as `/health`: 503 takes it out of a load
 * balancer until they pass) and Prometheus `/metrics`.
 */
import type { Context, ServiceSchema } from "moleculer";
import type { MetricSnapshot } from "../lib/metrics/prometheus.ts";
import { realtimeStats, type RealtimeStats } from "../lib/metrics/realtime-stats.ts";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../runtime/prometheus.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { ADMIN_ONLY } from "../lib/auth/authenticator.ts";
import { SystemSampler } from "../lib/metrics/system-stats.ts";
import { PerformanceHistory } from "../lib/metrics/performance.ts";
import { healthDetail, performanceReport, samplePerformance, transporterConnected, watchTransporter } from "../runtime/node-health.ts";
import { twoLevelCacherOf } from "../middlewares/cache-stats.ts";
import { PauseSampler } from "../lib/metrics/pauses.ts";

/** Performance samples: one every 10 s, the last 10 minutes kept (`/metrics/performance` history). */
const SAMPLE_EVERY_MS = 10_000;
const CACHE_CLEARED_EVENT = "cache.cleared";
/** An action's `description` (the OpenAPI summary); Moleculer's ActionSchema type does not declare it. */
const summary = (description: string): object => ({ description });
/** Where `/health` measures free disk: the working directory (logs, snapshots of local tooling). */
const DISK_PATH = process.cwd();

export interface HealthReport {
	/** degraded: a dependency check failed (503); warning: a resource is past its limit (200). */
	status: "ok" | "warning" | "degraded";
	node: string;
	mode: "embedded" | "cluster";
	uptimeSeconds: number;
	checks: Record<string, { ok: boolean; latencyMs?: number; error?: string }>;
	warnings?: string[];
}

export default function monitorService(deps: NodeDeps): ServiceSchema {
	const startedAt = deps.now();
	const sampler = new SystemSampler();
	const history = new PerformanceHistory(60, Date.now());
	let sampling: NodeJS.Timeout | null = null;
	// GC pauses and event-loop delay beside the stage histograms (lib/metrics/pauses.ts), while stages are on.
	let pauses: PauseSampler | null = null;
	return {
		name: "monitor",

		actions: {
			/** The checks of `/health/ready` plus CPU, memory, event loop, disk, agents, cache, connections, background tasks. */
			health: {
				async handler(ctx: Context<unknown, { $statusCode?: number }>) {
					const [r, detail] = await Promise.all([this.report(ctx), healthDetail(this.broker, sampler, DISK_PATH)]);
					const status = r.status === "ok" && detail.warnings.length > 0 ? "warning" : r.status;
					return { ...r, status, ...detail };
				},
			},

			/** Seed 000's `/metrics/performance`: current system and request figures, and the last 10 minutes. */
			performance: {
				...summary("CPU, memory, request rate, response time, error rate and cache hit ratio of this node, with 10 minutes of history (seed 000)"),
				handler() {
					return performanceReport(this.broker, sampler, history, DISK_PATH);
				},
			},

			/** Hit ratio per level, sizes and evictions of this node's two-level cache. */
			cacheStatus: {
				...summary("Hit ratio per level, sizes and evictions of this node's two-level answer cache"),
				handler() {
					const c = twoLevelCacherOf(this.broker);
					return { node: this.broker.nodeID, enabled: Boolean(c), ...(c?.status() ?? {}) };
				},
			},

			/** Empty the cache: the shared L2 once, and every node's L1 (admin). */
			cacheClear: {
				...ADMIN_ONLY,
				...summary("Empty the answer cache: the shared L2 and every node's L1 (admin)"),
				async handler(ctx: Context) {
					const c = twoLevelCacherOf(this.broker);
					const before = c?.status();
					await c?.clean("**");
					await ctx.broadcast(CACHE_CLEARED_EVENT, { by: this.broker.nodeID });
					return { cleared: true, node: this.broker.nodeID, l1_entries_dropped: before?.l1.entries ?? 0 };
				},
			},

			/** This node's per-hop latency histograms of ticks, GC pauses and event-loop delay since the last reset (docs/architecture.md). */
			stages: {
				...summary("Per-hop latency of ticks on this node (stage → cumulative and incremental p50/p90/p99), GC pauses and event-loop delay, since the last reset"),
				handler() {
					return { node: this.broker.nodeID, pid: process.pid, ...deps.stages.snapshot(), ...(pauses?.snapshot() ?? {}) };
				},
			},

			/** Empty this node's stage histograms and start a new GC and loop-delay window (admin; the bench does so after its warm-up). */
			stagesReset: {
				...ADMIN_ONLY,
				...summary("Empty this node's per-hop latency histograms and start a new GC and event-loop delay window (admin)"),
				handler() {
					deps.stages.reset();
					pauses?.reset();
					return { reset: true, node: this.broker.nodeID };
				},
			},

			/** Liveness: answered by a running event loop, whatever the dependencies. */
			live: {
				handler() {
					return { status: "ok", node: this.broker.nodeID, uptimeSeconds: Math.round((deps.now() - startedAt) / 1000) };
				},
			},

			/** Readiness: `/health`'s checks, 503 until every one passes. */
			ready: {
				async handler(ctx: Context<unknown, { $statusCode?: number }>) {
					const r = await this.report(ctx);
					return { status: r.status === "ok" ? "ready" : "not ready", node: r.node, checks: r.checks };
				},
			},

			/** Nodes, the services each runs, and the symbols each owns now (`GET /api/v1/cluster`; admin). */
			cluster: {
				...ADMIN_ONLY,
				async handler(ctx: Context) {
					const services = this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{ name: string; nodeID: string }>;
					const nodes = (this.broker.registry.getNodeList({ onlyAvailable: false, withServices: false }) as Array<{ id: string; available: boolean; hostname?: string; local?: boolean }>).map(n => ({
						id: n.id,
						available: n.available,
						local: Boolean(n.local),
						hostname: n.hostname ?? null,
						services: services
							.filter(s => s.nodeID === n.id)
							.map(s => s.name)
							.sort(),
					}));
					const owned = await Promise.all(
						nodes
							.filter(n => n.available && n.services.includes("symbols"))
							.map(async n => {
								const actors = await ctx.call<Array<{ symbol: string }>, object>("symbols.actors", {}, { nodeID: n.id }).catch(() => null);
								return [n.id, actors ? actors.map(a => a.symbol) : null] as const;
							}),
					);
					const byNode = new Map(owned);
					return {
						node: this.broker.nodeID,
						nodes: nodes.map(n => ({ ...n, symbols: byNode.get(n.id) ?? (n.services.includes("symbols") ? null : []), symbolCount: byNode.get(n.id)?.length ?? null })),
					};
				},
			},

			/** Seed 004's `/api/v1/realtime/stats`: this node's counters and memory (lib/metrics/realtime-stats.ts). */
			stats: {
				handler(): RealtimeStats {
					const list = this.broker.metrics.list({ includes: ["rookery.**"] }) as unknown as MetricSnapshot[];
					return realtimeStats(list, this.broker.nodeID, Math.round((deps.now() - startedAt) / 1000), process.memoryUsage());
				},
			},

			metrics: {
				handler(ctx: Context<unknown, { $responseType?: string }>): Promise<string> {
					ctx.meta.$responseType = PROMETHEUS_CONTENT_TYPE;
					return renderMetrics(this.broker);
				},
			},
		},

		events: {
			/** Another node cleared the shared L2: drop this node's L1 copies too. */
			[CACHE_CLEARED_EVENT]: {
				handler(ctx: Context<{ by: string }>) {
					if (ctx.params.by !== this.broker.nodeID) twoLevelCacherOf(this.broker)?.cleanL1("**");
				},
			},
			/** The transporter (re)connected, maybe with a NATS client made anew: follow that one from now. */
			"$transporter.connected"() {
				watchTransporter(this.broker);
			},
		},

		methods: {
			/** Store and transporter checks; sets 503 on the answer when one fails. */
			async report(ctx: Context<unknown, { $statusCode?: number }>): Promise<HealthReport> {
				const checks: HealthReport["checks"] = {};
				// Every local service started (the broker announces them as each starts, and other nodes
				// route to this one from then: a symbols node owns its share); false from the first moment of a stop.
				checks.node = this.broker.started ? { ok: true } : { ok: false, error: "services starting or stopping" };
				try {
					checks.store = { ok: true, latencyMs: Math.round((await deps.store.ping()) * 100) / 100 };
				} catch (err) {
					checks.store = { ok: false, error: (err as Error).message };
				}
				try {
					checks.kv = { ok: true, latencyMs: Math.round((await deps.kv.ping()) * 100) / 100 };
				} catch (err) {
					checks.kv = { ok: false, error: (err as Error).message };
				}
				if (deps.config.transporter) checks.transporter = transporterConnected(this.broker) ? { ok: true } : { ok: false, error: "not connected" };
				const ok = Object.values(checks).every(c => c.ok);
				if (!ok) ctx.meta.$statusCode = 503;
				return {
					status: ok ? "ok" : "degraded",
					node: this.broker.nodeID,
					mode: deps.config.transporter ? "cluster" : "embedded",
					uptimeSeconds: Math.round((deps.now() - startedAt) / 1000),
					checks,
				};
			},
		},

		started() {
			watchTransporter(this.broker);
			if (deps.stages.enabled) pauses = new PauseSampler();
			sampling = setInterval(() => {
				sampler.roll();
				samplePerformance(this.broker, sampler, history, Date.now());
			}, SAMPLE_EVERY_MS);
			sampling.unref();
		},

		stopped() {
			if (sampling) clearInterval(sampling);
			sampler.stop();
			pauses?.stop();
		},
	};
}
