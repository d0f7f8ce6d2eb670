/**
 * Broker options for a Rookery node, from the resolved config (lib/config/config.ts). Embedded
 * mode has no transporter; cluster mode uses NATS for Moleculer's own traffic.
 *
 * The default export is for `moleculer-runner --config moleculer.config.ts services`
 * (docs/operations.md): the config from the environment (and ROOKERY_CONFIG), the node's store,
 * KV and bus opened, and carried by the broker to the service factories (NodeDepsMiddleware).
 */
import { ServiceBroker, type BrokerOptions, type Middleware } from "moleculer";
import type { RookeryConfig } from "./lib/config/config.ts";
import { natsConnectOptions } from "./lib/config/tls.ts";
import { replCommands } from "./runtime/repl-commands.ts";
import { registerRendezvousStrategy } from "./middlewares/rendezvous.strategy.ts";
import { OwnerForwardMiddleware } from "./middlewares/owner-forward.middleware.ts";
import { RequestMetricsMiddleware } from "./middlewares/request-metrics.middleware.ts";
import { RequestTimeoutMiddleware } from "./middlewares/request-timeout.middleware.ts";
import { endpointFailed } from "./middlewares/endpoint-breakers.ts";
import { TwoLevelCacher } from "./middlewares/two-level-cacher.ts";
import { PromptDiscoverer } from "./middlewares/prompt-discoverer.ts";
import { logDestination } from "./lib/logging/log-destination.ts";
import { redisTlsOptions } from "./lib/config/tls.ts";
import { resolveConfigWithPlugins } from "./lib/plugins/loader.ts";
import { openNodeDeps } from "./runtime/deps.ts";
import { NodeDepsMiddleware } from "./middlewares/node-deps.middleware.ts";
import { Channels } from "./middlewares/channels.middleware.ts";
import { DescribingParamsValidator } from "./middlewares/describing-params.validator.ts";

// Callers pick the endpoint, so every node must know the strategy symbol actions name.
registerRendezvousStrategy();

/** Built-ins replaced by ours with the same behaviour and less work per call (see each file). */
const REPLACED_BUILT_INS: Record<string, () => Middleware> = { Metrics: RequestMetricsMiddleware, Timeout: RequestTimeoutMiddleware };

/** Moleculer's built-in middlewares (its own list, in its order), with ours in place of Metrics and Timeout. */
export function builtInMiddlewares(): Array<string | Middleware> {
	const builtIn = (ServiceBroker as unknown as { INTERNAL_MIDDLEWARES: string[] }).INTERNAL_MIDDLEWARES;
	for (const name of Object.keys(REPLACED_BUILT_INS)) if (!builtIn.includes(name)) throw new Error(`Moleculer's built-in middlewares no longer include ${name} (${builtIn.join(", ")}): revisit moleculer.config.ts`);
	return builtIn.map(name => REPLACED_BUILT_INS[name]?.() ?? name);
}

/** Services that send to or consume a reliable channel: the alerts service (its deliveries) and alert-delivery. */
const CHANNEL_SERVICES = ["alerts", "alert-delivery"];
const usesChannels = (config: RookeryConfig) => config.services.some(s => CHANNEL_SERVICES.includes(s));

export function brokerOptions(config: RookeryConfig): BrokerOptions {
	return {
		namespace: "rookery",
		nodeID: config.nodeId,
		transporter: config.transporter ? { type: "NATS", options: { url: config.transporter, maxReconnectAttempts: -1, reconnectTimeWait: 250, ...natsConnectOptions(config.tls) } } : null,
		// JSON: measured faster than MsgPack for our payloads (DESIGN §4).
		serializer: "JSON",
		logger: {
			type: "Pino",
			// JSON lines unless stdout is a terminal (LOG_FORMAT=auto|json|pretty): lib/logging/log-destination.ts.
			options: { level: config.logLevel, pino: { options: { base: { node: config.nodeId, ...(config.environment && { env: config.environment }) } }, destination: logDestination(config.logFormat) } },
		},
		logLevel: config.logLevel,
		registry: {
			// Local first: health, metrics, ingest and store reads answer on the node that was asked.
			// Symbol actions still reach the symbol's owner: the OwnerForward middleware forwards a
			// local call for a symbol this node does not own, and nodes without `symbols` route
			// with the Rendezvous strategy.
			strategy: "RoundRobin",
			preferLocal: true,
			// Drops a silent node exactly `heartbeatTimeout` after it was last heard from (see the file).
			discoverer: new PromptDiscoverer(),
		},
		// A crashed node (SIGKILL, power loss) sends no DISCONNECT: the others only notice the missing
		// heartbeats. Moleculer's defaults (10 s / 30 s) keep calls going to a dead owner for up to a
		// minute; here (PromptDiscoverer) it is dropped 2 s after its last beat, 1.5–2.1 s after its
		// death (its symbol leases, 2.5 s renewed every 0.625 s, lapse 1.9–2.5 s after it), and the
		// calls pending on it are rejected (503, retryable) instead of waiting for requestTimeout. A
		// live node is dropped only if its beats stop for 2 s (a loop stalled ~1.5 s), and rejoins
		// with its next beat.
		heartbeatInterval: 0.5,
		heartbeatTimeout: 2,
		requestTimeout: 10_000,
		// Moleculer's own resilience for every service-to-service call (what we rely on in their
		// source: middlewares/endpoint-breakers.ts). The CircuitBreaker is on for every action, per
		// endpoint (node × action) on the caller; it counts only errors that say the node failed
		// to serve (endpointFailed), so a failing node is skipped while the others serve. Agents
		// tighten it per action (mixins/agent.mixin.ts).
		circuitBreaker: { enabled: true, threshold: 0.5, minRequestCount: 20, windowTime: 60, halfOpenTime: 10_000, check: endpointFailed },
		// Per action, where a bounded queue in front of the handler is the right limit (agents:
		// maxConcurrent / queueLimit per node). Not broker-wide: keyed actors bound their own
		// mailboxes and ingest its pipeline, and a second queue in front would hide their full-policies.
		bulkhead: { enabled: false, concurrency: 10, maxQueueSize: 100 },
		// Idempotent reads opt in per action (IDEMPOTENT_READ, middlewares/endpoint-breakers.ts; config reads):
		// Moleculer then calls again through the balancer, so another endpoint may answer. Writes and
		// symbol actors are not retried here; clients retry 503s with the same ids.
		retryPolicy: { enabled: false, retries: 2, delay: 100, maxDelay: 1000, factor: 2, check: err => !!(err as { retryable?: boolean }).retryable },
		contextParamsCloning: false,
		metrics: { enabled: true, reporter: [] },
		// Actions opt in with `cache: {…}` (intelligence answers); the rest pass the Cacher middleware untouched.
		cacher: new TwoLevelCacher({
			redisUrl: config.redisUrl,
			redisOptions: redisTlsOptions(config.tls),
			l1MaxEntries: config.cache.l1MaxEntries,
			l1MaxBytes: config.cache.l1MaxBytes,
			compressAbove: config.cache.compressAboveBytes,
			ttl: config.cache.ttlSeconds.aggregations,
			prefix: "rookery-cache",
		}) as unknown as BrokerOptions["cacher"],
		tracing: { enabled: false },
		validator: new DescribingParamsValidator(),
		// moleculer types the args as string[]; moleculer-repl passes the parsed object.
		replOptions: { customCommands: replCommands as never },
		// The built-ins are listed here so Moleculer's Metrics middleware (label hashing and sample
		// storage on every call) and Timeout middleware (a promise race per call) can be replaced by
		// cheaper ones that behave the same.
		internalMiddlewares: false,
		// Reliable channels (alert deliveries): Redis Streams in a cluster, in-process when embedded;
		// only on nodes that send or consume them (the Redis adapter holds 4+ connections).
		middlewares: [
			OwnerForwardMiddleware(),
			...(usesChannels(config) ? [Channels({ redisUrl: config.redisUrl, redis: redisTlsOptions(config.tls), claimIdleMs: config.alertDelivery.claimIdleMs, maxRetries: config.alertDelivery.maxHandlerFailures })] : []),
			...builtInMiddlewares(),
		],
		// The entry point handles SIGTERM/SIGINT so it can log and exit with the right code.
		skipProcessEventRegistration: true,
	};
}

/** moleculer-runner's config: broker options for the node the environment describes, with its deps. */
export default async function runnerOptions(): Promise<BrokerOptions> {
	const notices: string[] = [];
	const config = await resolveConfigWithPlugins({ env: process.env, args: {}, notices });
	const owned = await openNodeDeps(config);
	const options = brokerOptions(config);
	for (const n of notices) process.stderr.write(`config: ${n}\n`);
	// No entry point of ours here: the broker itself stops on SIGTERM/SIGINT and exits.
	return { ...options, skipProcessEventRegistration: false, middlewares: [NodeDepsMiddleware(owned), ...(options.middlewares ?? [])] };
}
