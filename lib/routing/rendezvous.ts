/**
 * Rendezvous (highest-random-weight) hashing: a key belongs to the node with the highest
 * hash(node, key). When a node joins it takes about 1/N of the keys, each from its old owner, and
 * no other key moves; when a node leaves only its own keys move. (Moleculer's `Shard` strategy
 * slices a ring by the sorted node list, so a membership change moves most keys: bench/placement.ts.)
 */

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
