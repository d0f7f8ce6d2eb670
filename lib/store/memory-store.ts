/**
 * In-process store for embedded mode and unit tests. Values are kept as copies of their own, as
 * the JSON round trip through Redis would give them back (lib/kv/json-copy.ts), so a caller can
 * never mutate stored state through a shared reference; log entries a caller hands over
 * (AppendOptions) are kept as they are, and read back as copies. A log's ticks are kept as
 * numbers in columns (lib/store/tick-log.ts).
 */
import { FencedError, SequenceConflictError } from "../protocol/errors.ts";
import { Store, parseLeaseToken, type LogEntry, type StoreOptions } from "./store.ts";
import { MemoryLeases } from "../keyed/lease.ts";
import { checkHandOver, isNoText, keep, keepHandedOver, keeper, load, type AppendOptions, type Kept } from "../kv/json-copy.ts";
import { TickLog } from "./tick-log.ts";

interface SymbolData {
	/** The entries: ticks as columns, anything else kept (json-copy.ts). */
	log: TickLog;
	lastSeq: number;
	latest: Kept | undefined;
	latestExpiresAt: number;
	snap: Kept | undefined;
}

export class MemoryStore extends Store {
	readonly kind = "memory" as const;
	#data = new Map<string, SymbolData>();
	readonly leases = new MemoryLeases(() => this.opts.now());

	constructor(opts: Partial<StoreOptions> = {}) {
		super(opts);
	}

	async connect(): Promise<void> {}
	async close(): Promise<void> {}
	async ping(): Promise<number> {
		return 0;
	}

	#get(symbol: string): SymbolData {
		let d = this.#data.get(symbol);
		if (!d) {
			d = { log: new TickLog(symbol), lastSeq: 0, latest: undefined, latestExpiresAt: 0, snap: undefined };
			this.#data.set(symbol, d);
		}
		return d;
	}

	#fence(symbol: string, fence: string | undefined): void {
		if (fence === undefined) return;
		const token = this.leases.current(symbol);
		if (token !== fence) throw new FencedError(symbol, token ? parseLeaseToken(token).holder : null);
	}

	async append(symbol: string, entries: LogEntry[], latest?: unknown, fence?: string, opts?: AppendOptions): Promise<void> {
		const d = this.#get(symbol);
		this.#fence(symbol, fence);
		if (entries.length > 0 && entries[0].seq <= d.lastSeq) throw new SequenceConflictError(symbol, d.lastSeq, entries[0].seq);
		const kept = keeper(opts);
		// The log keeps a tick's numbers, not the object: the test suite's hand-over check still
		// freezes what the writer handed over.
		if (checkHandOver && opts?.handOver) for (const e of entries) keepHandedOver(e.data);
		d.log.append(entries, kept);
		if (entries.length > 0) d.lastSeq = entries[entries.length - 1].seq;
		// Like `MAXLEN ~`: trim in steps, not on every append, and never below maxLen.
		const excess = d.log.length - this.opts.maxLen;
		if (excess > Math.max(100, this.opts.maxLen / 10)) d.log.dropFirst(excess);
		if (latest !== undefined) {
			d.latest = keep(latest);
			d.latestExpiresAt = this.opts.now() + this.opts.latestTtlMs;
		}
	}

	async range(symbol: string, fromSeq: number, limit: number): Promise<LogEntry[]> {
		const d = this.#data.get(symbol);
		if (!d || limit <= 0) return [];
		const start = d.log.lowerBound(fromSeq);
		return d.log.slice(start, start + limit);
	}

	async tail(symbol: string, limit: number): Promise<LogEntry[]> {
		const d = this.#data.get(symbol);
		if (!d || limit <= 0) return [];
		return d.log.slice(Math.max(0, d.log.length - limit), d.log.length);
	}

	async lastSeq(symbol: string): Promise<number> {
		return this.#data.get(symbol)?.lastSeq ?? 0;
	}

	async getLatest<T>(symbol: string): Promise<T | null> {
		const d = this.#data.get(symbol);
		// A latest value with no JSON text (a function…) is none, as RedisStore stores none for it.
		if (d?.latest === undefined || isNoText(d.latest) || d.latestExpiresAt <= this.opts.now()) return null;
		return load<T>(d.latest);
	}

	async putSnapshot(symbol: string, snapshot: unknown, fence?: string): Promise<void> {
		const d = this.#get(symbol);
		this.#fence(symbol, fence);
		d.snap = keep(snapshot);
	}

	async getSnapshot<T>(symbol: string): Promise<T | null> {
		const s = this.#data.get(symbol)?.snap;
		return s === undefined || isNoText(s) ? null : load<T>(s);
	}

	async knownSymbols(symbols: string[]): Promise<Set<string>> {
		return new Set(
			symbols.filter(s => {
				const d = this.#data.get(s);
				return d !== undefined && (d.lastSeq > 0 || d.snap !== undefined);
			}),
		);
	}

	async listSymbols(): Promise<string[]> {
		return [...this.#data.entries()]
			.filter(([, d]) => d.lastSeq > 0 || d.snap !== undefined)
			.map(([s]) => s)
			.sort();
	}
}
