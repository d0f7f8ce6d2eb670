/**
 * When a symbol actor writes its next snapshot. A snapshot serialises the whole state (~0.6 ms for a
 * fresh symbol, ~5 ms with 500 bars a timeframe): by count alone, a symbol taking 30,000 ticks a
 * second wrote 30 a second (3.9 % of the batch endpoint's CPU with fresh symbols). So one is due
 * after `snapshotEvery` updates once `snapshotMinIntervalMs` has passed too, the first of both
 * staggered by a share that depends on the symbol (symbols fed alike do not all serialise their
 * state in one turn); and at once when the log holds `cap` entries after the last snapshot
 * (`SNAPSHOT_CAP` × `snapshotEvery`, at most half the log's `maxLen`, replayed entries counted), so
 * an activation's replay stays bounded and the log is not trimmed past the snapshot.
 */
import { hash32 } from "../feed/random.ts";

/** At most this many times `snapshotEvery` log entries after the last snapshot, however soon. */
export const SNAPSHOT_CAP = 10;

export interface SnapshotScheduleOptions {
	snapshotEvery: number;
	/** Absent or 0: the count alone decides. */
	snapshotMinIntervalMs?: number;
	/** The store's log length (`store.maxLen`). */
	logMaxLen?: number;
}

export class SnapshotSchedule {
	/** Counts down the updates to the next snapshot. */
	#until: number;
	/** When (by the actor's clock) the next snapshot may be taken. */
	#notBefore: number;
	/** The last snapshot's seq (0 for none): the log entries after it are what an activation replays. */
	#lastSeq = 0;
	/** Log entries after the last snapshot that make the next one due at once. */
	readonly #cap: number;

	constructor(
		readonly opts: SnapshotScheduleOptions,
		symbol: string,
		now: number,
	) {
		const share = 0.5 + (hash32(symbol) % 1000) / 1000;
		this.#until = Math.ceil(opts.snapshotEvery * share);
		this.#notBefore = now + (opts.snapshotMinIntervalMs ?? 0) * share;
		this.#cap = Math.max(1, Math.min(SNAPSHOT_CAP * opts.snapshotEvery, opts.logMaxLen === undefined ? Infinity : Math.floor(opts.logMaxLen / 2)));
	}

	/** The snapshot an activation restored from (its seq, or 0 for none). */
	restored(seq: number): void {
		this.#lastSeq = seq;
	}

	/** `n` updates were written. */
	written(n: number): void {
		this.#until -= n;
	}

	/** Whether a snapshot is due with the log at `seq`, at `now`. */
	due(seq: number, now: () => number): boolean {
		if (seq - this.#lastSeq >= this.#cap) return true;
		return this.#until <= 0 && now() >= this.#notBefore;
	}

	/** A snapshot at `seq` was written at `now`. */
	taken(seq: number, now: number): void {
		this.#until = this.opts.snapshotEvery;
		this.#notBefore = now + (this.opts.snapshotMinIntervalMs ?? 0);
		this.#lastSeq = seq;
	}
}
