/**
 * Owner routing, in one place. `ownerOf` picks a key's owner among the endpoints of a keyed action
 * by rendezvous hashing (lib/routing/rendezvous.ts): the owner is the same on every node that sees
 * the same endpoints, and a membership change moves only the keys it must. Everything that routes
 * a keyed call uses it: the Rendezvous strategy (callers without the service), the OwnerForward
 * middleware (nodes with it), the gateway's pick after moleculer-web merged the path parameters,
 * and the keyed-actor mixin's handoff (mixins/keyed-actor.mixin.ts).
 *
 * Why `registry.preferLocal` stays on (moleculer.config.ts): most calls are not keyed, and running
 * them on the calling node saves a transport hop (gateway → monitor, config, analytics). For keyed
 * actions the local pick is only a first guess that OwnerForward corrects with `ownerOf`, once, so
 * preferLocal never makes a node serve a key it does not own.
 */
import { Strategies, type Context, type ServiceBroker } from "moleculer";
import { rendezvousOwner } from "../lib/routing/rendezvous.ts";
import { normalizeSymbol } from "../lib/protocol/tick.ts";

interface Endpoint {
	id: string;
	isAvailable?: boolean;
}

const Base = Strategies.Base as unknown as new (registry: unknown, broker: unknown, opts?: { key?: string }) => { opts: { key?: string } };

/** The name actions use (`strategy: "Rendezvous"`); every node registers it, since callers route. */
export const RENDEZVOUS = "Rendezvous";

/** A symbol as the owner sees it after validation (lib/protocol/tick.ts): reads accept `aapl` for `AAPL`. */
export const normaliseSymbol = (s: string) => normalizeSymbol(s) ?? s;

/** A keyed action's routing options: owner by rendezvous on the `key` param. */
export const routedBy = (key: string) => ({ strategy: RENDEZVOUS, strategyOptions: { key } });

/**
 * The owner of `key` among the available `endpoints` (node ids as endpoint ids), or undefined when
 * none is available. One available endpoint owns every key (embedded mode): no hashing, no arrays.
 */
export function ownerOf<E extends Endpoint>(key: string, endpoints: readonly E[]): E | undefined {
	let available = 0;
	let only: E | undefined;
	for (const ep of endpoints) {
		if (ep.isAvailable === false) continue;
		available++;
		only = ep;
	}
	if (available <= 1) return only;
	const live = endpoints.filter(ep => ep.isAvailable !== false);
	const owner = rendezvousOwner(normaliseSymbol(key), live.map(ep => ep.id));
	return live.find(ep => ep.id === owner);
}

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
