/**
 * The HTTP gateway: REST under /api/v1 and the root (the path tables in lib/routing/routes.ts), its
 * error answers, and the dashboard and docs pages. What it is made of, each in a mixin:
 * moleculer-web and the direct read path (mixins/gateway/gateway-direct.mixin.ts, the one place
 * that knows moleculer-web's internals), who may call and how often (mixins/gateway/auth.mixin.ts,
 * with the API-key admin actions), WebSocket and SSE streaming (mixins/streaming.mixin.ts), the
 * OpenAPI document and the predecessors' streaming reads (mixins/gateway/).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { toHttpError } from "../lib/protocol/errors.ts";
import { RateLimitedError } from "../lib/auth/errors.ts";
import { httpsServerOptions } from "../lib/config/tls.ts";
import { StaticSite } from "../lib/web/static-site.ts";
import { jsonBodyRoute } from "../lib/http/json-body.ts";
import { JsonRefusedError } from "../lib/validation/json.ts";
import { API_ALIASES, RAW_BODY_ALIASES, ROOT_ALIASES, TICKS_ALIASES } from "../lib/routing/routes.ts";
import { SSE_ALIASES, streamingMixin } from "../mixins/streaming.mixin.ts";
import { gatewayAuthMixin } from "../mixins/gateway/auth.mixin.ts";
import { gatewayCompatMixin } from "../mixins/gateway/compat.mixin.ts";
import { gatewayOpenApiMixin } from "../mixins/gateway/openapi.mixin.ts";
import { gatewayDirectMixin, routeToOwner } from "../mixins/gateway/gateway-direct.mixin.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { hopsPair, type Hops } from "../lib/metrics/stages.ts";

/** A request stamped on arrival (lib/metrics/stages.ts): POST /api/v1/ticks while stages are on. */
type StampedReq = IncomingMessage & { $hops?: Hops };
const TICKS_PATH = "/api/v1/ticks";

interface Vars {
	/** The dashboard at `/` and Swagger UI at `/docs` (lib/web/static-site.ts). */
	site: StaticSite;
}
interface Methods {
	servePage(req: IncomingMessage, res: ServerResponse): boolean;
	boundaryFailed(boundary: string, err: unknown): void;
	/** The direct mixin's. */
	forgetQuotes(req: IncomingMessage): void;
}

export default function gatewayService(deps: NodeDeps): ServiceSchema<Record<string, unknown>, Methods, Vars> {
	const { config } = deps;
	const cors = config.http.corsOrigins.length
		? {
				origin: config.http.corsOrigins.includes("*") ? "*" : config.http.corsOrigins,
				methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
				allowedHeaders: ["Authorization", "Content-Type", "X-API-Key", "Last-Event-ID"],
				exposedHeaders: ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"],
				maxAge: 600,
			}
		: undefined;
	const guarded = { authentication: true, authorization: true };
	const requestLogLevel = config.logLevel === "debug" || config.logLevel === "trace" ? "debug" : false;
	return {
		name: "gateway",
		// The streaming, auth, compat and OpenAPI parts, then moleculer-web with its overrides.
		mixins: [streamingMixin(deps), gatewayAuthMixin(deps), gatewayCompatMixin(deps), gatewayOpenApiMixin, gatewayDirectMixin(config, deps.bus, deps.now)] as ServiceSchema[],

		settings: {
			port: config.port,
			ip: config.host,
			// HTTPS when a key and certificate are configured; WS upgrades then arrive as WSS on the same server.
			https: httpsServerOptions(config.tls),
			cors,
			// Per-request logs at info would drown the node's own logs under load. moleculer-web formats
			// (and colours) its request lines before the logger drops them: below debug, none at all.
			logRequest: requestLogLevel,
			logResponse: requestLogLevel,
			logRouteRegistration: "debug",
			log4XXResponses: false,
			logRequestParams: null,
			logResponseData: null,
			routes: [
				{
					path: TICKS_PATH,
					mappingPolicy: "restrict",
					...guarded,
					// The body may be an array; unmerged params keep it intact as `params.body`.
					mergeParams: false,
					// Not strict: a body of `5` or `null` reaches validation and gets a 422 that says why.
					...jsonBodyRoute(config.ingest.maxBodyBytes, false),
					aliases: TICKS_ALIASES,
					// The batch's latency stamps travel with its calls (ingest, then each owner) in their meta.
					onBeforeCall(ctx: { meta: Record<string, unknown> }, _route: unknown, req: StampedReq) {
						if (req.$hops) ctx.meta.hops = hopsPair(req.$hops);
					},
					// The writer's next read through this gateway sees its write. Also when only some symbols were written.
					onAfterCall(this: Pick<Methods, "forgetQuotes">, _ctx: unknown, _route: unknown, req: IncomingMessage, _res: unknown, data: unknown) {
						this.forgetQuotes(req);
						return data;
					},
					onError(this: Pick<Methods, "forgetQuotes"> & { settings: { onError(...a: unknown[]): void } }, req: IncomingMessage, res: ServerResponse, err: unknown) {
						this.forgetQuotes(req);
						this.settings.onError.call(this, req, res, err);
					},
				},
				// Batch bodies (events, metric values, alert rules): kept whole as `params.body`, like ticks,
				// and parsed as every JSON body is (depth limit, no prototype keys): moleculer-web's own
				// parser checked neither, and 5,000 nested arrays in an event overflowed the stack (500).
				...Object.entries(RAW_BODY_ALIASES).map(([path, aliases]) => ({ path, mappingPolicy: "restrict", ...guarded, mergeParams: false, ...jsonBodyRoute(config.ingest.maxBodyBytes, false), aliases })),
				{
					path: "/api/v1",
					mappingPolicy: "restrict",
					...guarded,
					...jsonBodyRoute(config.http.maxBodyBytes),
					onBeforeCall: routeToOwner,
					aliases: { ...API_ALIASES, ...SSE_ALIASES.api },
				},
				{
					path: "/",
					mappingPolicy: "restrict",
					...guarded,
					...jsonBodyRoute(config.http.maxBodyBytes),
					aliases: { ...ROOT_ALIASES, ...SSE_ALIASES.root },
				},
			],
			onError(this: { broker: ServiceBroker; logger: ServiceBroker["logger"] }, _req: IncomingMessage, res: ServerResponse, err: unknown) {
				const { status, body } = toHttpError(err);
				this.broker.metrics.increment("rookery.http.errors", { status: String(status), code: body.error.code });
				if (err instanceof JsonRefusedError) this.broker.metrics.increment("rookery.json.refused", { reason: err.reason, via: "http" });
				// moleculer-web logs errors whose own code is not 4xx; one answered 5xx (a service not
				// found is 404 in Moleculer, 503 here) is logged here, with the names the answer leaves out.
				const code = (err as { code?: unknown }).code;
				if (status >= 500 && typeof code === "number" && code >= 400 && code < 500) this.logger.warn({ err: (err as Error).message, data: (err as { data?: unknown }).data }, "request failed");
				if (res.headersSent) return void res.end();
				if (status === 503) res.setHeader("Retry-After", "1");
				if (err instanceof RateLimitedError) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
				let text: string;
				try {
					text = JSON.stringify(body);
				} catch {
					// Details that cannot be written (nested past the stack, a BigInt): the answer goes without them.
					text = JSON.stringify({ error: { code: body.error.code, message: body.error.message } });
				}
				res.setHeader("Content-Type", "application/json; charset=utf-8");
				res.writeHead(status);
				res.end(text);
			},
		},

		methods: {
			/** The pages need no credentials (they hold no data; their calls carry the caller's own). */
			servePage(req: IncomingMessage, res: ServerResponse) {
				return this.site.serve(req, res, err => this.logger.error({ err: err.message, url: req.url }, "static asset failed"));
			},

			/** A throw caught where it would have crossed a network listener: logged and counted, never thrown on. */
			boundaryFailed(boundary: string, err: unknown) {
				this.broker.metrics.increment("rookery.network.errors", { boundary });
				this.logger.warn({ boundary, err: err instanceof Error ? (err.stack ?? err.message) : typeof err }, "error caught at a network boundary");
			},
		},

		created() {
			this.site = new StaticSite();
			// This node's subscribers (topics, the quote cache) run inside the bus's delivery: counted here.
			if ("onHandlerError" in deps.bus) deps.bus.onHandlerError = err => this.boundaryFailed("bus", err);
			// A tick batch's arrival, before its body is read: the origin of its latency stamps.
			const { stages } = deps;
			const server = (this as unknown as { server?: { prependListener(e: "request", l: (req: StampedReq) => void): void } }).server;
			if (stages.enabled)
				server?.prependListener("request", req => {
					if (req.method === "POST" && req.url?.startsWith(TICKS_PATH)) req.$hops = stages.start();
				});
			const metrics = this.broker.metrics;
			metrics.register({ type: "counter", name: "rookery.http.errors", labelNames: ["status", "code"], description: "REST error responses" });
			metrics.register({
				type: "counter",
				name: "rookery.json.refused",
				labelNames: ["reason", "via"],
				description: "JSON bodies (via=http) and WebSocket frames (via=ws) refused at parse: nested too deep (reason=depth) or a prototype-poisoning key (reason=prototype-key)",
			});
			metrics.register({ type: "counter", name: "rookery.network.errors", labelNames: ["boundary"], description: "Unexpected errors caught at a network boundary (upgrade, ws-message, sse, http, bus) instead of crossing it" });
		},
	};
}
