/**
 * Admission control for symbol activations on one node. Activating an actor (lease, snapshot,
 * replay, building its analysis: ~1-3 ms of CPU with the default analysis) is costly; a request
 * naming 5,000 new symbols used to start them all in one event-loop turn, blocking the loop for
 * 9-11 s while every lease lapsed. Here at most `limit` run at a time, and they start only while
 * the current turn has spent less than `turnBudgetMs` on them (the rest start in a later turn,
 * after `setImmediate`), so I/O, health probes, new connections and lease renewals are served
 * between them. The rest wait in a bounded FIFO queue; a waiter whose deadline passes, or that
 * finds the queue full, is refused with a retryable BusyError (503 + Retry-After), never left
 * hanging.
 */
import { BusyError } from "../protocol/errors.ts";
import { nextTurn } from "../scheduling/turns.ts";

export interface ActivationGateOptions {
	/** Activations running at once. */
	limit: number;
	/** Activations that may wait; past this a new one is refused at once. */
	queueLimit: number;
	/** CPU time (ms) activations may start within in one event-loop turn. */
	turnBudgetMs?: number;
	now: () => number;
	/** A refusal: the queue was full, or the deadline passed while waiting. */
	onRefused?: (reason: "full" | "deadline") => void;
	/** The counts changed (for gauges). */
	onChange?: (running: number, queued: number) => void;
}

interface Waiter {
	start: () => void;
	fail: (err: Error) => void;
	timer: NodeJS.Timeout | null;
}

const DEFAULT_TURN_BUDGET_MS = 8;

export class ActivationGate {
	#running = 0;
	readonly #queue: Waiter[] = [];
	/** performance.now() when this turn's first activation started; -1 until one does. */
	#turnStart = -1;
	/** Recent ms between two activations finishing while busy (moving average); 0 until known. */
	#paceMs = 0;
	#lastDone = -1;

	constructor(readonly opts: ActivationGateOptions) {}

	get running(): number {
		return this.#running;
	}

	get queued(): number {
		return this.#queue.length;
	}

	/**
	 * Run `activate` when a slot is free and `deadline` (epoch ms, opts.now's clock) has not passed.
	 * `what` names the activation in a refusal.
	 */
	async run<T>(what: string, deadline: number, activate: () => Promise<T>): Promise<T> {
		if (this.#running >= this.opts.limit) await this.#wait(what, deadline);
		else this.#running++;
		this.#changed();
		try {
			await this.#turn();
			if (this.opts.now() > deadline) {
				this.opts.onRefused?.("deadline");
				throw new BusyError(`${what} was not activated before its deadline (${this.#queue.length} activations waiting); retry`, { retryable: true });
			}
			return await activate();
		} finally {
			this.#release();
		}
	}

	/** Resolves in a later event-loop turn that still has budget for an activation to start. */
	async #turn(): Promise<void> {
		const budget = this.opts.turnBudgetMs ?? DEFAULT_TURN_BUDGET_MS;
		for (;;) {
			await nextTurn();
			const t = performance.now();
			if (this.#turnStart < 0) {
				this.#turnStart = t;
				// Queued before any activation deferred from this turn, so the next turn starts afresh.
				setImmediate(() => (this.#turnStart = -1));
			}
			if (t - this.#turnStart < budget) return;
		}
	}

	#wait(what: string, deadline: number): Promise<void> {
		if (this.#queue.length >= this.opts.queueLimit) {
			this.opts.onRefused?.("full");
			return Promise.reject(new BusyError(`too many symbol activations waiting (${this.#queue.length}); ${what} refused, retry`, { retryable: true }));
		}
		// Refused now rather than at its deadline when, at the recent pace, the waiters ahead will not
		// all have started by then: a request's doomed waiters would otherwise all fail at one moment.
		if (this.#paceMs > 0 && (this.#queue.length + 1) * this.#paceMs > deadline - this.opts.now()) {
			this.opts.onRefused?.("deadline");
			return Promise.reject(new BusyError(`${what} would not be activated before its deadline (${this.#queue.length} waiting, ~${this.#paceMs.toFixed(1)} ms each); retry`, { retryable: true }));
		}
		return new Promise<void>((resolve, reject) => {
			const w: Waiter = { start: resolve, fail: reject, timer: null };
			const ms = deadline - this.opts.now();
			if (Number.isFinite(ms)) {
				w.timer = setTimeout(
					() => {
						const i = this.#queue.indexOf(w);
						if (i < 0) return;
						this.#queue.splice(i, 1);
						this.opts.onRefused?.("deadline");
						this.#changed();
						reject(new BusyError(`${what} waited past its deadline for an activation slot (${this.#queue.length} waiting); retry`, { retryable: true }));
					},
					Math.max(0, ms),
				);
				w.timer.unref();
			}
			this.#queue.push(w);
			this.#changed();
		});
	}

	#changed(): void {
		this.opts.onChange?.(this.#running, this.#queue.length);
	}

	/** Hand the slot to the next waiter (it stays taken), or free it. */
	#release(): void {
		const t = performance.now();
		if (this.#lastDone >= 0) this.#paceMs = this.#paceMs === 0 ? t - this.#lastDone : 0.9 * this.#paceMs + 0.1 * (t - this.#lastDone);
		const next = this.#queue.shift();
		// The pace counts only while activations follow one another; an idle gap is not a pace.
		this.#lastDone = next ? t : -1;
		if (next) {
			if (next.timer) clearTimeout(next.timer);
			next.start();
		} else this.#running--;
		this.#changed();
	}
}
