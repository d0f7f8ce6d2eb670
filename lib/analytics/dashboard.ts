/**
 * Seed 003's DashboardUpdater figures, from 5-minute windows: competitive parity (avg), anomaly
 * count (sum), API response time (avg) and benchmark success rate (success sum / total sum, 0
 * without benchmarks).
 */
import type { WindowStats } from "./metric-windows.ts";

export const DASHBOARD_METRICS = ["competitive_parity", "anomaly_count", "api_response_time", "benchmark_total", "benchmark_success"] as const;
export const DASHBOARD_EVERY_MS = 5000;

export interface DashboardFigures {
	v: 1;
	ts: number;
	competitive_parity: number | null;
	anomaly_count: number;
	api_response_time: number | null;
	benchmark_success_rate: number;
}

export function dashboardFigures(stats: (name: string) => WindowStats | null, ts: number): DashboardFigures {
	const total = stats("benchmark_total")?.sum ?? 0;
	return {
		v: 1,
		ts,
		competitive_parity: stats("competitive_parity")?.avg ?? null,
		anomaly_count: stats("anomaly_count")?.sum ?? 0,
		api_response_time: stats("api_response_time")?.avg ?? null,
		benchmark_success_rate: total > 0 ? (stats("benchmark_success")?.sum ?? 0) / total : 0,
	};
}
