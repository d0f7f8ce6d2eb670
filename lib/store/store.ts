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

export type StoreKind = "ticks" | "latest" | "snap";

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
	 * value, atomically: all of it is written or none. Throws SequenceConflictError when the first
	 * seq is not after the log's last one, StoreUnavailableError when the backend is down.
	 */
	abstract append(symbol: string, entries: LogEntry[], latest?: unknown): Promise<void>;
	/** Entries with seq ≥ fromSeq, oldest first, at most `limit`. */
	abstract range(symbol: string, fromSeq: number, limit: number): Promise<LogEntry[]>;
	/** The newest entries, oldest first, at most `limit`. */
	abstract tail(symbol: string, limit: number): Promise<LogEntry[]>;
	/** The last seq ever appended, 0 for a symbol with no log. */
	abstract lastSeq(symbol: string): Promise<number>;
	abstract getLatest<T = unknown>(symbol: string): Promise<T | null>;
	abstract putSnapshot(symbol: string, snapshot: unknown): Promise<void>;
	abstract getSnapshot<T = unknown>(symbol: string): Promise<T | null>;
	abstract listSymbols(): Promise<string[]>;
}
