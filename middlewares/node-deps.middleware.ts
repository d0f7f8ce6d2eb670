/**
 * Services loaded by `moleculer-runner` (docs/operations.md): the runner calls each service file's
 * default export with the broker, where bin/rookery.ts (runtime/node.ts) passes the node's deps.
 * This middleware makes the broker carry those deps (`config`, `store`, `kv`, `bus`, `now`: the
 * NodeDeps shape, none of them a ServiceBroker member), so the same factories serve both ways,
 * and ties their lifecycle to the broker's: connected before any service starts, closed after the
 * last one stopped.
 */
import type { Middleware, ServiceBroker } from "moleculer";
import type { OwnedDeps } from "../runtime/deps.ts";

export function NodeDepsMiddleware(owned: OwnedDeps): Middleware {
	return {
		name: "NodeDeps",
		created(broker: ServiceBroker) {
			const clash = Object.keys(owned.deps).filter(k => k in broker);
			if (clash.length > 0) throw new Error(`ServiceBroker already has ${clash.join(", ")}: the node's deps cannot ride on it (middlewares/node-deps.middleware.ts)`);
			Object.assign(broker, owned.deps);
		},
		starting: () => owned.connect(),
		stopped: () => owned.close(),
	} as Middleware;
}
