/**
 * A circuit breaker for one dependency (an agent, a vendor): after `failureThreshold` consecutive
 * failures it opens and refuses calls at once with a CircuitOpenError; after `openMs` it lets up to
 * `halfOpenMaxCalls` probes through (half-open). A probe that succeeds closes it, one that fails
 * opens it again for another `openMs`. Time comes from `now()`, so tests never sleep.
 */
import { UnavailableError } from "../protocol/errors.ts";

export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
	/** Consecutive failures that open the breaker. */
	failureThreshold: number;
	/** How long it stays open before a half-open probe is allowed. */
	openMs: number;
	/** Calls allowed in flight while half-open. */
	halfOpenMaxCalls: number;
	now?: () => number;
}

export interface BreakerStatus {
	name: string;
	state: BreakerState;
	consecutiveFailures: number;
	openedAt: number | null;
	nextProbeAt: number | null;
	lastError: string | null;
}

/** 503, retryable: the breaker of `name` is open; `data.nextProbeAt` says when it will try again. */
export class CircuitOpenError extends UnavailableError {
	constructor(name: string, nextProbeAt: number | null) {
		super(`${name} is unavailable: its circuit breaker is open${nextProbeAt ? ` until ${new Date(nextProbeAt).toISOString()}` : ""}`, { breaker: name, nextProbeAt });
		this.name = "CircuitOpenError";
	}
}

export class CircuitBreaker {
	readonly #opts: Required<CircuitBreakerOptions>;
	#state: BreakerState = "closed";
	#failures = 0;
	#openedAt: number | null = null;
	#halfOpenInFlight = 0;
	#lastError: string | null = null;

	constructor(
		readonly name: string,
		opts: CircuitBreakerOptions,
	) {
		if (!(opts.failureThreshold >= 1)) throw new RangeError(`failureThreshold must be >= 1 (got ${opts.failureThreshold})`);
		if (!(opts.openMs >= 0)) throw new RangeError(`openMs must be >= 0 (got ${opts.openMs})`);
		if (!(opts.halfOpenMaxCalls >= 1)) throw new RangeError(`halfOpenMaxCalls must be >= 1 (got ${opts.halfOpenMaxCalls})`);
		this.#opts = { now: Date.now, ...opts };
	}

	/** Open turns half-open once `openMs` has passed, checked when asked. */
	get state(): BreakerState {
		if (this.#state === "open" && this.#openedAt !== null && this.#opts.now() - this.#openedAt >= this.#opts.openMs) {
			this.#state = "half-open";
			this.#halfOpenInFlight = 0;
		}
		return this.#state;
	}

	canRequest(): boolean {
		const s = this.state;
		if (s === "closed") return true;
		if (s === "open") return false;
		return this.#halfOpenInFlight < this.#opts.halfOpenMaxCalls;
	}

	onSuccess(): void {
		if (this.#state === "half-open") this.#halfOpenInFlight = Math.max(0, this.#halfOpenInFlight - 1);
		this.#state = "closed";
		this.#failures = 0;
		this.#openedAt = null;
	}

	onFailure(err?: unknown): void {
		this.#lastError = err === undefined ? "failure" : err instanceof Error ? err.message : String(err);
		this.#failures++;
		const s = this.state;
		if (s === "half-open" || (s === "closed" && this.#failures >= this.#opts.failureThreshold)) this.#open();
	}

	async exec<T>(fn: () => Promise<T>): Promise<T> {
		if (!this.canRequest()) throw new CircuitOpenError(this.name, this.#nextProbeAt());
		if (this.#state === "half-open") this.#halfOpenInFlight++;
		let result: T;
		try {
			result = await fn();
		} catch (err) {
			this.onFailure(err);
			throw err;
		}
		this.onSuccess();
		return result;
	}

	status(): BreakerStatus {
		const state = this.state;
		return {
			name: this.name,
			state,
			consecutiveFailures: this.#failures,
			openedAt: this.#openedAt,
			nextProbeAt: state === "open" ? this.#nextProbeAt() : null,
			lastError: this.#lastError,
		};
	}

	/** Closed, no failures counted (operator restart). */
	reset(): void {
		this.#state = "closed";
		this.#failures = 0;
		this.#openedAt = null;
		this.#halfOpenInFlight = 0;
		this.#lastError = null;
	}

	#open(): void {
		this.#state = "open";
		this.#openedAt = this.#opts.now();
		this.#halfOpenInFlight = 0;
	}

	#nextProbeAt(): number | null {
		return this.#openedAt === null ? null : this.#openedAt + this.#opts.openMs;
	}
}
