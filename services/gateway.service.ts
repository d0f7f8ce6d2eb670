/**
 * The HTTP gateway: REST under /api/v1 and the root (paths in runtime/routes.ts), SSE, the
 * WebSocket endpoint /ws and the predecessor WS paths (the `ws` package on the HTTP server's
 * upgrade event), OpenAPI and a docs page. Auth, tiers, rate limits, streaming and OpenAPI logic
 * live in lib/ (auth, ratelimit, streaming, openapi); this service wires them to moleculer-web.
 * Updates reach clients through the node's bus, so any gateway serves any topic wherever its
 * owner runs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { WebSocketServer, type WebSocket } from "ws";
import { NotFoundError, toHttpError, UnavailableError, ValidationError } from "../lib/protocol/errors.ts";
import { WsClose } from "../lib/protocol/ws-codes.ts";
import { parseTopic, toTickMessage, type TickMessage, type Topic } from "../lib/protocol/wire.ts";
import { normalizeSymbol, symbolRule, type Tick } from "../lib/protocol/tick.ts";
import { PAGE_PARAMS, pageOf, type PageRequest } from "../lib/protocol/page.ts";
import { TopicHub } from "../lib/streaming/topic-hub.ts";
import { resolveAlertTopic } from "../lib/alerts/topics.ts";
import { ClientSession, type ReplayPage, type SessionAuth, type Snapshot } from "../lib/streaming/client-session.ts";
import { SNAPSHOT_SOURCES } from "../lib/streaming/snapshot-sources.ts";
import { channelToTopic, selectionToTopics, topicsForWsPath, topicToChannel, wsDialectFor } from "../lib/streaming/compat.ts";
import { parseLastEventId, SseSocket } from "../lib/streaming/sse.ts";
import { ADMIN_ONLY, Authenticator, type Principal } from "../lib/auth/authenticator.ts";
import { ApiKeyStore } from "../lib/auth/api-keys.ts";
import { redactTarget } from "../lib/config/redact.ts";
import { RateLimitedError, UnauthorizedError } from "../lib/auth/errors.ts";
import { sessionPolicy, TIER_NAMES } from "../lib/auth/tiers.ts";
import { registerGatewayMetrics } from "../runtime/gateway-metrics.ts";
import { MemoryRateLimiter, type RateLimiter, type TakeResult } from "../lib/ratelimit/token-bucket.ts";
import { RedisRateLimiter } from "../lib/ratelimit/redis-rate-limiter.ts";
import { RedisKv } from "../lib/kv/index.ts";
import { httpsServerOptions } from "../lib/config/tls.ts";
import { volatilityOfPrices } from "../lib/workers/quote-volatility.ts";
import { messageKeys, type StreamMessage } from "../lib/workers/stream-message.ts";
import { buildOpenApi, type ActionInfo, type ExtraPath } from "../lib/openapi/openapi.ts";
import { StaticSite } from "../lib/web/static-site.ts";
import type { NodeDeps } from "../runtime/deps.ts";
import { API_ALIASES, RAW_BODY_ALIASES, ROOT_ALIASES } from "../runtime/routes.ts";
import { AliasResolver, type resolveAliasByPrefix } from "../lib/routing/alias-prefix.ts";
import { answerOptions, answerQuote, answerRead, serveDirectRead } from "../runtime/gateway-direct.ts";
import { QuoteCache } from "../lib/streaming/quote-cache.ts";
import { originAllowed } from "../lib/http/origin.ts";
import { jsonBodyRoute } from "../lib/http/json-body.ts";
import { JsonRefusedError } from "../lib/validation/json.ts";
import { ownerEndpoint } from "../middlewares/rendezvous.strategy.ts";

type Req = IncomingMessage & { $principal?: Principal; $params?: Record<string, unknown>; $endpoint?: unknown; $action?: { name?: string; role?: unknown }; $ctx?: Context<unknown, { user?: Principal }> };

interface Vars {
	wss: WebSocketServer;
	hub: TopicHub;
	auth: Authenticator;
	keys: ApiKeyStore;
	limiter: RateLimiter;
	/** Every open streaming connection (WS and SSE) and what to do to close it on shutdown. */
	sessions: Map<ClientSession, { close(): void }>;
	heartbeat: NodeJS.Timeout | null;
	server: import("node:http").Server;
	/** Latest quotes answered at this gateway (lib/streaming/quote-cache.ts); null when off. */
	quotes: QuoteCache | null;
	quoteStatsTimer: NodeJS.Timeout | null;
	/** moleculer-web's alias table, in its matching order. */
	aliases: Parameters<typeof resolveAliasByPrefix>[0];
	aliasResolver: AliasResolver<Parameters<typeof resolveAliasByPrefix>[0][number]>;
	/** The dashboard at `/` and Swagger UI at `/docs` (lib/web/static-site.ts). */
	site: StaticSite;
}
interface Methods {
	onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	boundaryFailed(boundary: string, err: unknown): void;
	openSession(socket: ConstructorParameters<typeof ClientSession>[0], principal: Principal | null, init: { topics: string[]; since?: Record<string, number> }): ClientSession;
	snapshotOf(topic: Topic): Promise<Snapshot | null>;
	replay(topic: Topic, fromSeq: number, limit: number): Promise<ReplayPage | null>;
	sessionAuth(p: Principal): SessionAuth;
	rateLimit(p: Principal, req: IncomingMessage, res: ServerResponse): void | Promise<void>;
	admitCaller(p: Principal, req: IncomingMessage, res: ServerResponse): Principal | Promise<Principal>;
	refuseCaller(err: unknown, open: boolean): Principal;
	applyRateLimit(p: Principal, r: TakeResult, res: ServerResponse): void;
	rateLimiterFailed(err: unknown): void;
	streamSse(req: Req, res: ServerResponse, topics: string[]): void;
	resolveAlias(url: string, method?: string): ReturnType<typeof resolveAliasByPrefix>;
	httpHandler(req: IncomingMessage, res: ServerResponse, next?: unknown): unknown;
	authenticateFirst(req: Req, res: ServerResponse): Promise<boolean>;
	errorHandler(req: IncomingMessage, res: ServerResponse, err: unknown): void;
	serveDirectRead(req: IncomingMessage, res: ServerResponse): boolean;
	answerRead: typeof answerRead;
	answerQuote: typeof answerQuote;
	answerOptions(req: IncomingMessage, res: ServerResponse): void;
}

/** moleculer-web's own request handler, for what serveDirectRead leaves to it. */
const moleculerWebHandler = (ApiGateway as unknown as { methods: { httpHandler(this: unknown, req: IncomingMessage, res: ServerResponse, next?: unknown): unknown } }).methods.httpHandler;
const moleculerWebLog = (ApiGateway as unknown as { methods: Record<"logRequest" | "logResponse", (this: unknown, ...a: unknown[]) => void> }).methods;
/** The request as moleculer-web's log lines read it, its URL's credentials masked. */
const withMaskedUrl = (req: Req): Req => Object.create(req, { originalUrl: { value: redactTarget(String((req as { originalUrl?: string }).originalUrl ?? req.url ?? "")) } }) as Req;

/** REST calls that are not rate limited: health probes and metrics scrapes. */
const UNLIMITED_ACTIONS = new Set(["monitor.health", "monitor.live", "monitor.ready", "monitor.metrics"]);
/** Answered without credentials even when auth is configured: load-balancer and orchestrator probes. */
const OPEN_ACTIONS = new Set(["monitor.health", "monitor.live", "monitor.ready"]);

/**
 * moleculer-web picks the action's endpoint before it merges the path parameters, so on a node
 * without `symbols` the Rendezvous strategy would not see `symbol` and pick any node. Pick it again
 * with the full parameters, by the one owner routing (`ownerEndpoint`). (On a node with `symbols`
 * the call runs locally and the OwnerForward middleware takes it to the owner.)
 */
function routeToOwner(this: { broker: ServiceBroker }, _ctx: unknown, _route: unknown, req: Req, _res: unknown, alias: { action?: string }): void {
	// A local endpoint was picked (preferLocal): the same pick again would give it again.
	if (!alias.action || typeof req.$params?.symbol !== "string" || (req.$endpoint as { local?: boolean } | undefined)?.local) return;
	const ep = ownerEndpoint(this.broker, alias.action, req.$params);
	if (ep) req.$endpoint = ep as never;
}

/** A caller without credentials at the free tier: health probes, and WS clients until they send `auth`. */
/** Error codes of refused WebSocket upgrades, by HTTP status (lib/protocol/errors.ts, lib/auth/errors.ts). */
const UPGRADE_REFUSAL_CODES: Record<string, string> = { "400": "BAD_REQUEST", "401": "UNAUTHORIZED", "403": "FORBIDDEN", "404": "NOT_FOUND", "422": "VALIDATION_ERROR", "503": "SERVICE_UNAVAILABLE" };

const anonymousFree = (): Principal => ({ sub: null, tier: "free", roles: [], via: "anonymous", expiresAt: null, dev: false });

/** Drops the cached quotes of the symbols in a POST /api/v1/ticks body (one tick or an array). */
function forgetQuotesOf(quotes: QuoteCache | null, req: Req): void {
	const body = (req.$params as { body?: unknown } | undefined)?.body;
	if (!quotes || body == null) return;
	for (const t of Array.isArray(body) ? body : [body]) {
		const symbol = (t as { symbol?: unknown } | null)?.symbol;
		const normal = normalizeSymbol(symbol);
		if (normal !== null) quotes.invalidate(normal);
	}
}

/** Rethrows `err` with the message a client may see (as REST would answer it: no node or action names). */
function publicError(err: unknown): never {
	throw new Error(toHttpError(err).body.error.message);
}

/** Shared by every request without a query string; only read. */
const NO_QUERY = new URLSearchParams();
const queryOf = (req: IncomingMessage) => {
	const url = req.url ?? "";
	const q = url.indexOf("?");
	return q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
};

/** Endpoints that are not actions, for the OpenAPI document. */
const STREAM_PATHS: ExtraPath[] = [
	{
		method: "GET",
		path: "/api/v1/stream",
		summary: "Server-Sent Events: snapshot then updates of the topics; id = topic/seq list; resume with Last-Event-ID",
		responseType: "text/event-stream",
		parameters: [
			{ name: "topics", in: "query", required: true, schema: { type: "string" }, description: "comma-separated topics, e.g. ticks:AAPL,bars:1m:AAPL" },
			{ name: "Last-Event-ID", in: "header", schema: { type: "string" }, description: "the last event id received: resume from there" },
		],
	},
	{
		method: "POST",
		path: "/streaming/subscribe/sse",
		summary: "Predecessor SSE form: {channels, data_types, symbols}",
		responseType: "text/event-stream",
		requestBody: { type: "object", properties: { channels: { type: "array", items: { type: "string" } }, data_types: { type: "array", items: { type: "string" } }, symbols: { type: "array", items: { type: "string" } } } },
	},
];

export default function gatewayService(deps: NodeDeps): ServiceSchema<Record<string, unknown>, Methods, Vars> {
	const { config, store } = deps;
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
		mixins: [ApiGateway as unknown as ServiceSchema],

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
					path: "/api/v1/ticks",
					mappingPolicy: "restrict",
					...guarded,
					// The body may be an array; unmerged params keep it intact as `params.body`.
					mergeParams: false,
					// Not strict: a body of `5` or `null` reaches validation and gets a 422 that says why.
					...jsonBodyRoute(config.ingest.maxBodyBytes, false),
					aliases: { "POST /": "ingest.ticks" },
					// The writer's next read through this gateway sees its write, even before the tick
					// comes back over the bus (cluster mode). Also when only some symbols were written.
					onAfterCall(this: { quotes: QuoteCache | null }, _ctx: unknown, _route: unknown, req: Req, _res: unknown, data: unknown) {
						forgetQuotesOf(this.quotes, req);
						return data;
					},
					onError(this: { quotes: QuoteCache | null; settings: { onError(...a: unknown[]): void } }, req: Req, res: ServerResponse, err: unknown) {
						forgetQuotesOf(this.quotes, req);
						this.settings.onError.call(this, req, res, err);
					},
				},
				// Batch bodies (events, metric values): kept whole as `params.body`, like ticks.
				...Object.entries(RAW_BODY_ALIASES).map(([path, aliases]) => ({ path, mappingPolicy: "restrict", ...guarded, mergeParams: false, bodyParsers: { json: { limit: config.ingest.maxBodyBytes, strict: false } }, aliases })),
				{
					path: "/api/v1",
					mappingPolicy: "restrict",
					...guarded,
					...jsonBodyRoute(config.http.maxBodyBytes),
					onBeforeCall: routeToOwner,
					aliases: {
						...API_ALIASES,
						"GET stream"(this: { streamSse: Methods["streamSse"] }, req: Req, res: ServerResponse) {
							const topics = (queryOf(req).get("topics") ?? "").split(",").map(s => s.trim()).filter(Boolean);
							this.streamSse(req, res, topics);
						},
					},
				},
				{
					path: "/",
					mappingPolicy: "restrict",
					...guarded,
					...jsonBodyRoute(config.http.maxBodyBytes),
					aliases: {
						...ROOT_ALIASES,
						"POST streaming/subscribe/sse"(this: { streamSse: Methods["streamSse"] }, req: Req & { body?: unknown }, res: ServerResponse) {
							let topics: string[];
							try {
								const body = req.body;
								if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("body must be an object {channels, data_types, symbols}");
								topics = selectionToTopics(body);
							} catch (err) {
								throw new ValidationError((err as Error).message, [{ field: "channels", message: (err as Error).message }]);
							}
							this.streamSse(req, res, topics);
						},
					},
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

		actions: {
			/** Predecessor `GET /streaming/channels`: a channel per symbol with data. */
			channels: {
				params: {},
				async handler() {
					const symbols = await store.listSymbols();
					return { channels: symbols.sort().map(s => topicToChannel(`ticks:${s}`)) };
				},
			},

			/** Predecessor `GET /streaming/latest/{channel}`: the channel's current value. */
			channelLatest: {
				params: { channel: { type: "string", min: 1, max: 200 } },
				async handler(ctx: Context<{ channel: string }>) {
					const name = channelToTopic(ctx.params.channel);
					const topic = name ? parseTopic(name) : null;
					if (!topic) throw new ValidationError(`unknown channel '${ctx.params.channel}'`, [{ field: "channel", message: "expected stream:{market_data|news|fundamentals|analytics|insider_data}:{SYMBOL}", actual: ctx.params.channel }]);
					const snap = await this.snapshotOf(topic);
					if (!snap) throw new NotFoundError(`no data on ${ctx.params.channel}`, { channel: ctx.params.channel });
					return snap.data;
				},
			},

			/** Predecessor `GET /api/v1/streaming/pairs`. */
			pairs: {
				params: {},
				async handler() {
					return { pairs: (await store.listSymbols()).sort() };
				},
			},

			/**
			 * Predecessor `GET /api/v1/streaming/{pair}/latest`: the latest tick with seed 001's fields
			 * over the last `workers.volatilityWindow` ticks, and `implied_vol` when the symbol's latest
			 * vendor quote carries one (null otherwise). The GARCH fit is cached by symbol and seq (pairVolatility).
			 */
			pairLatest: {
				params: { symbol: symbolRule() },
				async handler(ctx: Context<{ symbol: string }>) {
					const { symbol } = ctx.params;
					const [latest, quote] = await Promise.all([
						ctx.call<TickMessage, object>("symbols.latest", { symbol }),
						deps.kv.get<StreamMessage>(messageKeys.latest("market_data", symbol)).catch(() => null),
					]);
					const vol = await this.actions.pairVolatility({ symbol, seq: latest.seq, bid: latest.bid ?? null, ask: latest.ask ?? null }, { parentCtx: ctx });
					const iv = quote?.data.implied_vol;
					return { ...latest, ...(vol as object), implied_vol: typeof iv === "number" ? iv : null };
				},
			},

			/**
			 * Seed 001's volatility fields over the `workers.volatilityWindow` ticks up to `seq`: a function of
			 * (symbol, seq) alone, so cached under that key for the `metrics` TTL and never stale after a tick.
			 */
			pairVolatility: {
				visibility: "protected",
				cache: { keys: ["symbol", "seq"], ttl: config.cache.ttlSeconds.metrics },
				async handler(ctx: Context<{ symbol: string; seq: number; bid: number | null; ask: number | null }>) {
					const { symbol, seq, bid, ask } = ctx.params;
					const window = config.workers.volatilityWindow;
					const entries = (await store.range(symbol, Math.max(1, seq - window), window + 1)).filter(e => e.seq <= seq);
					return volatilityOfPrices(entries.map(e => (e.data as Tick).price), bid, ask);
				},
			},

			/** Predecessor `GET /api/v1/streaming/{pair}/history?count=`: the newest `count` ticks, oldest first. */
			pairHistory: {
				params: { symbol: symbolRule(), count: { type: "number", integer: true, min: 1, max: 1000, convert: true, optional: true } },
				async handler(ctx: Context<{ symbol: string; count?: number }>) {
					const entries = await store.tail(ctx.params.symbol, ctx.params.count ?? 100);
					if (entries.length === 0) throw new NotFoundError(`unknown symbol ${ctx.params.symbol}`, { symbol: ctx.params.symbol });
					return { pair: ctx.params.symbol, items: entries.map(e => toTickMessage({ ...(e.data as Tick), seq: e.seq })) };
				},
			},

			createApiKey: {
				...ADMIN_ONLY,
				params: { name: { type: "string", min: 1, max: 100 }, tier: { type: "enum", values: [...TIER_NAMES] }, roles: { type: "array", items: { type: "enum", values: ["admin"] }, optional: true, max: 10 } },
				async handler(ctx: Context<{ name: string; tier: (typeof TIER_NAMES)[number]; roles?: string[] }>) {
					return this.keys.create({ name: ctx.params.name, tier: ctx.params.tier, roles: ctx.params.roles ?? [] });
				},
			},

			/** Oldest first, a page at a time (`{items, total, limit, offset}`). */
			listApiKeys: {
				...ADMIN_ONLY,
				params: { ...PAGE_PARAMS },
				async handler(ctx: Context<PageRequest>) {
					return pageOf(await this.keys.list(), ctx.params);
				},
			},

			revokeApiKey: {
				...ADMIN_ONLY,
				params: { id: { type: "string", pattern: /^[0-9a-f]{16}$/ } },
				async handler(ctx: Context<{ id: string }>) {
					if (!(await this.keys.revoke(ctx.params.id))) throw new NotFoundError(`no API key ${ctx.params.id}`, { id: ctx.params.id });
					return { id: ctx.params.id, revoked: true };
				},
			},

			/** The OpenAPI 3.1 document, from the route tables and the actions' params. */
			openapi: {
				params: {},
				handler() {
					const actions = new Map<string, ActionInfo>();
					const list = this.broker.registry.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false }) as Array<{ name: string; action?: ActionInfo & { params?: Record<string, unknown> } }>;
					for (const a of list) if (a.action) actions.set(a.name, { name: a.name, params: a.action.params, role: typeof a.action.role === "string" ? a.action.role : undefined, description: a.action.description, openapi: a.action.openapi });
					return buildOpenApi({
						title: "Rookery",
						version: "1",
						tables: [
							{ prefix: "/api/v1/ticks", aliases: { "POST /": "ingest.ticks" } },
							...Object.entries(RAW_BODY_ALIASES).map(([prefix, aliases]) => ({ prefix, aliases })),
							{ prefix: "/api/v1", aliases: API_ALIASES },
							{ prefix: "", aliases: ROOT_ALIASES },
						],
						actions,
						extra: STREAM_PATHS,
					});
				},
			},
		},

		methods: {
			/**
			 * Overrides moleculer-web's: same alias, without a regexp per alias ahead of it, and repeated
			 * URLs remembered (lib/routing/alias-prefix.ts). HEAD is answered by the GET alias (moleculer-web
			 * leaves the body out); no method (an OPTIONS without Access-Control-Request-Method) is no alias.
			 */
			resolveAlias(url: string, method?: string) {
				if (!method) return false;
				return this.aliasResolver.resolve(this.aliases, url, method === "HEAD" ? "GET" : method);
			},

			/**
			 * Overrides moleculer-web's: REST reads take the direct path (./gateway-direct.ts), the rest
			 * moleculer-web's; a request with a body is authenticated before the body is read.
			 */
			httpHandler(req: IncomingMessage, res: ServerResponse, next?: unknown) {
				try {
					// The pages need no credentials (they hold no data; their calls carry the caller's own).
					if (!next && this.site.serve(req, res, err => this.logger.error({ err: err.message, url: req.url }, "static asset failed"))) return;
					// Only CORS preflights are moleculer-web's (with CORS on); any other OPTIONS is answered here.
					if (req.method === "OPTIONS" && !(cors && req.headers["access-control-request-method"])) return this.answerOptions(req, res);
					if (config.http.directReads && !next && this.serveDirectRead(req as never, res as never)) return;
				} catch (err) {
					this.boundaryFailed("http", err);
					return this.errorHandler(req, res, err);
				}
				if (!next && (req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0")) {
					return this.authenticateFirst(req, res)
						.then(ok => ok && moleculerWebHandler.call(this, req, res))
						.catch(err => this.boundaryFailed("http", err));
				}
				return moleculerWebHandler.call(this, req, res, next);
			},

			/**
			 * moleculer-web reads and parses a body before the route authenticates: a caller without
			 * valid credentials would have a body of up to the limit read for nothing. They are checked
			 * first; the principal is kept for the route's authentication (which still applies the rate
			 * limit). A refusal closes the connection rather than read the body to reuse it.
			 */
			async authenticateFirst(req: Req, res: ServerResponse): Promise<boolean> {
				try {
					req.$principal = await this.auth.resolve({ headers: req.headers, query: queryOf(req) }, req.socket.remoteAddress);
					return true;
				} catch (err) {
					// Not a refusal (the key store is away): the route's own authentication answers.
					if (!(err instanceof UnauthorizedError)) return true;
					res.setHeader("Connection", "close");
					this.errorHandler(req, res, err);
					return false;
				}
			},
			serveDirectRead: serveDirectRead as unknown as Methods["serveDirectRead"],
			answerRead,
			answerQuote,
			answerOptions: answerOptions as unknown as Methods["answerOptions"],

			/**
			 * REST: who is calling (→ ctx.meta.user), and their rate limit. Synchronous when it can be
			 * (no credentials and the in-memory limiter): anonymous reads then need no promise here.
			 */
			authenticate(_ctx: Context, _route: unknown, req: Req, res: ServerResponse): Principal | Promise<Principal> {
				const action = req.$action?.name ?? "";
				const open = OPEN_ACTIONS.has(action);
				const limited = !open && !UNLIMITED_ACTIONS.has(action);
				// Checked before the body was read (authenticateFirst).
				if (req.$principal) return limited ? this.admitCaller(req.$principal, req, res) : req.$principal;
				const address = req.socket.remoteAddress;
				// No closures on the synchronous path: it runs for every anonymous read.
				let token: string | null;
				let principal: Principal | null = null;
				try {
					token = this.auth.credentialOf({ headers: req.headers, query: queryOf(req) });
					if (!token) principal = this.auth.anonymousNow(address);
				} catch (err) {
					return this.refuseCaller(err, open);
				}
				if (principal) return limited ? this.admitCaller(principal, req, res) : principal;
				return (token ? this.auth.authenticate(token) : this.auth.anonymous(address)).then(
					p => (limited ? this.admitCaller(p, req, res) : p),
					err => this.refuseCaller(err, open),
				);
			},

			/** The caller's rate limit (X-RateLimit-* headers; RateLimitedError when spent). */
			admitCaller(p: Principal, req: Req, res: ServerResponse): Principal | Promise<Principal> {
				const limited = this.rateLimit(p, req, res);
				return limited ? limited.then(() => p) : p;
			},

			/** Credentials refused: health probes carry none and are answered anyway (not rate limited). */
			refuseCaller(err: unknown, open: boolean): Principal {
				if (open && err instanceof UnauthorizedError) return anonymousFree();
				throw err;
			},

			/** REST: actions marked `role: "admin"` need the admin role; ctx.meta.auth for actions. */
			authorize(ctx: Context<unknown, { user?: Principal; auth?: unknown }>, _route: unknown, req: Req) {
				const p = ctx.meta.user as Principal;
				if (req.$action) Authenticator.authorize(p, req.$action);
				ctx.meta.auth = { sub: p.sub, tier: p.tier, roles: p.roles, via: p.via, dev: p.dev };
			},

			/** Synchronous with the in-memory limiter; a promise with Redis. */
			rateLimit(p: Principal, req: IncomingMessage, res: ServerResponse): void | Promise<void> {
				const key = p.sub ?? `ip:${req.socket.remoteAddress ?? "unknown"}`;
				let taken: TakeResult | Promise<TakeResult>;
				try {
					taken = this.limiter.take(`${p.tier}:${key}`, config.auth.tiers[p.tier]);
				} catch (err) {
					return this.rateLimiterFailed(err);
				}
				if (taken instanceof Promise) return taken.then(r => this.applyRateLimit(p, r, res), err => this.rateLimiterFailed(err));
				this.applyRateLimit(p, taken, res);
			},

			rateLimiterFailed(err: unknown) {
				// Redis away: serve rather than refuse everyone; counted so it is seen.
				this.broker.metrics.increment("rookery.ratelimit.errors", {});
				this.logger.debug({ err: (err as Error).message }, "rate limiter unavailable; request let through");
			},

			/** The X-RateLimit-* headers, and 429 when the bucket was empty. */
			applyRateLimit(p: Principal, r: TakeResult, res: ServerResponse) {
				const tier = config.auth.tiers[p.tier];
				if (tier.ratePerSecond > 0) {
					res.setHeader("X-RateLimit-Limit", String(r.limit));
					res.setHeader("X-RateLimit-Remaining", String(r.remaining));
					res.setHeader("X-RateLimit-Reset", String(Math.ceil(r.resetMs / 1000)));
				}
				if (!r.allowed) {
					this.broker.metrics.increment("rookery.ratelimit.refused", { tier: p.tier });
					throw new RateLimitedError(r.retryAfterMs, r.limit);
				}
			},

			/** Overrides moleculer-web's request log lines: a `?token=`/`?api_key=` in the URL is masked (lib/config/redact.ts). */
			logRequest(req: Req) {
				if (this.settings.logRequest) moleculerWebLog.logRequest.call(this, withMaskedUrl(req));
			},
			logResponse(req: Req, res: ServerResponse, data: unknown) {
				if (this.settings.logResponse) moleculerWebLog.logResponse.call(this, withMaskedUrl(req), res, data);
			},

			sessionAuth(p: Principal): SessionAuth {
				return { policy: sessionPolicy(p.tier, config.auth.tiers[p.tier]), sub: p.sub, roles: p.roles };
			},

			async snapshotOf(topic: Topic): Promise<Snapshot | null> {
				const src = SNAPSHOT_SOURCES[topic.kind];
				if (!src) return null;
				try {
					return src.toSnapshot(await this.broker.call(src.action, src.params(topic)));
				} catch (err) {
					// No node serves this kind's current value (yet): live updates only.
					if ((err as { type?: string }).type === "SERVICE_NOT_FOUND") return null;
					throw err;
				}
			},

			async replay(topic: Topic, fromSeq: number, limit: number): Promise<ReplayPage | null> {
				if (topic.kind !== "ticks") return null;
				const [entries, lastSeq] = await Promise.all([store.range(topic.symbol, fromSeq, limit), store.lastSeq(topic.symbol)]);
				return { entries: entries.map(e => ({ seq: e.seq, data: toTickMessage({ ...(e.data as Tick), seq: e.seq }) })), lastSeq };
			},

			/** A streaming session (WS or SSE) for `principal`; null principal = must send `auth` first. */
			openSession(socket, principal, init) {
				const metrics = this.broker.metrics;
				const anon = this.sessionAuth(principal ?? anonymousFree());
				let expiry: NodeJS.Timeout | null = null;
				const expireAt = (p: Principal) => {
					if (expiry) clearTimeout(expiry);
					if (p.expiresAt === null) return;
					// A connection lives no longer than its token.
					expiry = setTimeout(() => socket.close(WsClose.UNAUTHORIZED, "token expired"), Math.max(0, p.expiresAt - deps.now()));
					expiry.unref();
				};
				if (principal) expireAt(principal);
				// Alert topics resolve against whoever the connection is now (lib/alerts/topics.ts).
				let caller: Principal = principal ?? anonymousFree();
				const session: ClientSession = new ClientSession(socket, this.hub, {
					resolveTopic: topic => resolveAlertTopic(topic, caller),
					policy: anon.policy,
					authRequired: principal === null,
					socketHighWater: config.ws.maxBufferedBytes,
					maxPendingPerTopic: 1000,
					maxReplay: config.ws.maxReplay,
					initialTopics: init.topics,
					initialSince: init.since,
					snapshot: topic => this.snapshotOf(topic).catch(publicError),
					replay: (topic, from, limit) => this.replay(topic, from, limit).catch(publicError),
					authenticate: async token => {
						const p = await this.auth.authenticate(token).catch(err => publicError(err instanceof UnauthorizedError ? err : new UnavailableError("credentials could not be checked; retry shortly")));
						expireAt(p);
						caller = p;
						return this.sessionAuth(p);
					},
					onDrop: (reason, n) => metrics.increment("rookery.ws.dropped", { reason }, n),
					onJsonRefused: reason => metrics.increment("rookery.json.refused", { reason, via: "ws" }),
				});
				if (principal === null) {
					const t = setTimeout(() => !session.authenticated && socket.close(WsClose.UNAUTHORIZED, "no credentials within the auth timeout"), config.ws.authTimeoutMs);
					t.unref();
				}
				const cleanup = () => {
					if (expiry) clearTimeout(expiry);
				};
				return Object.assign(session, { cleanup });
			},

			async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
				// Node takes its own error listener off an upgraded socket: a reset before ws takes the
				// socket over would otherwise be an uncaught 'error' event.
				const onSocketError = () => socket.destroy();
				socket.on("error", onSocketError);
				const refuse = (status: string, message: string) => {
					this.broker.metrics.increment("rookery.ws.upgrade_refused", { status: status.slice(0, 3) });
					// The REST error shape: {"error": {"code", "message"}}.
					const code = UPGRADE_REFUSAL_CODES[status.slice(0, 3)] ?? "BAD_REQUEST";
					socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: { code, message } })}`);
				};
				let url: URL;
				try {
					url = new URL(req.url ?? "/", "http://x");
				} catch {
					// `http://[`, `http://x:99999/ws`: absolute targets that are not URLs.
					return refuse("400 Bad Request", "the request target is not a valid URL");
				}
				let topics: string[] | null;
				try {
					topics = topicsForWsPath(url.pathname, url.searchParams);
				} catch (err) {
					return refuse("422 Unprocessable Entity", (err as Error).message);
				}
				if (topics === null) return refuse("404 Not Found", "not a WebSocket path");
				// Browsers send Origin; CORS does not cover WebSockets, so the same allow-list is checked here.
				const origin = req.headers.origin;
				if (origin !== undefined && !originAllowed(origin, req.headers.host, config.http.corsOrigins)) return refuse("403 Forbidden", `origin ${origin.slice(0, 200)} is not allowed (CORS_ORIGINS)`);
				let principal: Principal | null;
				try {
					principal = await this.auth.resolve({ headers: req.headers, query: url.searchParams }, req.socket.remoteAddress);
				} catch (err) {
					if (!(err instanceof UnauthorizedError)) {
						// The key store is away: its message is not for the client.
						this.boundaryFailed("upgrade", err);
						return refuse("503 Service Unavailable", "credentials could not be checked; retry shortly");
					}
					// Credentials that are present and wrong are refused now; absent ones may come with `auth`.
					// A malformed Authorization header makes credentialOf throw again: it is present and wrong.
					let presented = true;
					try {
						presented = this.auth.credentialOf({ headers: req.headers, query: url.searchParams }) !== null;
					} catch {
						// presented, and wrong
					}
					if (presented) return refuse("401 Unauthorized", err.message);
					principal = null;
				}
				// Seed 000's paths speak its frames (lib/streaming/compat.ts).
				const dialect = wsDialectFor(url.pathname);
				if (socket.destroyed) return;
				this.wss.handleUpgrade(req, socket, head, ws => {
					socket.removeListener("error", onSocketError);
					const session = this.openSession(
						{
							send: dialect ? (text, written) => ws.send(dialect.outgoing(text), written) : (text, written) => ws.send(text, written),
							bufferedAmount: () => ws.bufferedAmount,
							close: (code, reason) => {
								ws.close(code, reason);
								// A client that does not read will not read the close frame either: free its buffers soon.
								setTimeout(() => ws.terminate(), 2000).unref();
							},
						},
						principal,
						{ topics },
					) as ClientSession & { cleanup(): void };
					this.sessions.set(session, { close: () => (ws.close(WsClose.GOING_AWAY, "server shutting down"), ws.terminate()) });
					this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
					const w = ws as WebSocket & { isAlive?: boolean; session?: ClientSession };
					w.isAlive = true;
					w.session = session;
					ws.on("pong", () => (w.isAlive = true));
					ws.on("message", (data, isBinary) => {
						try {
							session.onMessage(isBinary ? "" : dialect ? dialect.incoming(data.toString()) : data.toString());
						} catch (err) {
							// A frame the session did not expect to throw on: this connection ends, not the node.
							this.boundaryFailed("ws-message", err);
							ws.close(WsClose.INTERNAL_ERROR, "internal error");
						}
					});
					ws.on("close", () => {
						session.close();
						session.cleanup();
						this.sessions.delete(session);
						this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
					});
					ws.on("error", () => ws.terminate());
				});
			},

			/** A throw caught where it would have crossed a network listener: logged and counted, never thrown on. */
			boundaryFailed(boundary: string, err: unknown) {
				this.broker.metrics.increment("rookery.network.errors", { boundary });
				this.logger.warn({ boundary, err: err instanceof Error ? (err.stack ?? err.message) : typeof err }, "error caught at a network boundary");
			},

			streamSse(req: Req, res: ServerResponse, topics: string[]) {
				if (topics.length === 0) throw new ValidationError("'topics' must list at least one topic", [{ field: "topics", message: "required" }]);
				for (const t of topics) if (!parseTopic(t)) throw new ValidationError(`bad topic '${t.slice(0, 200)}'`, [{ field: "topics", message: "bad topic", actual: t.slice(0, 200) }]);
				const principal = req.$ctx?.meta.user as Principal;
				const lastId = req.headers["last-event-id"];
				const since = parseLastEventId(Array.isArray(lastId) ? lastId[0] : lastId, topics);
				res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" });
				// HEAD: the headers say what GET would stream; no session.
				if (req.method === "HEAD") return void res.end();
				res.write("retry: 2000\n\n");
				const sse = new SseSocket(res, since);
				const session = this.openSession(sse, principal, { topics, since }) as ClientSession & { cleanup(): void };
				const beat = setInterval(() => sse.heartbeat(), Math.min(15_000, config.ws.heartbeatMs));
				beat.unref();
				this.sessions.set(session, { close: () => sse.close(WsClose.GOING_AWAY, "server shutting down") });
				this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
				// A write to a connection the client dropped: the session ends with the 'close' below.
				res.on("error", () => (sse.closed = true));
				res.on("close", () => {
					clearInterval(beat);
					sse.closed = true;
					session.close();
					session.cleanup();
					this.sessions.delete(session);
					this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
				});
			},
		},

		created() {
			this.hub = new TopicHub(deps.bus);
			this.aliasResolver = new AliasResolver(1000);
			this.site = new StaticSite();
			this.sessions = new Map();
			this.heartbeat = null;
			this.keys = new ApiKeyStore(deps.kv, { cacheMs: 5000, now: deps.now });
			this.auth = new Authenticator(config.auth, this.keys, deps.now);
			// Limits hold across gateway nodes when they share Redis; in one process memory is enough.
			this.limiter = deps.kv instanceof RedisKv ? new RedisRateLimiter(deps.kv.client) : new MemoryRateLimiter({ now: deps.now, maxKeys: 100_000 });
			this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
			this.quotes = config.http.directReads && config.http.quoteCacheMs > 0 ? new QuoteCache(deps.bus, { maxAgeMs: config.http.quoteCacheMs, maxEntries: config.http.quoteCacheEntries, now: deps.now }) : null;
			this.quoteStatsTimer = null;
			this.broker.metrics.register({ type: "counter", name: "rookery.http.quote_cache", labelNames: ["result"], description: "Latest-quote reads answered from the gateway's cache (hit), fetched (miss), and symbols dropped from it (evicted)" });
			this.broker.metrics.register({ type: "gauge", name: "rookery.ws.clients", description: "Open streaming connections (WebSocket and SSE)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ws.dropped", labelNames: ["reason"], description: "Streaming frames dropped (conflated, drop-oldest, pending-overflow) or clients cut (slow-consumer)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.http.errors", labelNames: ["status", "code"], description: "REST error responses" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ratelimit.refused", labelNames: ["tier"], description: "REST requests refused with 429" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ratelimit.errors", description: "Rate-limit checks that failed (Redis away) and let the request through" });
			this.broker.metrics.register({ type: "counter", name: "rookery.json.refused", labelNames: ["reason", "via"], description: "JSON bodies (via=http) and WebSocket frames (via=ws) refused at parse: nested too deep (reason=depth) or a prototype-poisoning key (reason=prototype-key)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ws.upgrade_refused", labelNames: ["status"], description: "WebSocket upgrade requests refused (400 bad target, 401, 403 origin, 404, 422)" });
			this.broker.metrics.register({ type: "counter", name: "rookery.network.errors", labelNames: ["boundary"], description: "Unexpected errors caught at a network boundary (upgrade, ws-message, sse, http) instead of crossing it" });
			registerGatewayMetrics(this.broker, () => this.sessions.keys(), TIER_NAMES);
		},

		started() {
			if (this.quotes) {
				const stats = this.quotes.stats;
				const metrics = this.broker.metrics;
				// Copied every second rather than counted per read (see QuoteCache.stats).
				this.quoteStatsTimer = setInterval(() => {
					metrics.set("rookery.http.quote_cache", stats.hits, { result: "hit" });
					metrics.set("rookery.http.quote_cache", stats.misses, { result: "miss" });
					metrics.set("rookery.http.quote_cache", stats.evicted, { result: "evicted" });
				}, 1000);
				this.quoteStatsTimer.unref();
			}
			this.server.on("upgrade", (req, socket, head) =>
				this.onUpgrade(req, socket, head).catch(err => {
					this.boundaryFailed("upgrade", err);
					socket.destroy();
				}),
			);
			// Dead peers (no pong since the last ping) are cut, so their sessions do not pile up.
			this.heartbeat = setInterval(() => {
				for (const ws of this.wss.clients) {
					const w = ws as WebSocket & { isAlive?: boolean };
					if (w.isAlive === false) {
						w.close(WsClose.HEARTBEAT_TIMEOUT, "heartbeat timeout");
						w.terminate();
						continue;
					}
					w.isAlive = false;
					w.ping();
				}
			}, config.ws.heartbeatMs);
		},

		stopped() {
			if (this.heartbeat) clearInterval(this.heartbeat);
			if (this.quoteStatsTimer) clearInterval(this.quoteStatsTimer);
			this.quotes?.close();
			// Open sockets would keep the HTTP server (and so the process) alive on shutdown.
			for (const [session, conn] of this.sessions) {
				session.close();
				conn.close();
			}
			this.sessions.clear();
			this.wss.close();
		},
	};
}
