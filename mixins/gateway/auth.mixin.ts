/**
 * Who is calling the gateway, and how often they may: moleculer-web's `authenticate` and
 * `authorize` hooks over lib/auth (JWTs, API keys, tiers) and lib/ratelimit (a token bucket per
 * caller, in Redis when the node shares one), the check of credentials before a request body is
 * read, and the API-key admin actions. The Authenticator (`auth`) is also the streaming mixin's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import { NotFoundError } from "../../lib/protocol/errors.ts";
import { PAGE_PARAMS, pageOf, type PageRequest } from "../../lib/protocol/page.ts";
import { ADMIN_ONLY, anonymousFree, Authenticator, type Principal } from "../../lib/auth/authenticator.ts";
import { ApiKeyStore } from "../../lib/auth/api-keys.ts";
import { RateLimitedError, UnauthorizedError } from "../../lib/auth/errors.ts";
import { TIER_NAMES } from "../../lib/auth/tiers.ts";
import { MemoryRateLimiter, type RateLimiter, type TakeResult } from "../../lib/ratelimit/token-bucket.ts";
import { RedisRateLimiter } from "../../lib/ratelimit/redis-rate-limiter.ts";
import { RedisKv, type KvStore } from "../../lib/kv/index.ts";
import { queryOf } from "../../lib/http/query.ts";
import type { RookeryConfig } from "../../lib/config/config.ts";

type Req = IncomingMessage & { $principal?: Principal; $action?: { name?: string; role?: unknown } };

interface Vars {
	auth: Authenticator;
	keys: ApiKeyStore;
	limiter: RateLimiter;
}
interface Methods {
	authenticate(ctx: Context, route: unknown, req: Req, res: ServerResponse): Principal | Promise<Principal>;
	authenticateFirst(req: Req, res: ServerResponse): Promise<boolean>;
	rateLimit(p: Principal, req: IncomingMessage, res: ServerResponse): void | Promise<void>;
	admitCaller(p: Principal, req: IncomingMessage, res: ServerResponse): Principal | Promise<Principal>;
	refuseCaller(err: unknown, open: boolean): Principal;
	applyRateLimit(p: Principal, r: TakeResult, res: ServerResponse): void;
	rateLimiterFailed(err: unknown): void;
	/** moleculer-web's. */
	errorHandler(req: IncomingMessage, res: ServerResponse, err: unknown): void;
}

/** REST calls that are not rate limited: health probes and metrics scrapes. */
const UNLIMITED_ACTIONS = new Set(["monitor.health", "monitor.live", "monitor.ready", "monitor.metrics"]);
/** Answered without credentials even when auth is configured: load-balancer and orchestrator probes. */
const OPEN_ACTIONS = new Set(["monitor.health", "monitor.live", "monitor.ready"]);

export function gatewayAuthMixin(deps: { config: RookeryConfig; kv: KvStore; now: () => number }): Partial<ServiceSchema<Record<string, unknown>, Methods, Vars>> {
	const { config } = deps;
	return {
		actions: {
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
		},

		methods: {
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
				if (taken instanceof Promise)
					return taken.then(
						r => this.applyRateLimit(p, r, res),
						err => this.rateLimiterFailed(err),
					);
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
		},

		created() {
			this.keys = new ApiKeyStore(deps.kv, { cacheMs: 5000, now: deps.now });
			this.auth = new Authenticator(config.auth, this.keys, deps.now);
			// Limits hold across gateway nodes when they share Redis; in one process memory is enough.
			this.limiter = deps.kv instanceof RedisKv ? new RedisRateLimiter(deps.kv.client) : new MemoryRateLimiter({ now: deps.now, maxKeys: 100_000 });
			this.broker.metrics.register({ type: "counter", name: "rookery.ratelimit.refused", labelNames: ["tier"], description: "REST requests refused with 429" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ratelimit.errors", description: "Rate-limit checks that failed (Redis away) and let the request through" });
		},
	};
}
