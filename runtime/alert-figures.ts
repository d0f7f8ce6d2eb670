/**
 * This node's figures for the built-in system rules (lib/alerts/alert-config.ts SYSTEM_FIGURES):
 * CPU, memory and response time from `monitor.performance` (when this node runs monitor), the
 * answer cache's hit ratio (once it has seen 100 lookups), the lowest agent health score, and the growth since the last sample of the data-worker
 * error and WebSocket trouble counters.
 */
import type { ServiceBroker } from "moleculer";
import type { SystemFigure } from "../lib/alerts/alert-config.ts";
import { cacheStatsOf } from "../middlewares/cache-stats.ts";

/** Fewer lookups than this say nothing about the hit ratio (a node just started). */
const MIN_CACHE_LOOKUPS = 100;

type Figures = Partial<Record<SystemFigure, number | null>>;

/** Every value of a metric (all label sets), or none when it is not registered on this node. */
function values(broker: ServiceBroker, name: string): number[] {
	const m = broker.metrics.getMetric(name) as unknown as { values?: Map<string, { value: number }> } | null;
	return m?.values ? [...m.values.values()].map(v => v.value).filter(v => typeof v === "number") : [];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Counters are read as growth between samples: make one reader per service instance. */
export function figureSampler(broker: ServiceBroker): () => Promise<Figures> {
	const last = new Map<string, number>();
	const growth = (name: string): number | null => {
		if (!broker.metrics.getMetric(name)) return null;
		const total = sum(values(broker, name));
		const before = last.get(name);
		last.set(name, total);
		return before === undefined ? null : Math.max(0, total - before);
	};
	// The baseline: growth counts from now (the service's start), not from the first sample.
	const COUNTERS = ["rookery.ingest.worker_errors", "rookery.ws.dropped", "rookery.ws.upgrade_refused"];
	for (const name of COUNTERS) growth(name);
	return async () => {
		const out: Figures = {};
		if (broker.getLocalService("monitor")) {
			const perf = await broker
				.call<{ current_stats: { system: { cpu_percent: number; memory_percent: number }; performance: { avg_response_time_ms: number } } }, object>("monitor.performance", {}, { nodeID: broker.nodeID })
				.catch(() => null);
			if (perf) {
				const { system, performance } = perf.current_stats;
				Object.assign(out, { cpu_percent: system.cpu_percent, memory_percent: system.memory_percent, avg_response_time_ms: performance.avg_response_time_ms });
			}
		}
		const cache = cacheStatsOf(broker);
		out.cache_hit_ratio = cache && cache.lookups >= MIN_CACHE_LOOKUPS ? cache.hit_ratio : null;
		const health = values(broker, "rookery.agents.health");
		out.agent_health_min = health.length > 0 ? Math.min(...health) : null;
		[out.worker_errors, out.ws_dropped, out.ws_upgrade_refused] = COUNTERS.map(growth);
		return out;
	};
}
