/**
 * The owner routing's Moleculer side: the `Rendezvous` invocation strategy (callers without the
 * keyed service) and `ownerEndpoint` (OwnerForward, the gateway's pick). Both pick with `ownerOf`,
 * the one owner routing (lib/routing/rendezvous.ts, where the reason for preferLocal is given).
 */
import { Strategies, type Context, type ServiceBroker } from "moleculer";
import { RENDEZVOUS, ownerOf, type Endpoint } from "../lib/routing/rendezvous.ts";

export { RENDEZVOUS, normaliseSymbol, ownerOf, routedBy } from "../lib/routing/rendezvous.ts";

const Base = Strategies.Base as unknown as new (registry: unknown, broker: unknown, opts?: { key?: string }) => { opts: { key?: string } };

/**
 * The endpoint of `action` that owns the call with `params`, by this node's view of the registry;
 * undefined when the action is not keyed (not routed by the Rendezvous strategy) or `params` lack
 * its key.
 */
export function ownerEndpoint(broker: ServiceBroker, action: string, params: unknown): Endpoint | undefined {
	const list = broker.registry.getActionEndpoints(action) as unknown as { strategy?: unknown; endpoints: Endpoint[] } | undefined;
	if (!list || !(list.strategy instanceof RendezvousStrategy)) return undefined;
	const key = (params as Record<string, unknown> | undefined)?.[list.strategy.opts.key ?? "symbol"];
	return typeof key === "string" ? ownerOf(key, list.endpoints) : undefined;
}

export class RendezvousStrategy extends Base {
	select(list: Endpoint[], ctx?: Context): Endpoint {
		const key = (ctx?.params as Record<string, unknown> | undefined)?.[this.opts.key ?? "symbol"];
		if (typeof key !== "string" || list.length === 1) return list[0];
		return ownerOf(key, list) ?? list[0];
	}
}

export function registerRendezvousStrategy(): void {
	// Moleculer's typings declare register(name, instance); it takes the class.
	Strategies.register(RENDEZVOUS, RendezvousStrategy as never);
}
