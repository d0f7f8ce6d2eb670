/**
 * The store behind every symbol: a per-symbol append-only log with caller-given sequence ids,
 * the latest value with a TTL, and a snapshot. `MemoryStore` (embedded mode) and `RedisStore`
 * (cluster mode) pass one contract suite (test/integration/store.contract.spec.ts), so services
 * never know which one is underneath.
 */

export interface LogEntry<T = unknown> {
	seq: number;
	data: T;
}

export interface StoreOptions {
	/** Approximate cap on log entries per symbol (Redis `MAXLEN ~`): at least this many are kept. */
	maxLen: number;
	/** How long the latest value lives without a new update. */
	latestTtlMs: number;
	/** Key prefix; keys look like `rk:{AAPL}:ticks` (the `{…}` hash tag keeps one symbol in one slot). */
	prefix: string;
	now: () => number;
}

export type StoreKind = "ticks" | "latest" | "snap" | "owner" | "epoch";

import type { LeaseInfo, LeaseResult, Leases } from "../keyed/lease.ts";
import type { AppendOptions } from "../kv/json-copy.ts";

export { parseLeaseToken, type LeaseInfo, type LeaseResult } from "../keyed/lease.ts";

export const DEFAULT_STORE_OPTIONS: StoreOptions = { maxLen: 100_000, latestTtlMs: 3_600_000, prefix: "rk", now: Date.now };

export abstract class Store {
	readonly opts: StoreOptions;

	constructor(opts: Partial<StoreOptions> = {}) {
		this.opts = { ...DEFAULT_STORE_OPTIONS, ...opts };
	}

	key(symbol: string, kind: StoreKind): string {
		return `${this.opts.prefix}:{${symbol}}:${kind}`;
	}

	/** The key of the set of every symbol that has ever been written. */
	get symbolsKey(): string {
		return `${this.opts.prefix}:symbols`;
	}

	abstract readonly kind: "memory" | "redis";
	abstract connect(): Promise<void>;
	abstract close(): Promise<void>;
	/** Round-trip time to the backend in ms; throws StoreUnavailableError when it is down. */
	abstract ping(): Promise<number>;

	/**
	 * Append entries (strictly increasing seqs, first one after the log's last) and set the latest
	 * value, atomically: all of it is written or none. With `fence`, the write happens only while
	 * `fence` is the symbol's lease token (checked in the same atomic step). Throws
	 * SequenceConflictError when the first seq is not after the log's last one, FencedError when the
	 * lease is not `fence`, StoreUnavailableError when the backend is down. `opts.handOver`: the
	 * caller never changes the entries' data afterwards (lib/kv/json-copy.ts); `latest` is copied.
	 */
	abstract append(symbol: string, entries: LogEntry[], latest?: unknown, fence?: string, opts?: AppendOptions): Promise<void>;
	/** Entries with seq ≥ fromSeq, oldest first, at most `limit`. */
	abstract range(symbol: string, fromSeq: number, limit: number): Promise<LogEntry[]>;
	/** The newest entries, oldest first, at most `limit`. */
	abstract tail(symbol: string, limit: number): Promise<LogEntry[]>;
	/** The last seq ever appended, 0 for a symbol with no log. */
	abstract lastSeq(symbol: string): Promise<number>;
	abstract getLatest<T = unknown>(symbol: string): Promise<T | null>;
	/** Write the snapshot; with `fence`, only while it is the lease token (else FencedError). */
	abstract putSnapshot(symbol: string, snapshot: unknown, fence?: string): Promise<void>;
	/**
	 * The symbols' single-owner leases (lib/keyed/lease.ts), keyed by symbol: the token is the
	 * `fence` of append and putSnapshot, checked in the same atomic step as the write.
	 */
	abstract readonly leases: Leases;

	// The lease API under the store's own names (the contract suite and operators' scripts use them).
	acquireLease(symbol: string, holder: string, ttlMs: number): Promise<LeaseResult> {
		return this.leases.acquire(symbol, holder, ttlMs);
	}
	renewLease(symbol: string, token: string, ttlMs: number): Promise<boolean> {
		return this.leases.renew(symbol, token, ttlMs);
	}
	releaseLease(symbol: string, token: string): Promise<boolean> {
		return this.leases.release(symbol, token);
	}
	getLease(symbol: string): Promise<LeaseInfo | null> {
		return this.leases.get(symbol);
	}
	abstract getSnapshot<T = unknown>(symbol: string): Promise<T | null>;
	abstract listSymbols(): Promise<string[]>;
	/** Which of `symbols` have ever been written (one round trip, for admission checks). */
	abstract knownSymbols(symbols: string[]): Promise<Set<string>>;
}
