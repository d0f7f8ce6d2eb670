/**
 * Streaming for an HTTP gateway (the moleculer-io pattern: a mixin on the moleculer-web service):
 * the WebSocket endpoint /ws and the predecessor WS paths on the HTTP server's `upgrade` event (the
 * `ws` package), Server-Sent Events answered from route aliases (`streamSse`), and what both share:
 * the origin check, one ClientSession per connection over the node's TopicHub (snapshot, replay,
 * slow-client policy: lib/streaming/), token expiry, heartbeats, shutdown and the streaming metrics.
 * Updates reach clients through the node's bus, so any gateway serves any topic wherever its
 * owner runs.
 *
 * The host supplies `auth` (an Authenticator, mixins/gateway/auth.mixin.ts), `boundaryFailed` and
 * moleculer-web's `server`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Context, ServiceSchema } from "moleculer";
import { WebSocketServer, type WebSocket } from "ws";
import { toHttpError, UnavailableError, ValidationError } from "../lib/protocol/errors.ts";
import { WsClose } from "../lib/protocol/ws-codes.ts";
import { toTickMessage, type Topic } from "../lib/protocol/wire.ts";
import type { Tick } from "../lib/protocol/tick.ts";
import { TopicHub } from "../lib/streaming/topic-hub.ts";
import type { StageRecorder } from "../lib/metrics/stages.ts";
import { resolveAlertTopic } from "../lib/alerts/topics.ts";
import { ClientSession, type ReplayPage, type SessionAuth, type SessionSocket, type Snapshot } from "../lib/streaming/client-session.ts";
import { SNAPSHOT_SOURCES } from "../lib/streaming/snapshot-sources.ts";
import { selectionToTopics, topicsForWsPath, wsDialectFor } from "../lib/streaming/compat.ts";
import { checkStreamTopics, parseLastEventId, SSE_HEADERS, SseSocket } from "../lib/streaming/sse.ts";
import { upgradeRefusal } from "../lib/streaming/upgrade.ts";
import { WriteCoalescer } from "../lib/scheduling/write-coalescer.ts";
import { registerStreamingGauges } from "../lib/streaming/gauges.ts";
import { anonymousFree, type Authenticator, type Principal } from "../lib/auth/authenticator.ts";
import { UnauthorizedError } from "../lib/auth/errors.ts";
import { sessionPolicy, TIER_NAMES } from "../lib/auth/tiers.ts";
import { originAllowed } from "../lib/http/origin.ts";
import { queryOf } from "../lib/http/query.ts";
import { prometheusRegistryOf } from "../lib/metrics/registry.ts";
import type { RookeryConfig } from "../lib/config/config.ts";
import type { Store } from "../lib/store/index.ts";
import type { Bus } from "../lib/bus/bus.ts";

type SseReq = IncomingMessage & { $ctx?: Context<unknown, { user?: Principal }> };
/** A session with what ends it besides the session itself (its token-expiry timer). */
type OpenSession = ClientSession & { cleanup(): void };

interface Vars {
	wss: WebSocketServer;
	hub: TopicHub;
	/** Every open streaming connection (WS and SSE) and what to do to close it on shutdown. */
	sessions: Map<ClientSession, { close(): void }>;
	heartbeat: NodeJS.Timeout | null;
	/** moleculer-web's HTTP(S) server. */
	server: import("node:http").Server;
	/** The host's. */
	auth: Authenticator;
}
interface Methods {
	onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	openSession(socket: SessionSocket, principal: Principal | null, init: { topics: string[]; since?: Record<string, number> }): OpenSession;
	trackSession(session: OpenSession, close: () => void): () => void;
	snapshotOf(topic: Topic): Promise<Snapshot | null>;
	replay(topic: Topic, fromSeq: number, limit: number): Promise<ReplayPage | null>;
	sessionAuth(p: Principal): SessionAuth;
	streamSse(req: SseReq, res: ServerResponse, topics: string[]): void;
	/** The host's: a throw caught at a network listener, logged and counted. */
	boundaryFailed(boundary: string, err: unknown): void;
}

/** Rethrows `err` with the message a client may see (as REST would answer it: no node or action names). */
function publicError(err: unknown): never {
	throw new Error(toHttpError(err).body.error.message);
}

type SseAlias = (this: Pick<Methods, "streamSse">, req: SseReq & { body?: unknown }, res: ServerResponse) => void;

/** Route aliases that answer with an event stream, for the host's routes (the route authenticates first). */
export const SSE_ALIASES: { api: Record<string, SseAlias>; root: Record<string, SseAlias> } = {
	/** Under /api/v1: `GET stream?topics=ticks:AAPL,bars:1m:AAPL`. */
	api: {
		"GET stream"(req, res) {
			const topics = (queryOf(req).get("topics") ?? "")
				.split(",")
				.map(s => s.trim())
				.filter(Boolean);
			this.streamSse(req, res, topics);
		},
	},
	/** At the root: the predecessor form, a `{channels, data_types, symbols}` body. */
	root: {
		"POST streaming/subscribe/sse"(req, res) {
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
};

export function streamingMixin(deps: { config: RookeryConfig; store: Store; bus: Bus; stages: StageRecorder; now: () => number }): Partial<ServiceSchema<Record<string, unknown>, Methods, Vars>> {
	const { config, store } = deps;
	return {
		methods: {
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
				return { entries: entries.map(e => ({ seq: e.seq, data: toTickMessage(e.data as Tick, e.seq) })), lastSeq };
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

			/** Counts `session` among the open ones until the returned function ends it; `close` cuts it on shutdown. */
			trackSession(session: OpenSession, close: () => void) {
				this.sessions.set(session, { close });
				this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
				return () => {
					session.close();
					session.cleanup();
					this.sessions.delete(session);
					this.broker.metrics.set("rookery.ws.clients", this.sessions.size);
				};
			},

			async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
				// Node takes its own error listener off an upgraded socket: a reset before ws takes the
				// socket over would otherwise be an uncaught 'error' event.
				const onSocketError = () => socket.destroy();
				socket.on("error", onSocketError);
				const refuse = (status: string, message: string) => {
					this.broker.metrics.increment("rookery.ws.upgrade_refused", { status: status.slice(0, 3) });
					socket.end(upgradeRefusal(status, message));
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
					// Held bytes count as buffered: well under the bound a slow client is judged by.
					const writes = new WriteCoalescer(socket, Math.min(16 * 1024, config.ws.maxBufferedBytes >> 2));
					const session = this.openSession(
						{
							send: (text, written) => writes.write(() => ws.send(dialect ? dialect.outgoing(text) : text, written)),
							bufferedAmount: () => ws.bufferedAmount,
							close: (code, reason) => {
								ws.close(code, reason);
								// A client that does not read will not read the close frame either: free its buffers soon.
								setTimeout(() => ws.terminate(), 2000).unref();
							},
						},
						principal,
						{ topics },
					);
					// A stamped frame written to this WebSocket: its last stage (lib/metrics/stages.ts).
					if (deps.stages.enabled) session.queue.onSent = hops => void deps.stages.mark("ws.send", hops);
					const end = this.trackSession(session, () => (ws.close(WsClose.GOING_AWAY, "server shutting down"), ws.terminate()));
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
					ws.on("close", end);
					ws.on("error", () => ws.terminate());
				});
			},

			/** An SSE response for `topics` (a route alias's handler; the route has authenticated the caller). */
			streamSse(req: SseReq, res: ServerResponse, topics: string[]) {
				checkStreamTopics(topics);
				const principal = req.$ctx?.meta.user as Principal;
				const lastId = req.headers["last-event-id"];
				const since = parseLastEventId(Array.isArray(lastId) ? lastId[0] : lastId, topics);
				res.writeHead(200, SSE_HEADERS);
				// HEAD: the headers say what GET would stream; no session.
				if (req.method === "HEAD") return void res.end();
				res.write("retry: 2000\n\n");
				const sse = new SseSocket(res, since);
				const session = this.openSession(sse, principal, { topics, since });
				const beat = setInterval(() => sse.heartbeat(), Math.min(15_000, config.ws.heartbeatMs));
				beat.unref();
				const end = this.trackSession(session, () => sse.close(WsClose.GOING_AWAY, "server shutting down"));
				// A write to a connection the client dropped: the session ends with the 'close' below.
				res.on("error", () => (sse.closed = true));
				res.on("close", () => {
					clearInterval(beat);
					sse.closed = true;
					end();
				});
			},
		},

		created() {
			this.hub = new TopicHub(deps.bus, deps.stages);
			this.sessions = new Map();
			this.heartbeat = null;
			this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
			const metrics = this.broker.metrics;
			metrics.register({ type: "gauge", name: "rookery.ws.clients", description: "Open streaming connections (WebSocket and SSE)" });
			metrics.register({ type: "counter", name: "rookery.ws.dropped", labelNames: ["reason"], description: "Streaming frames dropped (conflated, drop-oldest, pending-overflow) or clients cut (slow-consumer)" });
			metrics.register({ type: "counter", name: "rookery.ws.upgrade_refused", labelNames: ["status"], description: "WebSocket upgrade requests refused (400 bad target, 401, 403 origin, 404, 422)" });
			registerStreamingGauges(prometheusRegistryOf(this.broker), () => this.sessions.keys(), TIER_NAMES);
		},

		started() {
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
