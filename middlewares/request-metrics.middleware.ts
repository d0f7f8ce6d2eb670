/**
 * Takes the place of Moleculer's built-in Metrics middleware (moleculer.config.ts lists the
 * built-ins without it): the same `moleculer.request.*` series, counted by lib/metrics/
 * request-metrics.ts without per-call label hashing or per-call sample storage. Measured on the
 * REST path it was the largest cost of ours per request (bench/gateway.ts, docs/operations.md).
 * `/metrics` reads the series through `requestMetricsOf(broker)`.
 */
import { ServiceBroker, type Context, type Middleware } from "moleculer";
import { RequestMetrics } from "../lib/metrics/request-metrics.ts";

const byBroker = new WeakMap<ServiceBroker, RequestMetrics>();

/** The request series of a broker that runs this middleware, else null. */
export const requestMetricsOf = (broker: ServiceBroker): RequestMetrics | null => byBroker.get(broker) ?? null;

type Handler = (ctx: Context) => Promise<unknown>;
interface ActionDef {
	name: string;
	service?: { fullName?: string };
}

function wrap(metrics: RequestMetrics, type: "local" | "remote", action: ActionDef, next: Handler): Handler {
	const seriesOf = metrics.forAction(action.service?.fullName ?? null, action.name, type);
	return function requestMetrics(ctx: Context): Promise<unknown> {
		const s = seriesOf(ctx.caller ?? null);
		if (!s) return next(ctx);
		s.started();
		const t0 = performance.now();
		return next(ctx).then(
			res => {
				const t = performance.now();
				s.finished(t - t0, t);
				return res;
			},
			err => {
				const t = performance.now();
				s.finished(t - t0, t);
				s.failed(err);
				throw err;
			},
		);
	};
}

export function RequestMetricsMiddleware(): Middleware {
	const metrics = new RequestMetrics();
	return {
		name: "RequestMetrics",
		created(broker: ServiceBroker) {
			byBroker.set(broker, metrics);
		},
		localAction(next: Handler, action: ActionDef) {
			return wrap(metrics, "local", action, next);
		},
		remoteAction(next: Handler, action: ActionDef) {
			return wrap(metrics, "remote", action, next);
		},
	} as unknown as Middleware;
}
