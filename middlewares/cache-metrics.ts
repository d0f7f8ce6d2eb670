/** The two-level cache's counts per level in `/metrics`, read at scrape time from the cacher's stats. */
import type { ServiceBroker } from "moleculer";
import { Counter, Gauge } from "prom-client";
import type { LevelStats, TwoLevelCacher } from "./two-level-cacher.ts";
import { prometheusRegistryOf } from "../lib/metrics/registry.ts";

export function registerCacheMetrics(broker: ServiceBroker, cacher: TwoLevelCacher): void {
	const registers = [prometheusRegistryOf(broker)];
	const levels = (): Array<["l1" | "l2", LevelStats]> =>
		cacher.redis
			? [
					["l1", cacher.stats.l1],
					["l2", cacher.stats.l2],
				]
			: [["l1", cacher.stats.l1]];
	const counter = (name: string, help: string, field: keyof LevelStats) =>
		new Counter({
			name,
			help,
			labelNames: ["level"],
			registers,
			collect() {
				this.reset();
				for (const [level, s] of levels()) this.inc({ level }, s[field]);
			},
		});
	counter("rookery_cache_hits_total", "Answer-cache lookups found, by level (l1 in-process, l2 Redis)", "hits");
	counter("rookery_cache_misses_total", "Answer-cache lookups not found, by level", "misses");
	counter("rookery_cache_evictions_total", "Entries the L1 LRU dropped to stay within its entry and byte bounds", "evictions");
	counter("rookery_cache_errors_total", "L2 (Redis) operations that failed and counted as misses", "errors");
	new Gauge({
		name: "rookery_cache_entries",
		help: "Entries in this node's L1",
		registers,
		collect() {
			this.set(cacher.l1.size);
		},
	});
	new Gauge({
		name: "rookery_cache_bytes",
		help: "JSON bytes of the entries in this node's L1",
		registers,
		collect() {
			this.set(cacher.l1.calculatedSize);
		},
	});
}
