/**
 * What `/health` and `/metrics/performance` report beyond the dependency checks: CPU, memory,
 * event-loop delay and disk (lib/metrics/system-stats.ts), agents, caches, streaming connections,
 * background tasks (workers, intelligence streams, actor mailboxes) and delivery backlogs (send
 * queues, mailboxes, the ingest buffer, the alert-delivery streams). Each part that needs another
 * service is asked with a short timeout and is `null` when it cannot answer, so a slow or absent
 * service never makes the probe itself slow.
 */
import type { ServiceBroker } from "moleculer";
import { resourceWarnings, type SystemSampler } from "../lib/metrics/system-stats.ts";
import type { PerformanceHistory } from "../lib/metrics/performance.ts";
import { metricValues } from "./prometheus.ts";
import { requestMetricsOf } from "../middlewares/request-metrics.middleware.ts";
import { cacheStatsOf } from "../middlewares/cache-stats.ts";

const ASK_TIMEOUT_MS = 1500;
/** Answers from other services are reused this long, and waited for at most WAIT_MS per probe. */
const REUSE_MS = 5000;
const WAIT_MS = 200;

const sum = (vs: Array<{ value: number }>) => vs.reduce((a, v) => a + v.value, 0);

const asked = new WeakMap<ServiceBroker, Map<string, { value: unknown; at: number; pending: Promise<unknown> | null }>>();

/**
 * Another service's answer for `/health`, without making the probe slow: a recent answer is
 * reused; otherwise a fresh one is waited for briefly, then the previous one (or null) is used
 * while the call completes in the background for the next probe.
 */
async function ask<T>(broker: ServiceBroker, action: string): Promise<T | null> {
	if (!broker.registry.getActionEndpoints(action)?.hasAvailable()) return null;
	let byAction = asked.get(broker);
	if (!byAction) asked.set(broker, (byAction = new Map()));
	let e = byAction.get(action);
	if (!e) byAction.set(action, (e = { value: null, at: 0, pending: null }));
	const entry = e;
	if (Date.now() - entry.at < REUSE_MS) return entry.value as T | null;
	entry.pending ??= broker
		.call<T, object>(action, {}, { timeout: ASK_TIMEOUT_MS })
		.then(
			v => Object.assign(entry, { value: v, at: Date.now() }),
			() => Object.assign(entry, { value: null, at: Date.now() }),
		)
		.finally(() => (entry.pending = null));
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([entry.pending, new Promise(r => (timer = setTimeout(r, WAIT_MS)))]);
	clearTimeout(timer);
	return entry.value as T | null;
}

/**
 * The NATS client under Moleculer's NATS transporter (nats.js 2.29's NatsConnectionImpl): its status
 * events, whether it is closed, and its protocol handler, whose `connected` is false from the
 * moment the socket closes until a reconnect completes.
 */
interface NatsClient {
	status(): AsyncIterable<{ type: string }>;
	isClosed(): boolean;
	readonly protocol?: { readonly connected?: boolean };
	/** The server's INFO of the current connection; undefined while a new one is being dialled. */
	readonly info?: unknown;
}
const natsLinks = new WeakMap<object, { up: boolean }>();

/**
 * Follow the transporter's NATS connection (call when the node has started, connected). Moleculer
 * 0.15's NATS transporter only logs the client's status, so `transit.connected` stays true while
 * the client is cut off and reconnecting by itself; the client's own `disconnect` and `reconnect`
 * events say whether it can reach NATS now. `status()` yields only events to come, so the link
 * starts from the client's own state when it is hooked: a client Moleculer made anew may have been
 * cut off before the first probe hooks it.
 */
export function watchTransporter(broker: ServiceBroker): void {
	const client = (broker.transit as unknown as { tx?: { client?: unknown } } | undefined)?.tx?.client as NatsClient | null | undefined;
	if (!client || typeof client.status !== "function" || natsLinks.has(client)) return;
	const link = { up: !client.isClosed() && (client.protocol?.connected ?? client.info !== undefined) };
	natsLinks.set(client, link);
	void (async () => {
		for await (const s of client.status()) {
			if (s.type === "disconnect") link.up = false;
			else if (s.type === "reconnect") link.up = true;
		}
	})().catch(() => (link.up = false));
}

/** Whether the transporter can reach the cluster now (readiness: `checks.transporter`). */
export function transporterConnected(broker: ServiceBroker): boolean {
	const transit = broker.transit as unknown as { connected?: boolean; tx?: { client?: unknown } } | undefined;
	if (!transit?.connected) return false;
	const client = transit.tx?.client as NatsClient | null | undefined;
	if (!client || typeof client.status !== "function") return true; // another transporter: Moleculer's flag
	if (client.isClosed()) return false;
	watchTransporter(broker); // a client Moleculer made anew after a full reconnect
	// The protocol handler's own flag where the client has one; else the events since the hook.
	return client.protocol?.connected ?? natsLinks.get(client)!.up;
}

export async function systemReport(sampler: SystemSampler, diskPath: string) {
	const disk = await sampler.disk(diskPath).catch(() => null);
	const s = { cpu: sampler.cpu(), memory: sampler.memory(), loop: sampler.eventLoop(), disk };
	return { system: { ...s.cpu, memory: s.memory, event_loop_delay: s.loop, disk }, warnings: resourceWarnings(s) };
}

/** Everything `/health` shows besides its checks. */
export async function healthDetail(broker: ServiceBroker, sampler: SystemSampler, diskPath: string) {
	const [sys, agents, workers, connections, sendQueue, mailbox, actors, ingestBuffer, alertBacklog] = await Promise.all([
		systemReport(sampler, diskPath),
		ask<{ agents: Record<string, { available: boolean; health_score: number; utilization: number; error_rate: number; breaker_state: string; latency_ms: unknown }>; streams: { owned_here: number } }>(broker, "intelligence.agentsStatus"),
		ask<Array<{ status: string }>>(broker, "config.listWorkers"),
		metricValues(broker, "rookery_ws_connections"),
		metricValues(broker, "rookery_ws_send_queue_messages"),
		metricValues(broker, "rookery_symbol_mailbox_pending"),
		metricValues(broker, "rookery_symbols_active"),
		metricValues(broker, "rookery_ingest_buffer_size"),
		metricValues(broker, "rookery_alerts_delivery_backlog"),
	]);
	const byStatus: Record<string, number> = {};
	for (const w of workers ?? []) byStatus[w.status] = (byStatus[w.status] ?? 0) + 1;
	return {
		...sys,
		agents: agents
			? Object.fromEntries(
					Object.entries(agents.agents).map(([name, a]) => [name, { available: a.available, health_score: a.health_score, utilization: a.utilization, error_rate: a.error_rate, breaker_state: a.breaker_state, latency_ms: a.latency_ms }]),
				)
			: null,
		cache: cacheStatsOf(broker),
		websocket: { connections: sum(connections), by_tier: Object.fromEntries(connections.map(v => [v.labels.tier, v.value])) },
		background: {
			workers: workers ? { total: workers.length, by_status: byStatus } : null,
			intelligence_streams: agents ? agents.streams.owned_here : null,
			symbol_actors: actors.length ? sum(actors) : null,
			deliveries: {
				ws_send_queue_messages: sum(sendQueue),
				actor_mailbox_pending: sum(mailbox),
				ingest_buffer: ingestBuffer.length ? sum(ingestBuffer) : null,
				// The alert-delivery channel's Redis streams (cluster-wide), as this node last measured them.
				alert_delivery_backlog: alertBacklog.length ? Object.fromEntries(alertBacklog.map(v => [v.labels.stream, v.value])) : null,
			},
		},
	};
}

/** Calls the gateway made on behalf of clients (REST and WebSocket), not probes or scrapes. */
export const isClientCall = (l: { caller: string | null; action: string }) => l.caller === "gateway" && !l.action.startsWith("monitor.");

/** A sample for the performance history: request rates since the last one, CPU, memory, loop delay, cache. */
export function samplePerformance(broker: ServiceBroker, sampler: SystemSampler, history: PerformanceHistory, at: number): void {
	const totals = requestMetricsOf(broker)?.totals(isClientCall) ?? { count: 0, sumMs: 0, errors: 0 };
	history.add(at, totals, { cpu_percent: sampler.cpu().cpu_percent, memory_percent: sampler.memory().memory_percent, event_loop_p99_ms: sampler.eventLoop().p99_ms, cache_hit_ratio: cacheStatsOf(broker)?.hit_ratio ?? null });
}

/** `GET /metrics/performance` (seed 000's shape: `current_stats.system.cpu_percent`, `.performance.cache_hit_ratio`, …). */
export async function performanceReport(broker: ServiceBroker, sampler: SystemSampler, history: PerformanceHistory, diskPath: string) {
	const { system, warnings } = await systemReport(sampler, diskPath);
	const totals = requestMetricsOf(broker)?.totals(isClientCall) ?? { count: 0, sumMs: 0, errors: 0 };
	const cache = cacheStatsOf(broker);
	return {
		node: broker.nodeID,
		timestamp: new Date().toISOString(),
		current_stats: {
			system: {
				cpu_percent: system.cpu_percent,
				system_cpu_percent: system.system_cpu_percent,
				cores: system.cores,
				load_average: system.load_average,
				memory_percent: system.memory.memory_percent,
				memory_used_mb: Math.round(system.memory.rss_bytes / 2 ** 20),
				disk_percent: system.disk?.disk_percent ?? null,
				event_loop_delay_p99_ms: system.event_loop_delay.p99_ms,
			},
			performance: {
				// Since the last 10 s sample: a window of 0–10 s, never empty of the latest calls.
				...history.live(Date.now(), totals),
				total_requests: totals.count,
				avg_response_time_ms_since_start: totals.count ? Math.round((totals.sumMs / totals.count) * 1000) / 1000 : 0,
				cache_hit_ratio: cache?.hit_ratio ?? null,
			},
			cache,
		},
		warnings,
		history: history.samples,
	};
}
