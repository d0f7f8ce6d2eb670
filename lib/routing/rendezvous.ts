/**
 * Owner routing, in one place. Rendezvous (highest-random-weight) hashing: a key belongs to the node with the highest
 * hash(node, key). When a node joins it takes about 1/N of the keys, each from its old owner, and
 * no other key moves; when a node leaves only its own keys move. (Moleculer's `Shard` strategy
 * slices a ring by the sorted node list, so a membership change moves most keys: bench/placement.ts.)
 *
 * `ownerOf` picks a key's owner among the endpoints (node ids) of a keyed action; everything that
 * routes a keyed call uses it: the Rendezvous strategy (callers without the service), the
 * OwnerForward middleware (nodes with it), the gateway's pick after moleculer-web merged the path
 * parameters (both through `ownerEndpoint`, middlewares/rendezvous.strategy.ts), and the
 * keyed-actor mixin's handoff (mixins/keyed-actor.mixin.ts).
 */
import { normalizeSymbol } from "../protocol/tick.ts";

/** FNV-1a over the string, then murmur3's finaliser so near-identical inputs spread apart. */
function weight(node: string, key: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < node.length; i++) h = Math.imul(h ^ node.charCodeAt(i), 0x01000193);
	h = Math.imul(h ^ 0xff, 0x01000193); // separator: ("ab","c") and ("a","bc") differ
	for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** The owner of `key` among `nodes` (any order), or undefined when there are none. */
export function rendezvousOwner(key: string, nodes: readonly string[]): string | undefined {
	let best: string | undefined;
	let bestW = -1;
	for (const n of nodes) {
		const w = weight(n, key);
		// Ties (rare) go to the smaller node id, so every node agrees.
		if (w > bestW || (w === bestW && best !== undefined && n < best)) {
			best = n;
			bestW = w;
		}
	}
	return best;
}

/** The name keyed actions use (`strategy: "Rendezvous"`); every node registers it, since callers route. */
export const RENDEZVOUS = "Rendezvous";

/** A keyed action's routing options: owner by rendezvous on the `key` param. */
export const routedBy = (key: string) => ({ strategy: RENDEZVOUS, strategyOptions: { key } });

/** A symbol as the owner sees it after validation (lib/protocol/tick.ts): reads accept `aapl` for `AAPL`. */
export const normaliseSymbol = (s: string) => normalizeSymbol(s) ?? s;

export interface Endpoint {
	id: string;
	isAvailable?: boolean;
}

/**
 * The owner of `key` among the available `endpoints` (endpoint id = node id), or undefined when
 * none is available. One available endpoint owns every key (embedded mode): no hashing, no arrays.
 *
 * Why `registry.preferLocal` stays on (moleculer.config.ts): most calls are not keyed, and running
 * them on the calling node saves a transport hop (gateway → monitor, config, analytics). For keyed
 * actions the local pick is only a first guess that OwnerForward corrects with this function,
 * once, so preferLocal never makes a node serve a key it does not own.
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
	// rendezvousOwner over the available ids, without building arrays (called per key in handoffs).
	const k = normaliseSymbol(key);
	let best: E | undefined;
	let bestW = -1;
	for (const ep of endpoints) {
		if (ep.isAvailable === false) continue;
		const w = weight(ep.id, k);
		if (w > bestW || (w === bestW && best !== undefined && ep.id < best.id)) {
			best = ep;
			bestW = w;
		}
	}
	return best;
}
