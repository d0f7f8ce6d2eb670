/**
 * Every use of moleculer-web's internals is in this one file, written against moleculer-web 0.11.0
 * exactly (MOLECULER_WEB_VERSION; package.json pins it): the gateway's moleculer-web mixin and what
 * it overrides. Alias resolution (by literal prefix, remembered: lib/routing/alias-prefix.ts), the
 * request log lines (credentials in the URL masked), the owner pick of keyed calls (routeToOwner).
 *
 * REST reads (GET aliases that call an action) skip moleculer-web's request pipeline, which runs
 * every request as a call of its own `rest` action (a context and the whole middleware chain), then
 * a promise per route middleware, then the alias handler: about half its cost per request
 * (bench/gateway.ts). This does the same steps, with moleculer-web's own methods where they exist
 * (CORS, endpoint checks, onBeforeCall, authentication, authorization, sendResponse, errorHandler)
 * and the same `req` fields set, so the answer is the same byte for byte apart from the request id
 * (test/integration/gateway-direct.spec.ts compares the two paths). Anything else falls through
 * to moleculer-web: other methods, a request with a body, custom alias handlers, debug request logs.
 * Latest quotes (`symbols.latest`: clients repeat it, its answer does not depend on the caller) are
 * also kept in a QuoteCache that the symbol's ticks empty (lib/streaming/quote-cache.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import ApiGateway from "moleculer-web";
import { normalizeSymbol, SYMBOL_PATTERN } from "../../lib/protocol/tick.ts";
import { NotFoundError } from "../../lib/protocol/errors.ts";
import { QuoteCache } from "../../lib/streaming/quote-cache.ts";
import { redactTarget } from "../../lib/config/redact.ts";
import { AliasResolver, type resolveAliasByPrefix } from "../../lib/routing/alias-prefix.ts";
import type { RookeryConfig } from "../../lib/config/config.ts";
import type { Bus } from "../../lib/bus/bus.ts";
import { ownerEndpoint } from "../../middlewares/rendezvous.strategy.ts";

/** The moleculer-web release this file is written against; package.json pins it (test/unit/routing/moleculer-web-pin.spec.ts). */
export const MOLECULER_WEB_VERSION = "0.11.0";

/** The action whose answers the quote cache keeps (lib/streaming/quote-cache.ts). */
export const QUOTE_ACTION = "symbols.latest";

interface Route {
	path: string;
	opts: { mergeParams?: boolean; use?: unknown[] };
	callOptions?: Record<string, unknown>;
	cors?: unknown;
	onBeforeCall?: (this: unknown, ...args: unknown[]) => unknown;
	authentication?: (this: unknown, ...args: unknown[]) => unknown;
	authorization?: (this: unknown, ...args: unknown[]) => unknown;
	onAfterCall?: unknown;
	hasWhitelist?: boolean;
	hasBlacklist?: boolean;
	rateLimit?: unknown;
}
interface Alias {
	action?: string;
	handler?: unknown;
	type?: string;
	passReqResToParams?: boolean;
	route: Route;
}
type Req = IncomingMessage & Record<string, unknown> & { originalUrl?: string };
type Res = ServerResponse & Record<string, unknown>;
type Ctx = Context<Record<string, unknown>, Record<string, unknown>>;
interface Endpoint {
	local?: boolean;
	action: { name?: string; role?: unknown; visibility?: string };
}
const { ServiceUnavailableError } = (ApiGateway as unknown as { Errors: { ServiceUnavailableError: new () => Error } }).Errors;

/** The moleculer-web service as this module uses it. */
export interface GatewayInternals {
	broker: ServiceBroker;
	fullName: string;
	settings: { logRequest?: unknown; use?: unknown[] };
	parseQueryString(req: IncomingMessage): { url: string; query: Record<string, unknown> };
	resolveAlias(url: string, method: string): { alias: Alias; params: Record<string, unknown> } | false;
	corsHandler(route: Route, req: IncomingMessage, res: ServerResponse): boolean;
	sendResponse(req: IncomingMessage, res: ServerResponse, data: unknown, action: unknown): void;
	errorHandler(req: IncomingMessage, res: ServerResponse, err: unknown): void;
	answerRead: typeof answerRead;
	answerQuote: typeof answerQuote;
	answerOptions: typeof answerOptions;
	/** Null when the cache is off. */
	quotes: QuoteCache | null;
	/** The quote action's definition, seen on the first call of it (a hit makes no call). */
	quoteAction?: { name?: string; role?: unknown };
}

/**
 * Serves `req` if it is a plain REST read; false (nothing done, nothing written) to leave it to
 * moleculer-web.
 */
function serveDirectRead(this: GatewayInternals, req: Req, res: Res): boolean {
	if (req.method !== "GET" || this.settings.logRequest) return false;
	// A GET with a body would go through moleculer-web's body parsers.
	if (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0") return false;
	if (req.headers["transfer-encoding"] !== undefined) return false;
	const originalUrl = req.url ?? "/";
	let parsed: ReturnType<GatewayInternals["parseQueryString"]>;
	let url: string;
	let found: ReturnType<GatewayInternals["resolveAlias"]>;
	try {
		parsed = this.parseQueryString(req);
		url = parsed.url;
		if (url.length > 1 && url.endsWith("/")) url = url.slice(0, -1);
		found = this.resolveAlias(url, "GET");
	} catch {
		// A path parameter that does not decode (`%E0%A4%A`): moleculer-web answers it (400).
		return false;
	}
	if (!found) return false;
	const { alias } = found;
	const route = alias.route;
	if (!alias.action || typeof alias.handler === "function" || alias.type === "stream" || alias.passReqResToParams) return false;
	if (route.opts.mergeParams === false || route.hasWhitelist || route.hasBlacklist || route.rateLimit || route.onAfterCall) return false;
	// Middlewares other than the body parsers run only in moleculer-web's pipeline (a body parser
	// in `use`, marked `bodyOnly`, has nothing to do for a GET without a body).
	if (this.settings.use?.length || route.opts.use?.some(m => !(m as { bodyOnly?: boolean }).bodyOnly)) return false;

	const broker = this.broker;
	const h = req.headers;
	// As moleculer-web picks it: a non-empty X-Correlation-ID wins over X-Request-ID.
	const requestID = (h["x-correlation-id"] || h["x-request-id"]) as string | undefined;
	const params = Object.assign({}, parsed.query, found.params);
	// Quotes in canonical form without a query: any other form goes to the action, which says what is wrong.
	const symbol = this.quotes && alias.action === QUOTE_ACTION && url === originalUrl && typeof params.symbol === "string" && SYMBOL_PATTERN.test(params.symbol) ? params.symbol : null;
	const cached = symbol !== null && this.quoteAction ? this.quotes!.get(symbol) : null;
	if (cached !== null) {
		// No action is called: the route's hooks get what they read of a context (meta; the request id).
		const hookCtx = { meta: {}, requestID: requestID ?? broker.generateUid() } as unknown as Ctx;
		if (hookCtx.requestID) res.setHeader("X-Request-ID", hookCtx.requestID);
		req.$ctx = hookCtx;
		req.$route = route;
		try {
			this.answerQuote(req, res, alias, hookCtx, cached)?.catch((err: unknown) => this.errorHandler(req, res, err));
		} catch (err) {
			this.errorHandler(req, res, err);
		}
		return true;
	}
	// One context, the action's own (moleculer-web makes one for its `rest` action and a child for
	// the call). Its caller is the gateway, as a child of moleculer-web's would say.
	const ctx = broker.ContextFactory.create(broker, null as never, params, { requestID, ...route.callOptions }) as Ctx;
	ctx.caller = this.fullName;
	if (ctx.requestID) res.setHeader("X-Request-ID", ctx.requestID);
	req.$ctx = ctx;
	req.$route = route;
	// The rest of what moleculer-web sets for a request (actions and hooks may read it).
	req.$startTime = process.hrtime();
	req.$service = this;
	res.$ctx = ctx;
	res.$service = this;
	res.locals ??= {};
	req.originalUrl = originalUrl;
	req.parsedUrl = url;
	req.query = parsed.query;
	req.baseUrl = route.path;
	req.url = originalUrl.substring(route.path.length);
	if (req.url.length === 0 || req.url[0] !== "/") req.url = "/" + req.url;
	res.$route = route;
	req.$params = params;
	req.$alias = alias;
	void this.answerRead(req, res, alias, ctx, symbol).catch((err: unknown) => this.errorHandler(req, res, err));
	return true;
}

/** moleculer-web's routeHandler → aliasHandler → callAction for one alias, without the extra promises. */
async function answerRead(this: GatewayInternals, req: Req, res: Res, alias: Alias, ctx: Ctx, quote: string | null): Promise<void> {
	const route = alias.route;
	if (this.corsHandler(route, req, res)) return;
	// With the call's params at hand the strategy picks the owner at once (moleculer-web's own pick,
	// made before params exist, is corrected by the route's onBeforeCall).
	const endpoint = this.broker.findNextActionEndpoint(alias.action!, route.callOptions ?? {}, ctx as never) as Error | Endpoint;
	if (endpoint instanceof Error) throw endpoint instanceof Errors.ServiceNotFoundError ? new ServiceUnavailableError() : endpoint;
	if (endpoint.action.visibility != null && endpoint.action.visibility !== "published") throw new Errors.ServiceNotFoundError({ action: alias.action! } as never);
	req.$endpoint = endpoint;
	req.$action = endpoint.action;
	if (route.onBeforeCall) await route.onBeforeCall.call(this, ctx, route, req, res, alias);
	const admitted = admit.call(this, req, res, alias, ctx);
	if (admitted) await admitted;
	// Taken after auth, so that callers refused do not make the cache subscribe; before the call, so
	// that a tick during the call voids what it fetched.
	const fill = quote !== null && this.quotes ? this.quotes.begin(quote) : null;
	const data = await this.broker.call(req.$endpoint as never, ctx.params, { ctx } as never);
	if (fill && this.quotes) {
		this.quoteAction = endpoint.action;
		const m = ctx.meta;
		// Only a plain JSON answer is kept; one the action shaped itself (status, type, headers) is not.
		if (data !== null && typeof data === "object" && m.$statusCode == null && m.$responseType == null && m.$responseHeaders == null) this.quotes.fill(fill, JSON.stringify(data));
	}
	this.sendResponse(req, res, data, (req.$endpoint as Endpoint).action);
}

/**
 * A latest quote from the cache. It still goes through CORS, authentication, rate limit and
 * authorization; it skips the owner pick and the call. Synchronous unless a hook answers with a
 * promise (credentials to verify, the Redis rate limiter): most hits make no promise at all.
 */
function answerQuote(this: GatewayInternals, req: Req, res: Res, alias: Alias, ctx: Ctx, body: string): Promise<void> | undefined {
	if (this.corsHandler(alias.route, req, res)) return;
	req.$action = this.quoteAction;
	const admitted = admit.call(this, req, res, alias, ctx);
	if (admitted) return admitted.then(() => writeQuote(res, body));
	writeQuote(res, body);
}

/**
 * The route's authentication (→ ctx.meta.user) then authorization, as moleculer-web's aliasHandler
 * runs them; a promise only when a hook answers with one.
 */
function admit(this: GatewayInternals, req: Req, res: Res, alias: Alias, ctx: Ctx): Promise<void> | undefined {
	const route = alias.route;
	const user = route.authentication?.call(this, ctx, route, req, res, alias);
	if (user instanceof Promise)
		return user.then(u => {
			ctx.meta.user = u || null;
			return authorize.call(this, req, res, alias, ctx);
		});
	if (route.authentication) ctx.meta.user = user || null;
	return authorize.call(this, req, res, alias, ctx);
}

function authorize(this: GatewayInternals, req: Req, res: Res, alias: Alias, ctx: Ctx): Promise<void> | undefined {
	const route = alias.route;
	const done = route.authorization?.call(this, ctx, route, req, res, alias);
	return done instanceof Promise ? (done as Promise<void>) : undefined;
}

/** What moleculer-web's sendResponse writes for a JSON answer. */
function writeQuote(res: Res, body: string): void {
	res.setHeader("Content-Type", "application/json; charset=utf-8");
	res.end(body);
}

/** Methods an `Allow` header may list, in its order. */
const ALLOWABLE = ["GET", "POST", "PUT", "DELETE"];

/**
 * An OPTIONS request that is not a CORS preflight (those, with CORS on, are moleculer-web's):
 * 204 with the path's methods in `Allow`, or 404 when no alias has the path. Never runs an action
 * (moleculer-web resolves a plain OPTIONS as the path's GET and calls it).
 */
function answerOptions(this: GatewayInternals, req: IncomingMessage, res: ServerResponse): void {
	let methods: string[];
	try {
		let url = this.parseQueryString(req).url;
		if (url.length > 1 && url.endsWith("/")) url = url.slice(0, -1);
		methods = ALLOWABLE.filter(m => this.resolveAlias(url, m));
	} catch (err) {
		// A path parameter that does not decode: moleculer-web's 400, as for any other method.
		return this.errorHandler(req, res, err);
	}
	if (methods.length === 0) return this.errorHandler(req, res, new NotFoundError("no such path"));
	if (methods[0] === "GET") methods.splice(1, 0, "HEAD");
	methods.push("OPTIONS");
	res.writeHead(204, { Allow: methods.join(", ") });
	res.end();
}

/** moleculer-web's own request handler and log lines, for what this mixin leaves to them. */
const moleculerWeb = (ApiGateway as unknown as { methods: Record<"httpHandler" | "logRequest" | "logResponse", (this: unknown, ...a: unknown[]) => unknown> }).methods;
/** The request as moleculer-web's log lines read it, its URL's credentials masked. */
const withMaskedUrl = (req: Req): Req => Object.create(req, { originalUrl: { value: redactTarget(String(req.originalUrl ?? req.url ?? "")) } }) as Req;

/**
 * A route's onBeforeCall for keyed actions. moleculer-web picks the action's endpoint before it
 * merges the path parameters, so on a node without `symbols` the Rendezvous strategy would not see
 * `symbol` and pick any node. Pick it again with the full parameters, by the one owner routing
 * (`ownerEndpoint`). (On a node with `symbols` the call runs locally and the OwnerForward
 * middleware takes it to the owner.)
 */
export function routeToOwner(this: { broker: ServiceBroker }, _ctx: unknown, _route: unknown, req: Req, _res: unknown, alias: { action?: string }): void {
	const params = req.$params as Record<string, unknown> | undefined;
	// A local endpoint was picked (preferLocal): the same pick again would give it again.
	if (!alias.action || typeof params?.symbol !== "string" || (req.$endpoint as { local?: boolean } | undefined)?.local) return;
	const ep = ownerEndpoint(this.broker, alias.action, params);
	if (ep) req.$endpoint = ep;
}

type AliasTable = Parameters<typeof resolveAliasByPrefix>[0];
interface Vars {
	/** moleculer-web's alias table, in its matching order. */
	aliases: AliasTable;
	aliasResolver: AliasResolver<AliasTable[number]>;
	/** Latest quotes answered at this gateway; null when off. */
	quotes: QuoteCache | null;
	quoteStatsTimer: NodeJS.Timeout | null;
	settings: { logRequest?: unknown; logResponse?: unknown };
}
interface Methods {
	/** The host's: the pages that need no credentials (true when answered). */
	servePage(req: IncomingMessage, res: ServerResponse): boolean;
	/** The auth mixin's: credentials checked before a body is read (false when refused and answered). */
	authenticateFirst(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
	/** The host's: a throw caught at a network listener, logged and counted. */
	boundaryFailed(boundary: string, err: unknown): void;
	errorHandler(req: IncomingMessage, res: ServerResponse, err: unknown): void;
	serveDirectRead(req: IncomingMessage, res: ServerResponse): boolean;
	answerOptions(req: IncomingMessage, res: ServerResponse): void;
	forgetQuotes(req: IncomingMessage): void;
}

/**
 * moleculer-web (0.11.0) with the overrides above; `directReads` and the quote cache as configured.
 * Put it last in the host's `mixins`: the host's other mixins may supply its hooks.
 */
export function gatewayDirectMixin(config: RookeryConfig, bus: Bus, now: () => number): Partial<ServiceSchema<Record<string, unknown>, Methods, Vars>> {
	const { http } = config;
	const cors = http.corsOrigins.length > 0;
	return {
		mixins: [ApiGateway as unknown as ServiceSchema],
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
			 * Overrides moleculer-web's: the pages, plain OPTIONS and REST reads are answered here, the
			 * rest by moleculer-web; a request with a body is authenticated before the body is read.
			 */
			httpHandler(req: IncomingMessage, res: ServerResponse, next?: unknown) {
				try {
					// The pages need no credentials (they hold no data; their calls carry the caller's own).
					if (!next && this.servePage(req, res)) return;
					// Only CORS preflights are moleculer-web's (with CORS on); any other OPTIONS is answered here.
					if (req.method === "OPTIONS" && !(cors && req.headers["access-control-request-method"])) return this.answerOptions(req, res);
					if (http.directReads && !next && this.serveDirectRead(req, res)) return;
				} catch (err) {
					this.boundaryFailed("http", err);
					return this.errorHandler(req, res, err);
				}
				if (!next && (req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0")) {
					return this.authenticateFirst(req, res)
						.then(ok => ok && moleculerWeb.httpHandler.call(this, req, res))
						.catch(err => this.boundaryFailed("http", err));
				}
				return moleculerWeb.httpHandler.call(this, req, res, next);
			},

			serveDirectRead: serveDirectRead as unknown as Methods["serveDirectRead"],
			answerRead,
			answerQuote,
			answerOptions: answerOptions as unknown as Methods["answerOptions"],

			/**
			 * Drops the cached quotes of the symbols in a POST /api/v1/ticks body (one tick or an array):
			 * the writer's next read through this gateway sees its write, even before the tick comes back
			 * over the bus (cluster mode). For the ticks route's onAfterCall and onError.
			 */
			forgetQuotes(req: IncomingMessage) {
				const body = ((req as Req).$params as { body?: unknown } | undefined)?.body;
				if (!this.quotes || body == null) return;
				for (const t of Array.isArray(body) ? body : [body]) {
					const normal = normalizeSymbol((t as { symbol?: unknown } | null)?.symbol);
					if (normal !== null) this.quotes.invalidate(normal);
				}
			},

			/** Overrides moleculer-web's request log lines: a `?token=`/`?api_key=` in the URL is masked (lib/config/redact.ts). */
			logRequest(req: Req) {
				if (this.settings.logRequest) moleculerWeb.logRequest.call(this, withMaskedUrl(req));
			},
			logResponse(req: Req, res: ServerResponse, data: unknown) {
				if (this.settings.logResponse) moleculerWeb.logResponse.call(this, withMaskedUrl(req), res, data);
			},
		},

		created() {
			this.aliasResolver = new AliasResolver(1000);
			this.quotes = http.directReads && http.quoteCacheMs > 0 ? new QuoteCache(bus, { maxAgeMs: http.quoteCacheMs, maxEntries: http.quoteCacheEntries, now }) : null;
			this.quoteStatsTimer = null;
			this.broker.metrics.register({
				type: "counter",
				name: "rookery.http.quote_cache",
				labelNames: ["result"],
				description: "Latest-quote reads answered from the gateway's cache (hit), fetched (miss), and symbols dropped from it (evicted)",
			});
		},

		started() {
			if (!this.quotes) return;
			const stats = this.quotes.stats;
			const metrics = this.broker.metrics;
			// Copied every second rather than counted per read (see QuoteCache.stats).
			this.quoteStatsTimer = setInterval(() => {
				metrics.set("rookery.http.quote_cache", stats.hits, { result: "hit" });
				metrics.set("rookery.http.quote_cache", stats.misses, { result: "miss" });
				metrics.set("rookery.http.quote_cache", stats.evicted, { result: "evicted" });
			}, 1000);
			this.quoteStatsTimer.unref();
		},

		stopped() {
			if (this.quoteStatsTimer) clearInterval(this.quoteStatsTimer);
			this.quotes?.close();
		},
	};
}
