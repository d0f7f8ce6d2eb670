/**
 * Assemble one node: its store and bus, a broker with the services this node runs, and a stop
 * that shuts them down in the right order. Used by bin/rookery.ts and by the tests.
 */
import { ServiceBroker } from "moleculer";
import type { RookeryConfig, ServiceName } from "../lib/config/config.ts";
import { brokerOptions } from "../moleculer.config.ts";
import { openNodeDeps, type NodeDeps } from "./deps.ts";
import gatewayService from "../services/gateway.service.ts";
import ingestService from "../services/ingest.service.ts";
import symbolsService from "../services/symbols.service.ts";
import monitorService from "../services/monitor.service.ts";
import configService from "../services/config.service.ts";
import sentimentAgentService from "../services/agents/sentiment.service.ts";
import forecastAgentService from "../services/agents/forecast.service.ts";
import explainAgentService from "../services/agents/explain.service.ts";
import strategyAgentService from "../services/agents/strategy.service.ts";
import intelligenceService from "../services/intelligence.service.ts";
import eventsService from "../services/events.service.ts";
import analyticsService from "../services/analytics.service.ts";
import alertsService from "../services/alerts.service.ts";
import alertDeliveryService from "../services/alert-delivery.service.ts";
import patternsService from "../services/patterns.service.ts";
import { listenProbes, type ProbeListener, type ProbeRoute } from "../lib/health/probe-listener.ts";

const FACTORIES: Record<ServiceName, (deps: NodeDeps) => object> = {
	gateway: gatewayService,
	ingest: ingestService,
	symbols: symbolsService,
	monitor: monitorService,
	config: configService,
	"agents.sentiment": sentimentAgentService,
	"agents.forecast": forecastAgentService,
	"agents.explain": explainAgentService,
	"agents.strategy": strategyAgentService,
	intelligence: intelligenceService,
	events: eventsService,
	analytics: analyticsService,
	alerts: alertsService,
	"alert-delivery": alertDeliveryService,
	patterns: patternsService,
};

export interface RookeryNode {
	broker: ServiceBroker;
	deps: NodeDeps;
	/** The gateway's port once started (useful with port 0), or null without a gateway. */
	port(): number | null;
	/** The probe listener's port once started (config `healthPort`), or null without one. */
	healthPort(): number | null;
	start(): Promise<void>;
	stop(): Promise<void>;
}

export async function createNode(config: RookeryConfig, opts: { now?: () => number } = {}): Promise<RookeryNode> {
	const owned = await openNodeDeps(config, opts.now ?? Date.now);
	const deps = owned.deps;
	const broker = new ServiceBroker(brokerOptions(config));
	for (const name of config.services) broker.createService(FACTORIES[name](deps) as never);
	let probes: ProbeListener | null = null;
	return {
		broker,
		deps,
		port() {
			const gw = broker.getLocalService("gateway") as unknown as { server?: import("node:http").Server } | undefined;
			const addr = gw?.server?.address();
			return addr && typeof addr === "object" ? addr.port : null;
		},
		healthPort: () => probes?.port ?? null,
		async start() {
			// Listening before the broker starts: probes get 503 (not a refused connection) meanwhile.
			if (config.healthPort !== null) probes = await listenProbes(probeRoutes(broker), { port: config.healthPort, host: config.host });
			await owned.connect();
			await broker.start();
		},
		async stop() {
			await broker.stop();
			await probes?.close();
			await owned.close();
		},
	};
}

/** The probe listener's paths, answered by this node's own monitor actions as the gateway would. */
function probeRoutes(broker: ServiceBroker): Record<string, ProbeRoute> {
	const local =
		(action: string): ProbeRoute =>
		async () => {
			const meta: { $statusCode?: number; $responseType?: string } = {};
			const body = await broker.call(action, {}, { nodeID: broker.nodeID, meta });
			return { status: meta.$statusCode ?? 200, body, contentType: meta.$responseType };
		};
	return { "/health": local("monitor.health"), "/health/live": local("monitor.live"), "/health/ready": local("monitor.ready"), "/metrics": local("monitor.metrics") };
}
