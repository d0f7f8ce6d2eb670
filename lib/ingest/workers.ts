/**
 * Ingest's data workers, one per data type (lib/workers/data-worker.ts), built from the worker
 * settings: each polls its instruments from the vendor chain, one circuit breaker per vendor
 * shared by every worker, and hands what it fetched to `emit`.
 */
import type { WorkerSettings } from "../config/config.ts";
import { CircuitBreaker } from "../resilience/circuit-breaker.ts";
import { DATA_TYPES, PollVendor, type DataType, type VendorAdapter } from "../vendors/index.ts";
import { workerId, type Cadence } from "../workers/cadence.ts";
import { DataWorker, type RunRecord, type Timers, type WorkerDeps } from "../workers/data-worker.ts";

/** The configured cadence of a data type (what an operator's KV setting overrides). */
export function defaultCadence(w: WorkerSettings, dt: DataType): Cadence {
	return { data_type: dt, interval_seconds: w.intervals[dt], enabled: true, retry_attempts: w.retryAttempts, retry_backoff_multiplier: w.retryMultiplier, vendor_fallback: true, vendors: w.chains[dt] };
}

export interface WorkersDeps extends Pick<WorkerDeps, "instruments" | "claim"> {
	timers: Timers;
	vendors: ReadonlyMap<string, VendorAdapter>;
	emit(batch: Parameters<WorkerDeps["emit"]>[0], workerId: string): void;
	onRun(record: RunRecord): void;
}

export function createDataWorkers(w: WorkerSettings, deps: WorkersDeps): Map<DataType, DataWorker> {
	const breakers = new Map<string, CircuitBreaker>();
	const breaker = (name: string) => {
		let b = breakers.get(name);
		if (!b) breakers.set(name, (b = new CircuitBreaker(name, { ...w.breaker, now: deps.timers.now })));
		return b;
	};
	const vendor = (name: string) => {
		const v = deps.vendors.get(name);
		return v instanceof PollVendor ? v : undefined;
	};
	const retry = { initialMs: w.retryInitialMs, maxMs: w.retryMaxMs, jitter: w.jitter, timeoutMs: w.timeoutMs, concurrency: w.concurrency };
	return new Map(
		DATA_TYPES.map(dt => [
			dt,
			new DataWorker(dt, defaultCadence(w, dt), {
				timers: deps.timers,
				retry,
				telemetryLimit: w.telemetryLimit,
				vendor,
				breaker,
				instruments: deps.instruments,
				claim: deps.claim,
				emit: b => deps.emit(b, workerId(dt)),
				onRun: deps.onRun,
			}),
		]),
	);
}
