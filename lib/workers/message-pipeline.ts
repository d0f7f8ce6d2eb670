/**
 * Between the workers and the store: a bounded queue of StreamMessages drained in batches by
 * `write`. While the store is down (write throws) messages wait here and the drain retries every
 * `retryMs`; when the queue is full the oldest waiting messages are dropped (policy `drop-oldest`)
 * and counted, so memory stays bounded however long Redis is away. The batch being written counts
 * against the bound but is not dropped mid-write (it may be written: then it is not lost). Each
 * message records the stages it has done, so a retried batch does not write a message twice.
 * Between batches the drain yields to the event loop: against an in-process store every `await`
 * resolves at once, and a backlog drained in microtasks alone held timers and I/O (lease renewals,
 * HTTP) for seconds (200,000 replayed messages: 2.6 s, long enough for the symbols' leases to lapse).
 */
import { nextTurn } from "../scheduling/turns.ts";
import type { Timers } from "./data-worker.ts";

export interface Pending<T> {
	msg: T;
	/** Stages done, one bit each (the writer names them), kept across retries. */
	done: number;
}

export interface PipelineStats {
	queued: number;
	limit: number;
	written: number;
	dropped: number;
	degraded: boolean;
	lastError: string | null;
}

export interface PipelineOptions<T> {
	limit: number;
	batch: number;
	retryMs: number;
	timers: Timers;
	write(batch: Pending<T>[]): Promise<void>;
	onDrop?(n: number): void;
	onState?(degraded: boolean, err: Error | null): void;
}

/** A promise and its resolve (Promise.withResolvers, which Node 20 lacks). */
function signal(): { promise: Promise<void>; resolve(): void } {
	let resolve!: () => void;
	const promise = new Promise<void>(r => (resolve = r));
	return { promise, resolve };
}

export class MessagePipeline<T> {
	/** Waiting messages, oldest first; a failed batch goes back to the head. */
	#queue: Pending<T>[] = [];
	/** The batch being written: not dropped while its write runs, but counted against the bound. */
	#inflight: Pending<T>[] = [];
	#draining: Promise<void> | null = null;
	#retry: unknown = null;
	/** Set by close(): no batch is started and no retry is set after it. */
	#closed = false;
	#idle: Array<() => void> = [];
	/** Resolved (and replaced) when waiting producers should look again (#wake). */
	#lookAgain = signal();
	readonly stats: PipelineStats;

	constructor(readonly opts: PipelineOptions<T>) {
		this.stats = { queued: 0, limit: opts.limit, written: 0, dropped: 0, degraded: false, lastError: null };
	}

	/** Every message pushed is, at any time, exactly one of: written, dropped, queued. */
	push(msgs: T[]): void {
		for (const msg of msgs) this.#queue.push({ msg, done: 0 });
		this.#trim();
		if (!this.stats.degraded) this.#kick(true);
	}

	/** Resolves when the queue is empty (never while the store stays down). */
	idle(): Promise<void> {
		if (this.#queue.length === 0 && !this.#draining) return Promise.resolve();
		return new Promise(r => this.#idle.push(r));
	}

	/**
	 * Resolves once at most `level` messages wait, or `active()` turns false. For a producer that
	 * can wait (replay), so a fast one is not cut by drop-oldest. It looks again after each batch
	 * written, not only once the queue is empty: a producer that waited for empty left the store
	 * idle while it made its next step. Each wait is bounded by `retryMs`, so a stop is not held.
	 */
	async room(level: number, active: () => boolean): Promise<void> {
		while (active() && this.stats.queued > level) {
			// The timer wakes every waiter too (they look again), so no wait outlives it and reactions
			// do not pile up on one signal while the store is down.
			const look = this.#lookAgain.promise;
			const timer = this.opts.timers.setTimeout(() => this.#wake(), this.opts.retryMs);
			await look;
			this.opts.timers.clearTimeout(timer);
		}
	}

	/** Waiting producers look again: the queue shrank, or a wait's `retryMs` passed. */
	#wake(): void {
		const woken = this.#lookAgain;
		this.#lookAgain = signal();
		woken.resolve();
	}

	/** Stops writing: a batch being written finishes, no other starts and no retry is set. */
	close(): void {
		this.#closed = true;
		if (this.#retry !== null) this.opts.timers.clearTimeout(this.#retry);
		this.#retry = null;
	}

	/** Drop-oldest among the waiting messages until waiting + in flight fit the limit. */
	#trim(): void {
		const excess = Math.min(this.#queue.length + this.#inflight.length - this.opts.limit, this.#queue.length);
		if (excess > 0) {
			this.#queue.splice(0, excess);
			this.stats.dropped += excess;
			this.opts.onDrop?.(excess);
		}
		this.stats.queued = this.#queue.length + this.#inflight.length;
		if (excess > 0) this.#wake();
	}

	/**
	 * Starts a drain. After a push it starts in the next event-loop turn, not in the push: the pushes
	 * of the I/O callbacks ready now (a stream's frames arriving together) then go out in one batch.
	 * Started in the push, an Alpaca stream's first frame (100 trades) was a flush of its own, and its
	 * flushes alternated 100 and ~1,000 messages where they can hold `batch`. A retry starts at once:
	 * what it writes is queued already.
	 */
	#kick(afterPushes: boolean): void {
		if (this.#closed) return;
		this.#draining ??= (afterPushes ? nextTurn().then(() => this.#drain()) : this.#drain()).finally(() => {
			this.#draining = null;
			// Pushed after the drain's last look at the queue but before this ran: drain it too.
			if (this.#queue.length > 0 && !this.stats.degraded) return this.#kick(true);
			if (this.#queue.length === 0) for (const r of this.#idle.splice(0)) r();
		});
	}

	async #drain(): Promise<void> {
		while (this.#queue.length > 0 && !this.#closed) {
			const batch = this.#queue.splice(0, this.opts.batch);
			this.#inflight = batch;
			try {
				await this.opts.write(batch);
			} catch (err) {
				// Back to the head, stages kept; while it waits it is subject to drop-oldest again.
				this.#queue.unshift(...batch);
				this.#inflight = [];
				this.#trim();
				this.stats.lastError = (err as Error).message;
				if (!this.stats.degraded) {
					this.stats.degraded = true;
					this.opts.onState?.(true, err as Error);
				}
				if (this.#closed) return;
				this.#retry = this.opts.timers.setTimeout(() => {
					this.#retry = null;
					this.#kick(false);
				}, this.opts.retryMs);
				return;
			}
			this.#inflight = [];
			this.stats.written += batch.length;
			this.stats.queued = this.#queue.length;
			this.#wake();
			if (this.stats.degraded) {
				this.stats.degraded = false;
				this.opts.onState?.(false, null);
			}
			if (this.#queue.length > 0) await nextTurn();
		}
	}
}
