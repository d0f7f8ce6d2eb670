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

/** The single-owner lease of a symbol: `token` = `<holder>:<epoch>`, the fencing token of its writes. */
export type LeaseResult = { type: "acquired"; token: string; epoch: number } | { type: "held"; holder: string; ttlMs: number };

export interface LeaseInfo {
	token: string;
	holder: string;
	epoch: number;
	ttlMs: number;
}

/** `node-a:17` → { holder: "node-a", epoch: 17 }. */
export function parseLeaseToken(token: string): { holder: string; epoch: number } {
	const i = token.lastIndexOf(":");
	return { holder: token.slice(0, i), epoch: Number(token.slice(i + 1)) };
}

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
	 * lease is not `fence`, StoreUnavailableError when the backend is down.
	 */
	abstract append(symbol: string, entries: LogEntry[], latest?: unknown, fence?: string): Promise<void>;
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
	 * Take the symbol's lease for `holder` when it is free (or already `holder`'s): a new epoch, and
	 * the token every write of the new owner carries. Otherwise says who holds it and for how long.
	 */
	abstract acquireLease(symbol: string, holder: string, ttlMs: number): Promise<LeaseResult>;
	/** Extend the lease while it is still `token`; false when it was lost. */
	abstract renewLease(symbol: string, token: string, ttlMs: number): Promise<boolean>;
	/** Give the lease up (handoff) if it is still `token`. */
	abstract releaseLease(symbol: string, token: string): Promise<boolean>;
	abstract getLease(symbol: string): Promise<LeaseInfo | null>;
	abstract getSnapshot<T = unknown>(symbol: string): Promise<T | null>;
	abstract listSymbols(): Promise<string[]>;
	/** Which of `symbols` have ever been written (one round trip, for admission checks). */
	abstract knownSymbols(symbols: string[]): Promise<Set<string>>;
}
