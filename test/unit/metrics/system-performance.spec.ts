import { expect } from "chai";
import { PerformanceHistory } from "../../../lib/metrics/performance.ts";
import { resourceWarnings, SystemSampler } from "../../../lib/metrics/system-stats.ts";

describe("lib/metrics/performance", () => {
	it("turns request totals into rates per interval, and keeps a bounded history", () => {
		const h = new PerformanceHistory(2, 0);
		const other = { cpu_percent: 1, memory_percent: 2, event_loop_p99_ms: 3, cache_hit_ratio: null };
		expect(h.live(5000, { count: 10, sumMs: 50, errors: 1 })).to.deep.equal({ requests_per_second: 2, avg_response_time_ms: 5, error_rate: 0.1 });
		h.add(10_000, { count: 20, sumMs: 100, errors: 0 }, other);
		const s = h.add(20_000, { count: 30, sumMs: 300, errors: 5 }, other);
		expect(s).to.include({ requests_per_second: 1, avg_response_time_ms: 20, error_rate: 0.5 });
		h.add(30_000, { count: 30, sumMs: 300, errors: 5 }, other);
		expect(h.samples.map(x => x.timestamp)).to.deep.equal([new Date(20_000).toISOString(), new Date(30_000).toISOString()]);
		expect(h.rates).to.deep.equal({ requests_per_second: 0, avg_response_time_ms: 0, error_rate: 0 });
	});
});

describe("lib/metrics/system-stats", () => {
	it("measures CPU, memory, event-loop delay and disk of this process", async () => {
		const s = new SystemSampler();
		const until = performance.now() + 30;
		while (performance.now() < until); // busy: the window has CPU time
		s.roll();
		expect(s.cpu().cpu_percent).to.be.greaterThan(0);
		expect(s.cpu().cores).to.be.at.least(1);
		expect(s.memory().rss_bytes).to.be.greaterThan(0);
		expect(s.eventLoop().p99_ms).to.be.a("number");
		const d = await s.disk(process.cwd());
		expect(d.total_bytes).to.be.greaterThan(d.available_bytes);
		s.stop();
	});

	it("warns about each resource past its limit, naming value and limit", () => {
		const ok = { cpu: { cpu_percent: 10, system_cpu_percent: 10, cores: 2, load_average: [] }, memory: { memory_percent: 50 } as never, disk: { disk_percent: 95 } as never, loop: { p50_ms: 1, p99_ms: 250, max_ms: 300, mean_ms: 2 } };
		expect(resourceWarnings(ok)).to.deep.equal(["disk_percent 95 > 90", "event_loop_delay p99_ms 250 > 200"]);
		expect(resourceWarnings({ ...ok, disk: null, loop: { ...ok.loop, p99_ms: 1 } })).to.deep.equal([]);
	});
});
