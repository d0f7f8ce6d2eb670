/**
 * Seed 004's `GET /api/v1/realtime/stats` ("ingestion metrics: events published, errors;
 * calculation metrics; system metrics: memory, worker status"): this node's counters, summed over
 * their labels, plus process memory. Read from the same metrics `/metrics` exports.
 */
import type { MetricSnapshot } from "./prometheus.ts";

/** Stat name → the Rookery metric it sums (counters and gauges). */
export const REALTIME_STAT_METRICS: Record<string, string> = {
	ticks_accepted: "rookery.ingest.accepted",
	ticks_rejected: "rookery.ingest.rejected",
	vendor_messages: "rookery.ingest.messages",
	worker_runs: "rookery.ingest.worker_runs",
	worker_errors: "rookery.ingest.worker_errors",
	buffered_messages: "rookery.ingest.buffer_size",
	ws_clients: "rookery.ws.clients",
	ws_dropped: "rookery.ws.dropped",
	intelligence_requests: "rookery.intelligence.requests",
	agent_calls: "rookery.agents.calls",
};

export interface RealtimeStats {
	node: string;
	uptime_seconds: number;
	/** Sums over labels; 0 for a metric this node has not registered (its service does not run here). */
	counters: Record<string, number>;
	memory: { rss_bytes: number; heap_used_bytes: number };
}

export function realtimeStats(list: MetricSnapshot[], node: string, uptimeSeconds: number, memory: NodeJS.MemoryUsage): RealtimeStats {
	const byName = new Map(list.map(m => [m.name, m]));
	const counters = Object.fromEntries(Object.entries(REALTIME_STAT_METRICS).map(([stat, metric]) => [stat, (byName.get(metric)?.values ?? []).reduce((sum, v) => sum + (typeof v.value === "number" ? v.value : 0), 0)]));
	return { node, uptime_seconds: uptimeSeconds, counters, memory: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed } };
}
