/**
 * A bulkhead: at most `maxConcurrent` calls run at once, up to `queueLimit` more wait in FIFO
 * order, and a call beyond that is refused at once with a retryable BusyError (policy: reject
 * newest), counted in `rejected`.
 */
import { BusyError } from "../protocol/errors.ts";

export interface BulkheadOptions {
	maxConcurrent: number;
	queueLimit: number;
}

export interface BulkheadStats {
	active: number;
	queued: number;
	rejected: number;
	maxConcurrent: number;
	queueLimit: number;
}

export class Bulkhead {
	#opts: BulkheadOptions;
	#active = 0;
	#rejected = 0;
	readonly #queue: Array<() => void> = [];

	constructor(readonly name: string, opts: BulkheadOptions) {
		this.#opts = Bulkhead.#checked(opts);
	}

	async run<T>(fn: () => Promise<T>): Promise<T> {
		if (this.#active >= this.#opts.maxConcurrent) {
			if (this.#queue.length >= this.#opts.queueLimit) {
				this.#rejected++;
				throw new BusyError(`${this.name} is busy: ${this.#active} calls running (max ${this.#opts.maxConcurrent}) and ${this.#queue.length} queued (limit ${this.#opts.queueLimit}); retry later`, {
					bulkhead: this.name,
					active: this.#active,
					queued: this.#queue.length,
				});
			}
			await new Promise<void>(resolve => this.#queue.push(resolve));
		} else {
			this.#active++;
		}
		try {
			return await fn();
		} finally {
			this.#release();
		}
	}

	/** New limits take effect for the next calls; calls already running finish. */
	resize(opts: BulkheadOptions): void {
		this.#opts = Bulkhead.#checked(opts);
		while (this.#active < this.#opts.maxConcurrent && this.#queue.length > 0) {
			this.#active++;
			this.#queue.shift()!();
		}
	}

	stats(): BulkheadStats {
		return { active: this.#active, queued: this.#queue.length, rejected: this.#rejected, maxConcurrent: this.#opts.maxConcurrent, queueLimit: this.#opts.queueLimit };
	}

	// The slot passes straight to the next waiter, so `active` never dips and a newcomer cannot jump the queue.
	#release(): void {
		const next = this.#active <= this.#opts.maxConcurrent ? this.#queue.shift() : undefined;
		if (next) next();
		else this.#active--;
	}

	static #checked(opts: BulkheadOptions): BulkheadOptions {
		if (!Number.isInteger(opts.maxConcurrent) || opts.maxConcurrent < 1) throw new RangeError(`maxConcurrent must be an integer >= 1 (got ${opts.maxConcurrent})`);
		if (!Number.isInteger(opts.queueLimit) || opts.queueLimit < 0) throw new RangeError(`queueLimit must be an integer >= 0 (got ${opts.queueLimit})`);
		return { maxConcurrent: opts.maxConcurrent, queueLimit: opts.queueLimit };
	}
}
