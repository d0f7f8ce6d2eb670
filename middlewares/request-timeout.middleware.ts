/**
 * Takes the place of Moleculer's built-in Timeout middleware (moleculer.config.ts lists the
 * built-ins without it), with the same behaviour: the call's timeout is `ctx.options.timeout`, else
 * the action's `timeout`, else the broker's `requestTimeout`; past it the caller gets a
 * RequestTimeoutError (warning logged, `moleculer.request.timeout.total` counted, a stream param
 * told). The built-in races the call against a second promise (Promise.race, then/catch: five
 * promises per call, twice per REST request); here one promise and one timer settle it.
 */
import { Errors, type Context, type Middleware, type ServiceBroker } from "moleculer";
import { Stream } from "node:stream";

type Handler = (ctx: Context) => Promise<unknown>;
interface ActionDef {
	name: string;
	timeout?: number;
	service?: { fullName?: string };
}

const TIMEOUT_METRIC = "moleculer.request.timeout.total";

export function RequestTimeoutMiddleware(): Middleware {
	let broker: ServiceBroker;
	const wrap = (next: Handler, action: ActionDef): Handler => {
		const actionTimeout = action.timeout;
		const service = action.service?.fullName ?? null;
		return function requestTimeout(ctx: Context): Promise<unknown> {
			const opts = ctx.options as { timeout?: number | null };
			if (opts.timeout == null) opts.timeout = actionTimeout != null ? actionTimeout : (broker.options.requestTimeout ?? 0);
			const ms = opts.timeout;
			// Needed for the remaining time of calls this one makes (distributed timeouts).
			if (ms > 0 && !ctx.startHrTime) ctx.startHrTime = process.hrtime();
			const p = next(ctx);
			if (!(ms > 0) || typeof p?.then !== "function") return p;
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					broker.logger.warn(`Request '${action.name}' is timed out.`, { requestID: ctx.requestID, nodeID: ctx.nodeID, timeout: ms });
					if (ctx.params instanceof Stream) ctx.params.emit("moleculer-timeout-middleware", ms);
					broker.metrics.increment(TIMEOUT_METRIC, { service, action: action.name });
					reject(new Errors.RequestTimeoutError({ action: action.name, nodeID: ctx.nodeID } as never));
				}, ms);
				p.then(
					value => {
						clearTimeout(timer);
						resolve(value);
					},
					err => {
						clearTimeout(timer);
						reject(err);
					},
				);
			});
		};
	};
	return {
		name: "RequestTimeout",
		created(b: ServiceBroker) {
			broker = b;
			if (b.isMetricsEnabled()) b.metrics.register({ name: TIMEOUT_METRIC, type: "counter", labelNames: ["service", "action"], description: "Number of timed out requests", rate: true });
		},
		localAction: wrap,
		remoteAction: wrap,
	} as unknown as Middleware;
}
