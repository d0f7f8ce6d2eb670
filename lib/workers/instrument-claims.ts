/**
 * Which instruments this node polls when several ingest nodes run (docs/ingestion.md, "no double
 * polling"). The KV lease per (data type, symbol) is the safety: only its holder polls, so no
 * instrument is polled by two nodes. Rendezvous hashing over the ingest nodes this node sees is
 * the preference that spreads the load:
 * - the preferred node takes a free lease at once (and refreshes its own);
 * - another node takes a free lease only after seeing it free for a whole interval: the preferred
 *   node is gone or does not poll. So a killed node's instruments move once its leases lapse,
 *   without waiting for the broker to notice the death;
 * - a holder that is not preferred hands the lease over (releases it, does not poll this run) when
 *   the preferred node appears, once per preferred node, so a preferred node that does not take it
 *   cannot make the lease flap.
 * While the KV is unreachable, the preferred node polls (placement only; views may briefly differ).
 */
import type { KvStore } from "../kv/kv-store.ts";
import { rendezvousOwner } from "../routing/rendezvous.ts";
import type { DataType } from "../vendors/vendor.ts";

export interface ClaimDeps {
	kv: KvStore;
	nodeId: string;
	/** The ingest nodes this node sees (itself included or not). */
	nodes(): string[];
	now(): number;
}

export interface ClaimTimes {
	/** How long the lease lasts without a refresh. */
	ttlMs: number;
	/** The data type's cadence: how long a free lease is left to its preferred node. */
	intervalMs: number;
}

export const leaseKey = (dataType: DataType, symbol: string) => `ingest:lease:${dataType}:${symbol}`;

export class InstrumentClaims {
	/** Lease key → when this node first saw it free while another node was preferred. */
	#freeSince = new Map<string, number>();
	/** Lease key → the preferred node this node last handed it to. */
	#handedTo = new Map<string, string>();

	constructor(readonly deps: ClaimDeps) {}

	/** The node rendezvous hashing prefers for (data type, symbol) among the nodes seen. */
	preferred(dataType: DataType, symbol: string): string {
		const nodes = this.deps.nodes();
		return rendezvousOwner(`${dataType}:${symbol}`, nodes.includes(this.deps.nodeId) ? nodes : [...nodes, this.deps.nodeId])!;
	}

	/** Whether this node polls (data type, symbol) this run; takes or refreshes the lease if so. */
	async claim(dataType: DataType, symbol: string, t: ClaimTimes): Promise<boolean> {
		const { kv, nodeId: me } = this.deps;
		const key = leaseKey(dataType, symbol);
		const preferred = this.preferred(dataType, symbol);
		try {
			if (preferred === me) {
				this.#freeSince.delete(key);
				return await kv.acquireLease(key, me, t.ttlMs);
			}
			const holder = await kv.leaseHolder(key);
			if (holder === me) {
				if (this.#handedTo.get(key) === preferred) return await kv.renewLease(key, me, t.ttlMs);
				this.#handedTo.set(key, preferred);
				await kv.releaseLease(key, me);
				return false;
			}
			if (holder !== null) {
				this.#freeSince.delete(key);
				return false;
			}
			const now = this.deps.now();
			const since = this.#freeSince.get(key);
			// A sighting older than a few intervals is stale (this node was not polling meanwhile).
			if (since === undefined || now - since > 3 * t.intervalMs) {
				this.#freeSince.set(key, now);
				return false;
			}
			if (now - since < t.intervalMs) return false;
			this.#freeSince.delete(key);
			return await kv.acquireLease(key, me, t.ttlMs);
		} catch {
			return preferred === me;
		}
	}
}
