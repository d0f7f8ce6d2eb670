/**
 * The state of one symbol on its owner node: sequence numbers, the latest quote, bars, indicators
 * and signals per timeframe (SymbolAnalysis), and the vendor-id window used to drop duplicates.
 * An update is acknowledged only after it is in the store's log; state changes only after that,
 * so a failed write changes nothing.
 */
import type { Tick } from "../protocol/tick.ts";
import { BusyError, FencedError, SequenceConflictError } from "../protocol/errors.ts";
import { subjects, toTickMessage, WIRE_VERSION, type TickMessage, type Topic } from "../protocol/wire.ts";
import type { Timeframe } from "../bars/timeframes.ts";
import type { LogEntry } from "../store/index.ts";
import { SymbolAnalysis, type AnalysisEvent, type AnalysisState } from "./symbol-analysis.ts";
import { DedupWindow } from "./dedup-window.ts";
import { Mailbox } from "../keyed/mailbox.ts";
import { SnapshotSchedule } from "./snapshot-schedule.ts";
import { HeldLease } from "../keyed/lease.ts";
import { analysisFingerprint, symbolLeasing, type ActorOptions } from "./actor-options.ts";
import { nextTurn } from "../scheduling/turns.ts";
import { analysisMessage, isNewest, logged, withSeq } from "./tick-records.ts";
import type { Hops, Stage } from "../metrics/stages.ts";
import { HAND_OVER } from "../kv/json-copy.ts";

/**
 * 4: closed bars that can no longer be amended are stored without their amendment bookkeeping.
 * Version 3 (every bar with it) is still read. Older versions (1: 1-minute bars only; 2: strategies
 * with their own indicators) are not: such a symbol is rebuilt from its log.
 */
export const SNAPSHOT_VERSION = 4;
const READABLE_VERSIONS: readonly number[] = [3, SNAPSHOT_VERSION];
const REPLAY_PAGE = 1000;
const MAX_REFUSALS_REPORTED = 20;
const NO_EMIT = () => {};

/** Most ticks one group commit writes (a single larger batch is still written whole). */
const GROUP_MAX_TICKS = 5000;

/** A batch waiting for its turn; `result` is set once a turn has taken it. */
interface QueuedBatch {
	ticks: Tick[];
	deadline: number;
	hops: Hops | undefined;
	result: Promise<IngestResult> | null;
}

export interface SymbolSnapshot {
	v: number;
	symbol: string;
	seq: number;
	latest: TickMessage | null;
	/** The analysis settings `analysis` was built with (see analysisFingerprint). */
	analysisConfig: string;
	analysis: AnalysisState;
	ids: string[];
}

export interface IngestResult {
	symbol: string;
	accepted: number;
	duplicates: number;
	/** Ticks refused as older than the late tolerance (not logged). */
	late: number;
	firstSeq: number | null;
	lastSeq: number;
	/** Why ticks were refused (the first few), with their position in the batch given to ingest. */
	refused?: Array<{ index: number; reason: string }>;
}

export class SymbolActor {
	seq = 0;
	/** The newest tick by trade time (a late tick within the tolerance does not replace it). */
	latest: TickMessage | null = null;
	lastActivity: number;
	/** Built once, by the activation that rebuilds the actor (from the snapshot or fresh). */
	analysis!: SymbolAnalysis;
	#ids: DedupWindow;
	readonly #snapshots: SnapshotSchedule;
	snapshotFailures = 0;
	publishFailures = 0;
	/** Ticks written to the log by this actor, and messages it published (ticks, bars, indicators, signals): `/metrics`. */
	ticksIn = 0;
	messagesOut = 0;
	/** The symbol's lease (its token fences every write). */
	#held: HeldLease | null = null;
	readonly mailbox: Mailbox;
	/** Batches given to `ingest` whose turn has not taken them yet, in arrival order. */
	#waiting: QueuedBatch[] = [];

	private constructor(
		readonly symbol: string,
		readonly opts: ActorOptions,
	) {
		this.#ids = new DedupWindow(opts.dedupWindow);
		this.mailbox = new Mailbox(opts.mailboxLimit, `symbol ${symbol}`, opts.now);
		this.lastActivity = opts.now();
		this.#snapshots = new SnapshotSchedule(opts, symbol, this.lastActivity);
	}

	/**
	 * Take the symbol's lease, then rebuild the actor from its snapshot plus the log after it. While
	 * another node holds the lease (handing off, or crashed and its lease not lapsed yet), wait up
	 * to `leaseWaitMs`, then refuse with a retryable error.
	 */
	static async activate(symbol: string, opts: ActorOptions): Promise<SymbolActor> {
		const actor = new SymbolActor(symbol, opts);
		// Made once per options object: actors sharing their options share the lease settings too.
		actor.#held = await HeldLease.take(symbol, (opts.leasing ??= symbolLeasing(opts)));
		try {
			await actor.#rehydrate();
		} catch (err) {
			await actor.release().catch(() => {});
			throw err;
		}
		return actor;
	}

	/**
	 * Extend the lease. False (and no more writes) only when it was lost to another owner; a lease
	 * given up by `release` (a handoff, possibly while this renewal was in flight) is not lost.
	 */
	async renew(): Promise<boolean> {
		return this.#held ? this.#held.renew() : true;
	}

	/** Give the lease up, for the next owner (call after the final snapshot). */
	async release(): Promise<void> {
		await this.#held?.release();
	}

	/** The lease token every write carries; null once the lease is lost or released. */
	get lease(): string | null {
		return this.#held?.token ?? null;
	}

	/** The lease epoch (the fencing token's number); null once lost or released. */
	get epoch(): number | null {
		return this.#held?.epoch ?? null;
	}

	async #rehydrate(): Promise<void> {
		// Built aside and swapped in at the end: reads between the awaits see the old state, never a
		// half-rebuilt one.
		// The analysis is built once (it is the costly part of an activation, ~1-3 ms with the default
		// six timeframes): from the snapshot when it can be, else fresh.
		// The log's last seq is read alongside the snapshot, one round trip less per activation (a
		// failover activates a dead node's symbols in a burst): an entry appended after this read is
		// replayed below, and the higher of the two seqs is kept.
		const [snap, lastSeq] = await Promise.all([this.opts.store.getSnapshot<SymbolSnapshot>(this.symbol), this.opts.store.lastSeq(this.symbol)]);
		const next = { seq: 0, snapshotSeq: 0, latest: null as TickMessage | null, ids: new DedupWindow(this.opts.dedupWindow) };
		let restored: SymbolAnalysis | null = null;
		let from = 1;
		if (snap && READABLE_VERSIONS.includes(snap.v)) {
			next.seq = snap.seq;
			next.snapshotSeq = snap.seq;
			next.latest = snap.latest;
			next.ids = DedupWindow.fromJSON(snap.ids, this.opts.dedupWindow);
			from = snap.seq + 1;
			// Analysis state from another configuration (indicators, strategies, timeframes changed)
			// is not reused: the analysis is rebuilt from the whole log instead.
			if (snap.analysisConfig === analysisFingerprint(this.opts.analysis)) restored = new SymbolAnalysis(this.opts.analysis, snap.analysis);
			else from = 1;
		}
		const analysis = restored ?? new SymbolAnalysis(this.opts.analysis);
		const replayed = this.opts.replayed;
		let replaySeq = next.seq;
		const observe = replayed ? (e: AnalysisEvent) => replayed(analysisMessage(this.symbol, replaySeq, e)) : NO_EMIT;
		if (replayed && restored) {
			if (next.latest) replayed(next.latest);
			for (const tf of restored.timeframes) {
				const ind = restored.indicators(tf)!;
				if (ind.final.time !== null) replayed({ v: WIRE_VERSION, seq: next.seq, symbol: this.symbol, tf, time: ind.final.time, final: true, values: ind.final.values });
			}
		}
		for (let pages = 0; ; pages++) {
			// A long log is replayed a page per event-loop turn, renewing the lease as it goes: the
			// node keeps answering and its other leases keep being renewed meanwhile.
			if (pages > 0) await this.#pause();
			const page = await this.opts.store.range(this.symbol, from, REPLAY_PAGE);
			for (const e of page as LogEntry<Tick>[]) {
				const t = withSeq(e.data, e.seq);
				if (e.seq > next.seq) {
					next.seq = e.seq;
					if (isNewest(next.latest, t.ts)) next.latest = toTickMessage(e.data, e.seq);
					if (t.id !== undefined) next.ids.add(t.id);
				}
				replaySeq = e.seq;
				if (replayed) replayed(toTickMessage(e.data, e.seq));
				analysis.apply(t, observe);
			}
			if (page.length < REPLAY_PAGE) break;
			from = page[page.length - 1].seq + 1;
		}
		// The log may have been trimmed past the snapshot; its last id is still the truth for seq.
		next.seq = Math.max(next.seq, lastSeq);
		this.seq = next.seq;
		this.#snapshots.restored(next.snapshotSeq);
		this.latest = next.latest;
		this.analysis = analysis;
		this.#ids = next.ids;
	}

	/** Between two replay pages: let the event loop run, and extend the lease once a third of it is gone. */
	async #pause(): Promise<void> {
		await nextTurn();
		if (this.#held?.due && !(await this.renew())) throw new FencedError(this.symbol, null);
	}

	/** A fresh tick, as its wire message (toTickMessage), into the actor's state; returns the message. */
	#apply(msg: TickMessage, emit: (e: AnalysisEvent) => void): TickMessage {
		this.seq = msg.seq;
		if (isNewest(this.latest, msg.ts)) this.latest = msg;
		this.analysis.apply(msg, emit);
		return msg;
	}

	/** Publishing is best effort: the update is durable already, and a failure is counted, not thrown. */
	#publish(subject: string, msg: object, hops?: Hops): void {
		try {
			this.opts.publish(subject, msg, hops);
			this.messagesOut++;
		} catch {
			this.publishFailures++;
		}
	}

	#publishAnalysis(e: AnalysisEvent): void {
		const msg = analysisMessage(this.symbol, this.seq, e);
		this.#publish(e.type === "bar" ? subjects.bars(e.tf, this.symbol) : e.type === "indicators" ? subjects.indicators(this.symbol) : subjects.signals(this.symbol), msg);
	}

	/** A stamped batch's `stage` (lib/metrics/stages.ts); nothing for an unstamped one. */
	#mark(stage: Stage, hops: Hops | undefined): Hops | undefined {
		return hops && this.opts.stages ? this.opts.stages.mark(stage, hops) : undefined;
	}

	/**
	 * Accept ticks in order: drop duplicates and late ticks, log the rest durably, then apply and
	 * publish. `deadline` (epoch ms): if the batch is still queued then, it is not written. `hops`:
	 * the batch's latency stamps, carried to the bus with its last tick.
	 *
	 * Group commit: a turn takes every batch waiting behind it (up to GROUP_MAX_TICKS ticks) and
	 * writes them in one append, each answered as if written alone. Under load, batches queued
	 * behind a slow write otherwise each waited a Redis round trip more than the one before.
	 */
	ingest(ticks: Tick[], deadline = Infinity, hops?: Hops): Promise<IngestResult> {
		const batch: QueuedBatch = { ticks, deadline, hops, result: null };
		// A batch the full mailbox refuses must not be written by another batch's turn either.
		if (!this.mailbox.full(ticks.length)) this.#waiting.push(batch);
		// The mailbox bounds what waits; deadlines are checked per batch when its group is taken.
		return this.mailbox.run(() => batch.result ?? this.#turn(), ticks.length);
	}

	/** Takes the waiting batches (the caller's first: earlier ones were taken by earlier turns) and writes them. */
	#turn(): Promise<IngestResult> {
		const first = this.#waiting[0];
		let take = 0;
		let size = 0;
		while (take < this.#waiting.length && (take === 0 || size + this.#waiting[take].ticks.length <= GROUP_MAX_TICKS)) size += this.#waiting[take++].ticks.length;
		const group = this.#waiting.splice(0, take);
		const now = this.opts.now();
		const live: QueuedBatch[] = [];
		for (const b of group) {
			if (now <= b.deadline) {
				live.push(b);
				continue;
			}
			this.mailbox.expired++;
			b.result = Promise.reject(new BusyError(`symbol ${this.symbol}: the request waited past its deadline and was not written; retry`, { waiting: this.mailbox.pending }));
			b.result.catch(() => {});
		}
		if (live.length > 0) {
			const written = this.#ingestRetrying(live);
			live.forEach((b, i) => {
				b.result = written.then(r => r[i]);
				b.result.catch(() => {});
			});
		}
		return first.result!;
	}

	async #ingestRetrying(group: QueuedBatch[]): Promise<IngestResult[]> {
		const turns = group.map(b => this.#mark("actor.turn", b.hops));
		try {
			return await this.#ingest(group, turns);
		} catch (err) {
			if (err instanceof FencedError && this.#held) this.#held.token = null;
			// Another node wrote to this log meanwhile (ownership moved and came back): reload the
			// truth from the store and try once more with fresh seqs.
			if (!(err instanceof SequenceConflictError)) throw err;
			await this.#rehydrate();
			return this.#ingest(group, turns);
		}
	}

	async #ingest(group: QueuedBatch[], hops: Array<Hops | undefined>): Promise<IngestResult[]> {
		if (!this.lease) throw new FencedError(this.symbol, null);
		// Ids a turn that threw before its append admitted are not in the log: they must not count.
		this.#ids.rollback();
		/** The fresh ticks as their wire messages, which are sequenced ticks too (toTickMessage). */
		const fresh: TickMessage[] = [];
		const entries: LogEntry[] = [];
		/** Per batch: where its fresh ticks end in `fresh`. */
		const ends: number[] = [];
		const results: IngestResult[] = [];
		let seq = this.seq;
		let watermark = this.analysis.watermark;
		/** The newest fresh tick (by trade time): its wire message becomes `latest`, built once. */
		let newest = -1;
		for (const { ticks } of group) {
			const from = fresh.length;
			const refused: Array<{ index: number; reason: string }> = [];
			let duplicates = 0;
			let late = 0;
			for (let i = 0; i < ticks.length; i++) {
				const t = ticks[i];
				const lateReason = this.analysis.lateReason(t.ts, watermark);
				// A duplicate is counted as one even when it is late too (it was written before).
				if (t.id !== undefined && (lateReason !== null ? this.#ids.has(t.id) : !this.#ids.admit(t.id))) {
					duplicates++;
					continue;
				}
				if (lateReason !== null) {
					late++;
					if (refused.length < MAX_REFUSALS_REPORTED) refused.push({ index: i, reason: lateReason });
					continue;
				}
				if (t.ts > watermark) watermark = t.ts;
				fresh.push(toTickMessage(t, ++seq));
				entries.push({ seq, data: logged(t) });
				if (isNewest(newest < 0 ? this.latest : fresh[newest], t.ts)) newest = fresh.length - 1;
			}
			const result: IngestResult = { symbol: this.symbol, accepted: fresh.length - from, duplicates, late, firstSeq: fresh[from]?.seq ?? null, lastSeq: seq };
			if (refused.length > 0) result.refused = refused;
			results.push(result);
			ends.push(fresh.length);
		}
		if (fresh.length > 0) {
			const newestMsg = newest < 0 ? null : fresh[newest];
			try {
				// The entries (the checked ticks, never published) are only read after this: handed over.
				await this.opts.store.append(this.symbol, entries, newestMsg ?? this.latest, this.lease, HAND_OVER);
			} catch (err) {
				this.#ids.rollback();
				throw err;
			}
			this.#ids.commit();
			const appended = hops.map(h => this.#mark("append.done", h));
			this.ticksIn += fresh.length;
			// Made per group rather than kept: a closure per symbol costs memory while it idles. Bound,
			// not an arrow bound to a name: tsx (esbuild keepNames) defines `name` on those, ~1 µs each.
			const emit: (e: AnalysisEvent) => void = this.#publishAnalysis.bind(this);
			const subject = subjects.ticks(this.symbol);
			let i = 0;
			for (let b = 0; b < group.length; b++) {
				const end = ends[b];
				if (end === i) continue;
				for (; i < end - 1; i++) this.#publish(subject, this.#apply(fresh[i], emit));
				// A batch's last tick carries its stamps: its publish is the batch's latest.
				this.#publish(subject, this.#apply(fresh[i], emit), this.#mark("published", appended[b]));
				i++;
			}
			this.#snapshots.written(fresh.length);
			// The updates are already durable in the log; a failed snapshot is retried at the next
			// update rather than failing an ingest the caller would then send again.
			if (this.#snapshots.due(this.seq, this.opts.now)) await this.snapshot().catch(() => this.snapshotFailures++);
		}
		this.lastActivity = this.opts.now();
		return results;
	}

	/**
	 * What a new subscriber of one of the symbol's topics gets first, with the seq live updates
	 * follow from (read between two turns, so every later update has a higher seq); null: nothing yet.
	 */
	topicSnapshot(kind: Topic["kind"], tf?: Timeframe): { seq: number; data: unknown } | null {
		const { seq, symbol, analysis: a } = this;
		if (kind === "ticks") return this.latest ? { seq, data: this.latest } : null;
		if (kind === "bars") {
			const bar = tf ? a.bars(tf, 1)?.[0] : undefined;
			return bar ? { seq, data: { v: WIRE_VERSION, seq, symbol, tf, final: false, bar } } : null;
		}
		if (kind === "indicators") return { seq, data: { symbol, timeframes: a.timeframes.map(t => a.indicators(t)) } };
		return { seq, data: { symbol, signals: a.signals(50) } };
	}

	/** Write the snapshot now (every K updates and before the actor is dropped). */
	async snapshot(): Promise<void> {
		const snap: SymbolSnapshot = {
			v: SNAPSHOT_VERSION,
			symbol: this.symbol,
			seq: this.seq,
			latest: this.latest,
			analysisConfig: analysisFingerprint(this.opts.analysis),
			analysis: this.analysis.toJSON(),
			ids: this.#ids.toJSON(),
		};
		if (!this.lease) throw new FencedError(this.symbol, null);
		await this.opts.store.putSnapshot(this.symbol, snap, this.lease);
		this.#snapshots.taken(snap.seq, this.opts.now());
	}
}
