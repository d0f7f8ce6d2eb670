/** What every service of a node shares: one config, one store connection, one bus. */
import type { RookeryConfig } from "../lib/config/config.ts";
import type { Store } from "../lib/store/index.ts";
import type { Bus } from "../lib/bus/bus.ts";
import type { KvStore } from "../lib/kv/index.ts";

export interface NodeDeps {
	config: RookeryConfig;
	store: Store;
	/** General key-value store (config, API keys, agent settings, messages, leases). */
	kv: KvStore;
	bus: Bus;
	now: () => number;
}
