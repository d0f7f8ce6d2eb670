/**
 * Runs jobs one at a time in arrival order, bounded by the total weight (ticks) waiting. Full →
 * the `reject` policy: the caller gets BusyError (retryable) and nothing is queued. A job whose
 * caller has given up (its deadline passed while it waited) is skipped, not run: the caller was
 * told it failed, so running it would write what the caller will send again.
 */
import { BusyError } from "../protocol/errors.ts";

// What an idle mailbox waits on: one settled promise for all (not one per symbol).
const IDLE: Promise<unknown> = Promise.resolve();

export class Mailbox {
	#tail: Promise<unknown> = IDLE;
	#pending = 0;
	#weight = 0;
	rejected = 0;
	expired = 0;

	constructor(
		readonly limit: number,
		readonly name: string,
		readonly now: () => number = Date.now,
	) {}

	/** Jobs waiting or running. */
	get pending(): number {
		return this.#pending;
	}

	/** Whether `run` would refuse a job of `weight` now (full, and something is waiting). */
	full(weight = 1): boolean {
		return this.#weight + weight > this.limit && this.#pending > 0;
	}

	run<T>(job: () => Promise<T>, weight = 1, deadline = Infinity): Promise<T> {
		if (this.full(weight)) {
			this.rejected++;
			return Promise.reject(new BusyError(`${this.name}: ${this.#weight} updates are waiting; retry shortly`, { waiting: this.#weight }));
		}
		this.#pending++;
		this.#weight += weight;
		const result = this.#tail.then(() => {
			if (this.now() > deadline) {
				this.expired++;
				throw new BusyError(`${this.name}: the request waited past its deadline and was not written; retry`, { waiting: this.#weight });
			}
			return job();
		});
		// Bound rather than an arrow bound to a name: tsx (esbuild keepNames) defines `name` on
		// every such closure as it is made, ~1 µs a job.
		const done = this.#done.bind(this, weight);
		this.#tail = result.then(done, done);
		return result;
	}

	#done(weight: number): void {
		this.#pending--;
		this.#weight -= weight;
		// Drained (this was the last job queued): drop the settled chain.
		if (this.#pending === 0) this.#tail = IDLE;
	}

	/** Resolves when everything queued so far has run. */
	idle(): Promise<void> {
		return this.#tail.then(() => undefined);
	}
}
