/**
 * The HTTP gateway: REST under /api/v1, /health, /metrics, and the WebSocket endpoint /ws (the
 * `ws` package on the HTTP server's upgrade event; moleculer-web has none built in). Updates reach
 * WS clients through the node's bus, so any gateway serves any symbol wherever its owner runs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { WebSocketServer, type WebSocket } from "ws";
import { toHttpError } from "../lib/protocol/errors.ts";
import { WsClose } from "../lib/protocol/ws-codes.ts";
import { TopicHub } from "../lib/streaming/topic-hub.ts";
import { ClientSession } from "../lib/streaming/client-session.ts";
import type { NodeDeps } from "./deps.ts";
import { API_ALIASES, ROOT_ALIASES } from "./routes.ts";

interface Vars {
	wss: WebSocketServer;
	hub: TopicHub;
	sessions: Map<WebSocket, ClientSession>;
	heartbeat: NodeJS.Timeout | null;
	server: import("node:http").Server;
}
interface Methods {
	onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
	onConnection(ws: WebSocket): void;
}

/**
 * moleculer-web picks the action's endpoint before it merges the path parameters, so on a node
 * without `symbols` the Rendezvous strategy would not see `symbol` and pick any node. Pick it again
 * with the full parameters. (On a node with `symbols` the call runs locally and the OwnerForward
 * middleware takes it to the owner.)
 */
function routeToOwner(
	this: { broker: ServiceBroker },
	_ctx: unknown,
	route: { callOptions?: object },
	req: IncomingMessage & { $params?: Record<string, unknown>; $endpoint?: unknown },
	_res: unknown,
	alias: { action?: string },
): void {
	if (!alias.action || typeof req.$params?.symbol !== "string") return;
	const ep = this.broker.findNextActionEndpoint(alias.action, route.callOptions ?? {}, { params: req.$params } as never);
	if (!(ep instanceof Error)) req.$endpoint = ep;
}

export default function gatewayService(deps: NodeDeps): ServiceSchema<Record<string, unknown>, Methods, Vars> {
	const { config } = deps;
	return {
		name: "gateway",
		mixins: [ApiGateway as unknown as ServiceSchema],

		settings: {
			port: config.port,
			ip: config.host,
			// Per-request logs at info would drown the node's own logs under load.
			logRequest: "debug",
			logResponse: "debug",
			logRouteRegistration: "debug",
			log4XXResponses: false,
			logRequestParams: null,
			logResponseData: null,
			routes: [
				{
					path: "/api/v1/ticks",
					mappingPolicy: "restrict",
					// The body may be an array; unmerged params keep it intact as `params.body`.
					mergeParams: false,
					// Not strict: a body of `5` or `null` reaches validation and gets a 422 that says why.
					bodyParsers: { json: { limit: config.ingest.maxBodyBytes, strict: false } },
					aliases: { "POST /": "ingest.ticks" },
				},
				{
					path: "/api/v1",
					mappingPolicy: "restrict",
					bodyParsers: { json: { limit: "64kb" } },
					onBeforeCall: routeToOwner,
					aliases: API_ALIASES,
				},
				{
					path: "/",
					mappingPolicy: "restrict",
					aliases: ROOT_ALIASES,
				},
			],
			onError(this: { broker: ServiceBroker }, _req: IncomingMessage, res: ServerResponse, err: unknown) {
				const { status, body } = toHttpError(err);
				this.broker.metrics.increment("rookery.http.errors", { status: String(status), code: body.error.code });
				if (status === 503) res.setHeader("Retry-After", "1");
				res.setHeader("Content-Type", "application/json; charset=utf-8");
				res.writeHead(status);
				res.end(JSON.stringify(body));
			},
		},

		methods: {
			onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
				const path = (req.url ?? "").split("?")[0];
				if (path !== "/ws") {
					socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
					return;
				}
				this.wss.handleUpgrade(req, socket, head, ws => this.onConnection(ws));
			},

			onConnection(ws: WebSocket) {
				const metrics = this.broker.metrics;
				const session = new ClientSession(
					{ send: (text, written) => ws.send(text, written), bufferedAmount: () => ws.bufferedAmount, close: (code, reason) => ws.close(code, reason) },
					this.hub,
					{
						policy: { tier: "internal", maxTopics: 200, wildcards: true, queue: { maxBytes: config.ws.maxBufferedBytes, maxMessages: 10_000, policy: "disconnect" } },
						authRequired: false,
						socketHighWater: 256 * 1024,
						maxPendingPerTopic: 1000,
						maxReplay: 10_000,
						snapshot: topic =>
							topic.kind === "intel" ? Promise.resolve(null) : this.broker.call<{ seq: number; data: unknown } | null, object>("symbols.topicSnapshot", { symbol: topic.symbol, kind: topic.kind, tf: topic.kind === "bars" ? topic.tf : undefined }),
						replay: async () => null,
						authenticate: async () => {
							throw new Error("no credentials are configured");
						},
						onDrop: (reason, n) => metrics.increment("rookery.ws.dropped", { reason }, n),
					},
				);
				this.sessions.set(ws, session);
				metrics.set("rookery.ws.clients", this.sessions.size);
				(ws as WebSocket & { isAlive?: boolean }).isAlive = true;
				ws.on("pong", () => ((ws as WebSocket & { isAlive?: boolean }).isAlive = true));
				ws.on("message", (data, isBinary) => session.onMessage(isBinary ? "" : data.toString()));
				ws.on("close", () => {
					session.close();
					this.sessions.delete(ws);
					metrics.set("rookery.ws.clients", this.sessions.size);
				});
				ws.on("error", () => ws.terminate());
			},
		},

		created() {
			this.hub = new TopicHub(deps.bus);
			this.sessions = new Map();
			this.heartbeat = null;
			this.wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
			this.broker.metrics.register({ type: "gauge", name: "rookery.ws.clients", description: "Open WebSocket connections" });
			this.broker.metrics.register({ type: "counter", name: "rookery.ws.dropped", labelNames: ["reason"], description: "WS updates dropped or clients cut for backpressure" });
			this.broker.metrics.register({ type: "counter", name: "rookery.http.errors", labelNames: ["status", "code"], description: "REST error responses" });
		},

		started() {
			this.server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
			// Dead peers (no pong since the last ping) are cut, so their sessions do not pile up.
			this.heartbeat = setInterval(() => {
				for (const ws of this.sessions.keys()) {
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
			for (const [ws, session] of this.sessions) {
				session.close();
				ws.close(WsClose.GOING_AWAY, "server shutting down");
				ws.terminate();
			}
			this.sessions.clear();
			this.wss.close();
		},
	};
}
