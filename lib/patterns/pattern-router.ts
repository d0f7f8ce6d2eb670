/**
 * A node's router of pattern inputs: collects the inputs of one event-loop turn per pattern (via
 * the index), then sends each pattern's batch to its owner through `send` (the service's
 * `patterns.feed` call). Per pattern, a batch goes only after the previous one was answered, and
 * is retried with backoff while the owner is unreachable (a killed owner's lease lapsing), so the
 * next owner gets the same inputs in the same order. Each batch carries this router's id and
 * number (`from`, `n`): the evaluator skips a batch applied before (a retry after a timeout).
 *
 * Bounded: inputs waiting or in flight at most `maxPending`; past it new inputs are dropped
 * (policy refuse-new). Drops are reported to `dropped(reason, n)`.
 */
import type { PatternIndex } from "./pattern-index.ts";
import type { Input } from "./pattern-types.ts";

export interface RouterDeps {
	index: PatternIndex;
	id: string;
	send(params: { pattern: string; inputs: Input[]; from: string; n: number }): Promise<unknown>;
	dropped(reason: "refuse-new" | "owner-unavailable", n: number, why?: string): void;
	maxPending: number;
	/** How long a batch is retried. */
	retryMs: number;
	now(): number;
	/** Defer the flush to the next turn (setImmediate). */
	defer(fn: () => void): void;
}

export class PatternRouter {
	#pending = new Map<string, Input[]>();
	#pendingCount = 0;
	#inflight = 0;
	#flushing = false;
	#chains = new Map<string, Promise<void>>();
	#batchNo = 0;

	constructor(readonly deps: RouterDeps) {}

	/** Inputs waiting or being sent. */
	get backlog(): number {
		return this.#pendingCount + this.#inflight;
	}

	route(inputs: Input[]): void {
		if (inputs.length === 0 || this.deps.index.size === 0) return;
		if (this.backlog + inputs.length > this.deps.maxPending) return this.deps.dropped("refuse-new", inputs.length);
		this.deps.index.route(inputs, this.#pending);
		this.#pendingCount += inputs.length;
		if (!this.#flushing) {
			this.#flushing = true;
			this.deps.defer(() => this.#flush());
		}
	}

	#flush(): void {
		const batch = this.#pending;
		this.#pending = new Map();
		this.#pendingCount = 0;
		this.#flushing = false;
		for (const [pattern, inputs] of batch) {
			this.#inflight += inputs.length;
			const next = (this.#chains.get(pattern) ?? Promise.resolve()).then(() => this.#send(pattern, inputs)).finally(() => (this.#inflight -= inputs.length));
			this.#chains.set(pattern, next);
			void next.then(() => this.#chains.get(pattern) === next && this.#chains.delete(pattern));
		}
	}

	async #send(pattern: string, inputs: Input[]): Promise<void> {
		const params = { pattern, inputs, from: this.deps.id, n: ++this.#batchNo };
		const until = this.deps.now() + this.deps.retryMs;
		for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
			try {
				await this.deps.send(params);
				return;
			} catch (err) {
				const e = err as { retryable?: boolean; code?: number; message: string };
				if (!(e.retryable || e.code === 503) || this.deps.now() + wait > until) return this.deps.dropped("owner-unavailable", inputs.length, e.message);
				await new Promise(resolve => setTimeout(resolve, wait));
			}
		}
	}
}
