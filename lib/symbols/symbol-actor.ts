/**
 * The state of one symbol on its owner node: sequence numbers, latest quote, 1-minute bars and the
 * vendor-id window used to drop duplicates. An update is acknowledged only after it is in the
 * store's log; state changes only after that, so a failed write changes nothing.
 */
import type { Tick, SequencedTick } from "../protocol/tick.ts";
import { SequenceConflictError } from "../protocol/errors.ts";
import { toTickMessage, type TickMessage } from "../protocol/wire.ts";
import type { Store, LogEntry } from "../store/index.ts";
import { BarSeries, type BarSeriesState } from "../bars/bar-series.ts";
import { DedupWindow } from "./dedup-window.ts";
import { Mailbox } from "./mailbox.ts";

export const SNAPSHOT_VERSION = 1;
const MINUTE = 60_000;
const REPLAY_PAGE = 1000;

export interface SymbolSnapshot {
	v: typeof SNAPSHOT_VERSION;
	symbol: string;
	seq: number;
	latest: TickMessage | null;
	bars: BarSeriesState;
	ids: string[];
}

export interface ActorOptions {
	store: Store;
	snapshotEvery: number;
	dedupWindow: number;
	barHistory: number;
	mailboxLimit: number;
	now: () => number;
	/** Called in seq order, inside the actor's turn, for every accepted update. */
	publish: (msg: TickMessage) => void;
}

export interface IngestResult {
	symbol: string;
	accepted: number;
	duplicates: number;
	firstSeq: number | null;
	lastSeq: number;
}

/** A tick as kept in the log: the seq is the entry id, so it is not repeated in the data. */
type LoggedTick = Tick;

// The hot path builds its objects as literals: in V8 (Node 20) `{ ...t, seq }` and `{ seq, ...rest }`
// are ~100× slower than a literal, and every object made that way slows each later read of it.

/** The tick with its seq, as `#apply` and the wire message need it. */
function withSeq(t: Tick, seq: number): SequencedTick {
	const s: SequencedTick = { symbol: t.symbol, price: t.price, size: t.size, ts: t.ts, seq };
	if (t.bid !== undefined) s.bid = t.bid;
	if (t.ask !== undefined) s.ask = t.ask;
	if (t.id !== undefined) s.id = t.id;
	return s;
}

/**
 * The log entry's data: the tick as given (stores serialise it inside append, so sharing the
 * caller's object is safe), without a `seq` of its own should a caller have sent one.
 */
function logged(t: Tick): LoggedTick {
	if (!Object.hasOwn(t, "seq")) return t;
	const { seq: _ignored, ...data } = t as SequencedTick;
	return data;
}

export class SymbolActor {
	seq = 0;
	latest: TickMessage | null = null;
	lastActivity: number;
	bars: BarSeries;
	#ids: DedupWindow;
	#sinceSnapshot = 0;
	snapshotFailures = 0;
	readonly mailbox: Mailbox;

	private constructor(readonly symbol: string, readonly opts: ActorOptions) {
		this.bars = new BarSeries(MINUTE, opts.barHistory);
		this.#ids = new DedupWindow(opts.dedupWindow);
		this.mailbox = new Mailbox(opts.mailboxLimit, `symbol ${symbol}`);
		this.lastActivity = opts.now();
	}

	/** Rebuild the actor from its snapshot plus the log after it. */
	static async activate(symbol: string, opts: ActorOptions): Promise<SymbolActor> {
		const actor = new SymbolActor(symbol, opts);
		await actor.#rehydrate();
		return actor;
	}

	async #rehydrate(): Promise<void> {
		const snap = await this.opts.store.getSnapshot<SymbolSnapshot>(this.symbol);
		this.seq = 0;
		this.latest = null;
		this.bars = new BarSeries(MINUTE, this.opts.barHistory);
		this.#ids = new DedupWindow(this.opts.dedupWindow);
		if (snap && snap.v === SNAPSHOT_VERSION) {
			this.seq = snap.seq;
			this.latest = snap.latest;
			this.bars = BarSeries.fromJSON(snap.bars, this.opts.barHistory);
			this.#ids = DedupWindow.fromJSON(snap.ids, this.opts.dedupWindow);
		}
		for (;;) {
			const page = await this.opts.store.range(this.symbol, this.seq + 1, REPLAY_PAGE);
			for (const e of page as LogEntry<LoggedTick>[]) this.#apply(withSeq(e.data, e.seq));
			if (page.length < REPLAY_PAGE) break;
		}
		// The log may have been trimmed past the snapshot; its last id is still the truth for seq.
		this.seq = Math.max(this.seq, await this.opts.store.lastSeq(this.symbol));
	}

	#apply(t: SequencedTick): TickMessage {
		this.seq = t.seq;
		const msg = toTickMessage(t);
		this.latest = msg;
		this.bars.add(t.ts, t.price, t.size);
		if (t.id !== undefined) this.#ids.add(t.id);
		return msg;
	}

	/** Accept ticks in order: drop duplicate vendor ids, log the rest durably, then apply and publish. */
	ingest(ticks: Tick[]): Promise<IngestResult> {
		return this.mailbox.run(async () => {
			try {
				return await this.#ingest(ticks);
			} catch (err) {
				// Another node wrote to this log meanwhile (ownership moved and came back): reload the
				// truth from the store and try once more with fresh seqs.
				if (!(err instanceof SequenceConflictError)) throw err;
				await this.#rehydrate();
				return this.#ingest(ticks);
			}
		});
	}

	async #ingest(ticks: Tick[]): Promise<IngestResult> {
		const fresh: SequencedTick[] = [];
		const entries: LogEntry[] = [];
		const batchIds = new Set<string>();
		let seq = this.seq;
		for (const t of ticks) {
			if (t.id !== undefined) {
				if (this.#ids.has(t.id) || batchIds.has(t.id)) continue;
				batchIds.add(t.id);
			}
			fresh.push(withSeq(t, ++seq));
			entries.push({ seq, data: logged(t) });
		}
		const duplicates = ticks.length - fresh.length;
		if (fresh.length > 0) {
			await this.opts.store.append(this.symbol, entries, toTickMessage(fresh[fresh.length - 1]));
			for (const t of fresh) this.opts.publish(this.#apply(t));
			this.#sinceSnapshot += fresh.length;
			// The updates are already durable in the log; a failed snapshot is retried at the next
			// update rather than failing an ingest the caller would then send again.
			if (this.#sinceSnapshot >= this.opts.snapshotEvery) await this.snapshot().catch(() => this.snapshotFailures++);
		}
		this.lastActivity = this.opts.now();
		return { symbol: this.symbol, accepted: fresh.length, duplicates, firstSeq: fresh[0]?.seq ?? null, lastSeq: this.seq };
	}

	/** Write the snapshot now (every K updates and before the actor is dropped). */
	async snapshot(): Promise<void> {
		const snap: SymbolSnapshot = { v: SNAPSHOT_VERSION, symbol: this.symbol, seq: this.seq, latest: this.latest, bars: this.bars.toJSON(), ids: this.#ids.toJSON() };
		await this.opts.store.putSnapshot(this.symbol, snap);
		this.#sinceSnapshot = 0;
	}
}
