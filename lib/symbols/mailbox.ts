/**
 * Runs jobs one at a time in arrival order, with a bound on how many may wait. Full → the
 * `reject` policy: the caller gets BusyError (retryable) and nothing is queued.
 */
import { BusyError } from "../protocol/errors.ts";

export class Mailbox {
	#tail: Promise<unknown> = Promise.resolve();
	#pending = 0;
	rejected = 0;

	constructor(readonly limit: number, readonly name: string) {}

	get pending(): number {
		return this.#pending;
	}

	run<T>(job: () => Promise<T>): Promise<T> {
		if (this.#pending >= this.limit) {
			this.rejected++;
			return Promise.reject(new BusyError(`${this.name}: ${this.#pending} updates are waiting; retry shortly`, { pending: this.#pending }));
		}
		this.#pending++;
		const result = this.#tail.then(job);
		this.#tail = result.then(
			() => this.#pending--,
			() => this.#pending--,
		);
		return result;
	}

	/** Resolves when everything queued so far has run. */
	idle(): Promise<void> {
		return this.#tail.then(() => undefined);
	}
}
