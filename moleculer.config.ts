/**
 * Broker options for a Rookery node, from the resolved config (lib/config/config.ts). Embedded
 * mode has no transporter; cluster mode uses NATS for Moleculer's own traffic.
 */
import type { BrokerOptions } from "moleculer";
import type { RookeryConfig } from "./lib/config/config.ts";
import { replCommands } from "./services/repl-commands.ts";

export function brokerOptions(config: RookeryConfig): BrokerOptions {
	return {
		namespace: "rookery",
		nodeID: config.nodeId,
		transporter: config.transporter
			? { type: "NATS", options: { url: config.transporter, maxReconnectAttempts: -1, reconnectTimeWait: 250 } }
			: null,
		// JSON: measured faster than MsgPack for our payloads (DESIGN §4).
		serializer: "JSON",
		logger: {
			type: "Pino",
			options: { level: config.logLevel, pino: { options: { base: { node: config.nodeId } } } },
		},
		logLevel: config.logLevel,
		registry: {
			// Symbol actions carry their own Shard strategy; preferLocal would bypass it.
			strategy: "RoundRobin",
			preferLocal: false,
		},
		requestTimeout: 10_000,
		// Symbol actors are not idempotent to retry blindly here; clients retry 503s with the same ids.
		retryPolicy: { enabled: false },
		contextParamsCloning: false,
		metrics: { enabled: true, reporter: [] },
		tracing: { enabled: false },
		validator: true,
		replOptions: { customCommands: replCommands },
		// The entry point handles SIGTERM/SIGINT so it can log and exit with the right code.
		skipProcessEventRegistration: true,
	};
}
