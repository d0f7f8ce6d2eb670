/** Health and metrics of this node: `/health` (store, transporter, bus) and Prometheus `/metrics`. */
import type { Context, ServiceSchema } from "moleculer";
import { toPrometheusText, type MetricSnapshot } from "../lib/metrics/prometheus-text.ts";
import type { NodeDeps } from "./deps.ts";

export interface HealthReport {
	status: "ok" | "degraded";
	node: string;
	mode: "embedded" | "cluster";
	uptimeSeconds: number;
	checks: Record<string, { ok: boolean; latencyMs?: number; error?: string }>;
}

export default function monitorService(deps: NodeDeps): ServiceSchema {
	const startedAt = deps.now();
	return {
		name: "monitor",

		actions: {
			health: {
				async handler(ctx: Context<unknown, { $statusCode?: number }>): Promise<HealthReport> {
					const checks: HealthReport["checks"] = {};
					try {
						checks.store = { ok: true, latencyMs: Math.round((await deps.store.ping()) * 100) / 100 };
					} catch (err) {
						checks.store = { ok: false, error: (err as Error).message };
					}
					if (deps.config.transporter) {
						const connected = Boolean((this.broker.transit as unknown as { connected?: boolean } | undefined)?.connected);
						checks.transporter = connected ? { ok: true } : { ok: false, error: "not connected" };
					}
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

			metrics: {
				handler(ctx: Context<unknown, { $responseType?: string }>): string {
					ctx.meta.$responseType = "text/plain; version=0.0.4; charset=utf-8";
					const list = this.broker.metrics.list({ includes: ["rookery.**", "moleculer.request.**", "moleculer.transit.**", "process.**", "os.memory.**"] }) as unknown as MetricSnapshot[];
					return toPrometheusText(list, { node: this.broker.nodeID });
				},
			},
		},
	};
}
