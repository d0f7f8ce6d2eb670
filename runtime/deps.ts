/** What every service of a node shares: one config, one store connection, one bus. */
import type { RookeryConfig } from "../lib/config/config.ts";
import { natsConnectOptions, redisTlsOptions } from "../lib/config/tls.ts";
import { createStore, type Store } from "../lib/store/index.ts";
import { createKv, type KvStore } from "../lib/kv/index.ts";
import { LocalBus } from "../lib/bus/local-bus.ts";
import { NatsBus } from "../lib/bus/nats-bus.ts";
import type { Bus } from "../lib/bus/bus.ts";
import { AlertEngine } from "../lib/alerts/engine.ts";
import { StageRecorder } from "../lib/metrics/stages.ts";

export interface NodeDeps {
	config: RookeryConfig;
	store: Store;
	/** General key-value store (config, API keys, agent settings, messages, leases). */
	kv: KvStore;
	bus: Bus;
	/** This node's alert rules, fed by the services where updates are processed (services/alerts.service.ts loads them). */
	alerts: AlertEngine;
	/** This node's per-hop latency histograms (lib/metrics/stages.ts); off with `latencyStages: false`. */
	stages: StageRecorder;
	now: () => number;
}

/** A node's deps with their lifecycle: connect before the broker starts, close after it stopped. */
export interface OwnedDeps {
	deps: NodeDeps;
	connect(): Promise<void>;
	close(): Promise<void>;
}

/** The store, KV and bus of `config` (the bus is NATS in a cluster, in-process otherwise). */
export async function openNodeDeps(config: RookeryConfig, now: () => number = Date.now): Promise<OwnedDeps> {
	const redisTls = redisTlsOptions(config.tls);
	const store = createStore(config.redisUrl, { maxLen: config.store.maxLen, latestTtlMs: config.store.latestTtlMs }, redisTls);
	const kv = createKv(config.redisUrl, {}, redisTls);
	const bus: Bus = config.transporter ? await NatsBus.connect(config.transporter, `rookery-bus-${config.nodeId}`, natsConnectOptions(config.tls)) : new LocalBus();
	return {
		deps: { config, store, kv, bus, alerts: new AlertEngine(), stages: new StageRecorder(config.latencyStages), now },
		async connect() {
			await store.connect();
			await kv.connect();
		},
		async close() {
			await bus.flush().catch(() => {});
			await bus.close();
			await store.close();
			await kv.close();
		},
	};
}
