/**
 * One worker per data type: every `interval_seconds` it polls the vendor chain for each enabled
 * instrument this node owns, with retries (exponential backoff with jitter, Retry-After honoured),
 * fallback down the chain and a circuit breaker per vendor. Pure: clock, timers, vendors,
 * ownership and the message sink are injected, so tests drive it with a fake clock.
 */
import { backoffDelay } from "../resilience/backoff.ts";
import { CircuitBreaker, CircuitOpenError } from "../resilience/circuit-breaker.ts";
import { withTimeout } from "../resilience/timeout.ts";
import { VendorError, type DataType, type PollVendor, type VendorItem } from "../vendors/vendor.ts";
import { workerId, type Cadence } from "./cadence.ts";
import { Ring } from "./ring.ts";

export interface Timers {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
	now: Date.now,
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: h => clearTimeout(h as NodeJS.Timeout),
};

export interface RetryPolicy {
	initialMs: number;
	maxMs: number;
	jitter: "full" | "none";
	timeoutMs: number;
	/** Symbols polled at once. */
	concurrency: number;
	random?: () => number;
}

export interface PolledBatch {
	items: VendorItem[];
	vendor: string;
	retry_count: number;
	fallback: boolean;
}

export interface WorkerDeps {
	timers: Timers;
	retry: RetryPolicy;
	telemetryLimit: number;
	vendor(name: string): PollVendor | undefined;
	breaker(vendor: string): CircuitBreaker;
	/** Enabled instruments for this data type. */
	instruments(dataType: DataType): Promise<string[]>;
	/** Whether this node polls `symbol` this run (lease or placement); the lease lasts `ttlMs`. */
	claim(dataType: DataType, symbol: string, times: { ttlMs: number; intervalMs: number }): Promise<boolean>;
	emit(batch: PolledBatch & { dataType: DataType; symbol: string }): void | Promise<void>;
	onRun?(record: RunRecord): void;
}

export type WorkerState = "running" | "stopped" | "disabled";

/** Exactly the predecessor's WorkerStatus, plus the breakers of the chain. */
export interface WorkerStatus {
	worker_id: string;
	data_type: DataType;
	status: WorkerState;
	last_run: string | null;
	next_run: string | null;
	success_count: number;
	error_count: number;
	current_vendor: string | null;
	last_error: string | null;
	breakers: Array<{ vendor: string; state: string }>;
}

export interface RunRecord {
	worker_id: string;
	data_type: DataType;
	started_at: string;
	duration_ms: number;
	symbols: number;
	/** Symbols skipped because another node polls them. */
	skipped: number;
	items: number;
	/** The vendor that served most symbols this run. */
	vendor: string | null;
	vendors: Record<string, number>;
	retries: number;
	fallbacks: number;
	errors: Array<{ symbol: string; error: string }>;
}

class Stopped extends Error {}

export class DataWorker {
	readonly id: string;
	#cadence: Cadence;
	#state: WorkerState = "stopped";
	/** Set by stop(): a run in progress ends at its next symbol or wait. */
	#abort = false;
	#timer: unknown = null;
	#sleeps = new Set<{ handle: unknown; reject: (e: Error) => void }>();
	#running: Promise<RunRecord> | null = null;
	#lastRun: number | null = null;
	#nextRun: number | null = null;
	/** When each instrument's last scheduled poll started: the next one waits a full interval after it. */
	#polledAt = new Map<string, number>();
	#success = 0;
	#errors = 0;
	#currentVendor: string | null = null;
	#lastError: string | null = null;
	readonly telemetry: Ring<RunRecord>;

	constructor(
		readonly dataType: DataType,
		cadence: Cadence,
		readonly deps: WorkerDeps,
	) {
		this.id = workerId(dataType);
		this.#cadence = cadence;
		this.telemetry = new Ring(deps.telemetryLimit);
	}

	get cadence(): Cadence {
		return this.#cadence;
	}

	start(): void {
		if (this.#state === "running") return;
		if (!this.#cadence.enabled) {
			this.#state = "disabled";
			return;
		}
		this.#state = "running";
		this.#abort = false;
		this.#schedule(this.deps.timers.now());
	}

	/** Stops scheduling and abandons a run in progress at its next wait. */
	async stop(): Promise<void> {
		this.#state = this.#cadence.enabled ? "stopped" : "disabled";
		this.#abort = true;
		this.#clearTimer();
		this.#nextRun = null;
		for (const s of this.#sleeps) {
			this.deps.timers.clearTimeout(s.handle);
			s.reject(new Stopped());
		}
		this.#sleeps.clear();
		await this.#running?.catch(() => {});
	}

	/** A new cadence takes effect at once: the next run moves to last run + new interval. */
	setCadence(c: Cadence): void {
		const was = this.#state;
		this.#cadence = c;
		if (!c.enabled) {
			void this.stop();
			return;
		}
		if (was === "disabled") return this.start();
		if (was === "running" && !this.#running) this.#schedule(this.#lastRun === null ? this.deps.timers.now() : this.#lastRun + c.interval_seconds * 1000);
	}

	status(): WorkerStatus {
		const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
		return {
			worker_id: this.id,
			data_type: this.dataType,
			status: this.#state,
			last_run: iso(this.#lastRun),
			next_run: iso(this.#nextRun),
			success_count: this.#success,
			error_count: this.#errors,
			current_vendor: this.#currentVendor,
			last_error: this.#lastError,
			breakers: this.#cadence.vendors.map(v => ({ vendor: v, state: this.deps.breaker(v).state })),
		};
	}

	#clearTimer(): void {
		if (this.#timer !== null) this.deps.timers.clearTimeout(this.#timer);
		this.#timer = null;
	}

	#schedule(at: number): void {
		this.#clearTimer();
		const now = this.deps.timers.now();
		this.#nextRun = Math.max(at, now);
		this.#timer = this.deps.timers.setTimeout(() => {
			this.#timer = null;
			void this.#start(true).finally(() => {
				if (this.#state === "running") this.#schedule(this.#lastRun! + this.#cadence.interval_seconds * 1000);
			});
		}, this.#nextRun - now);
	}

	/** One run over every instrument now, unpaced; `start` runs on schedule (paced). */
	runOnce(): Promise<RunRecord> {
		return this.#start(false);
	}

	#start(paced: boolean): Promise<RunRecord> {
		if (this.#running) return this.#running;
		if (this.#state !== "running") this.#abort = false;
		const p = this.#run(paced).finally(() => (this.#running = null));
		this.#running = p;
		return p;
	}

	/**
	 * Polls every instrument this node claims, `concurrency` at a time. Paced (scheduled runs): an
	 * instrument polled late in the last run (behind slow polls in its lane) waits until a full
	 * interval after that poll, so no instrument is polled twice within one interval (vendor rate
	 * limits) and each keeps its own steady period however the latencies before it vary.
	 */
	async #run(paced: boolean): Promise<RunRecord> {
		const t0 = this.deps.timers.now();
		this.#lastRun = t0;
		this.#nextRun = null;
		const rec: RunRecord = { worker_id: this.id, data_type: this.dataType, started_at: new Date(t0).toISOString(), duration_ms: 0, symbols: 0, skipped: 0, items: 0, vendor: null, vendors: {}, retries: 0, fallbacks: 0, errors: [] };
		try {
			// A chain of push vendors only (alpaca-stream, replay): they stream; nothing to poll.
			const symbols = this.#pollChain().length === 0 ? [] : await this.deps.instruments(this.dataType);
			const intervalMs = this.#cadence.interval_seconds * 1000;
			const times = { intervalMs, ttlMs: intervalMs * 2 + 5000 };
			const listed = new Set(symbols);
			for (const s of this.#polledAt.keys()) if (!listed.has(s)) this.#polledAt.delete(s);
			let next = 0;
			const lane = async () => {
				while (next < symbols.length && !this.#abort) {
					const symbol = symbols[next++];
					if (!(await this.deps.claim(this.dataType, symbol, times).catch(() => false))) {
						rec.skipped++;
						continue;
					}
					rec.symbols++;
					const due = (this.#polledAt.get(symbol) ?? -Infinity) + intervalMs;
					if (paced && due > this.deps.timers.now()) await this.#sleep(Math.min(intervalMs, due - this.deps.timers.now()));
					this.#polledAt.set(symbol, this.deps.timers.now());
					await this.#pollSymbol(symbol, rec);
				}
			};
			await Promise.all(Array.from({ length: Math.max(1, this.deps.retry.concurrency) }, lane));
		} catch (err) {
			if (!(err instanceof Stopped)) rec.errors.push({ symbol: "*", error: (err as Error).message });
		}
		rec.duration_ms = this.deps.timers.now() - t0;
		rec.vendor = Object.entries(rec.vendors).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
		this.telemetry.push(rec);
		this.deps.onRun?.(rec);
		return rec;
	}

	async #pollSymbol(symbol: string, rec: RunRecord): Promise<void> {
		try {
			const batch = await this.poll(symbol);
			this.#success++;
			this.#currentVendor = batch.vendor;
			rec.items += batch.items.length;
			rec.vendors[batch.vendor] = (rec.vendors[batch.vendor] ?? 0) + 1;
			rec.retries += batch.retry_count;
			if (batch.fallback) rec.fallbacks++;
			if (batch.items.length > 0) await this.deps.emit({ ...batch, dataType: this.dataType, symbol });
		} catch (err) {
			if (err instanceof Stopped) throw err;
			this.#errors++;
			this.#lastError = `${symbol}: ${(err as Error).message}`;
			rec.errors.push({ symbol, error: (err as Error).message });
		}
	}

	/** Items for one symbol from the first vendor of the chain that answers, retrying with backoff. */
	async poll(symbol: string): Promise<PolledBatch> {
		const c = this.#cadence;
		const chain = this.#pollChain();
		if (chain.length === 0) throw new Error(`no poll vendor in the chain [${c.vendors.join(", ")}] serves ${this.dataType}`);
		const hopeless = new Set<string>();
		const attempts = Math.max(1, c.retry_attempts);
		let last: Error = new Error("no attempt made");
		for (let attempt = 0; attempt < attempts; attempt++) {
			if (attempt > 0) {
				const backoff = backoffDelay(attempt - 1, { initialMs: this.deps.retry.initialMs, multiplier: c.retry_backoff_multiplier, maxMs: this.deps.retry.maxMs, jitter: this.deps.retry.jitter, random: this.deps.retry.random });
				const retryAfter = last instanceof VendorError ? (last.retryAfterMs ?? 0) : 0;
				await this.#sleep(Math.min(this.deps.retry.maxMs, Math.max(backoff, retryAfter)));
			}
			for (let i = 0; i < chain.length; i++) {
				const v = chain[i];
				if (hopeless.has(v.name)) continue;
				const breaker = this.deps.breaker(v.name);
				try {
					// A client error (unknown symbol) means the vendor is up: it does not count against the breaker.
					const out = await breaker.exec(() =>
						withTimeout(signal => v.fetch(this.dataType, symbol, signal), this.deps.retry.timeoutMs, `${v.name} ${this.dataType} ${symbol}`).catch((err: unknown) => {
							if (err instanceof VendorError && !err.retryable) return err;
							throw err;
						}),
					);
					if (out instanceof VendorError) throw out;
					return { items: out, vendor: v.name, retry_count: attempt, fallback: i > 0 };
				} catch (err) {
					last = err as Error;
					if (err instanceof VendorError && !err.retryable) hopeless.add(v.name);
					else if (!(err instanceof CircuitOpenError) && !(err instanceof VendorError) && (err as Error).name !== "TimeoutError") hopeless.add(v.name);
				}
			}
			if (hopeless.size === chain.length) break;
		}
		throw last;
	}

	/** The poll vendors of the chain that serve this data type, first choice first. */
	#pollChain(): PollVendor[] {
		const c = this.#cadence;
		return (c.vendor_fallback ? c.vendors : c.vendors.slice(0, 1)).map(n => this.deps.vendor(n)).filter((v): v is PollVendor => v !== undefined && v.serves(this.dataType));
	}

	#sleep(ms: number): Promise<void> {
		if (this.#abort) return Promise.reject(new Stopped());
		return new Promise((resolve, reject) => {
			const entry = { handle: null as unknown, reject };
			entry.handle = this.deps.timers.setTimeout(() => {
				this.#sleeps.delete(entry);
				resolve();
			}, ms);
			this.#sleeps.add(entry);
		});
	}
}
