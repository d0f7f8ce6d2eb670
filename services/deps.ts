/** What every service of a node shares: one config, one store connection, one bus. */
import type { RookeryConfig } from "../lib/config/config.ts";
import type { Store } from "../lib/store/index.ts";
import type { Bus } from "../lib/bus/bus.ts";

export interface NodeDeps {
	config: RookeryConfig;
	store: Store;
	bus: Bus;
	now: () => number;
}
