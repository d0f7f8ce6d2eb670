/**
 * Request counts and latencies per action, as Moleculer's built-in Metrics middleware exposes them
 * (`moleculer.request.total`, `.active`, `.error.total`, and `.duration` with quantiles where Moleculer has `.time`), at a fraction of
 * its cost per call: the built-in one builds label-hash strings nine times per call and keeps every
 * latency sample of the last minute for its quantiles. Here a call finds its series once (by
 * caller, in a small map held per action) and updates plain numbers; latencies go to log-scaled
 * buckets (10 % wide) over a rotating window of 30–60 s, from which the quantiles are read when
 * `/metrics` is scraped.
 */
import type { MetricSnapshot } from "./prometheus.ts";

export const REQUEST_QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.999];
/** Latency buckets: bucket i holds (MIN·GROWTH^(i-1), MIN·GROWTH^i] ms; the last one everything above. */
const MIN_MS = 0.01;
const GROWTH = 1.1;
const BUCKETS = 256; // up to 0.01 ms · 1.1^255 ≈ 3.6e8 ms
const LOG_GROWTH = Math.log(GROWTH);
/** Series kept at most: callers × actions × {local, remote} is small; a bound keeps it so. */
const MAX_SERIES = 10_000;

export function bucketOf(ms: number): number {
	if (!(ms > MIN_MS)) return 0;
	return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
}
/** The upper edge of a bucket, ms: what a quantile falling in it is reported as. */
export const bucketUpperMs = (i: number) => MIN_MS * GROWTH ** i;

/** Latency counts over the last `windowMs`–2·`windowMs`: two bucket arrays, the older one dropped on rotation. */
export class LatencyWindow {
	#current = new Uint32Array(BUCKETS);
	#previous = new Uint32Array(BUCKETS);
	#rotatedAt: number;

	constructor(
		readonly windowMs: number,
		now: number,
	) {
		this.#rotatedAt = now;
	}

	observe(ms: number, now: number): void {
		this.#rotate(now);
		this.#current[bucketOf(ms)]++;
	}

	#rotate(now: number): void {
		const age = now - this.#rotatedAt;
		if (age < this.windowMs) return;
		if (age >= 2 * this.windowMs) this.#current.fill(0);
		[this.#previous, this.#current] = [this.#current, this.#previous];
		this.#current.fill(0);
		this.#rotatedAt = now;
	}

	/** Quantiles of the window, keyed like Moleculer's (`"0.5"`); empty when nothing was observed. */
	quantiles(qs: number[], now: number): Record<string, number> {
		this.#rotate(now);
		let n = 0;
		for (let i = 0; i < BUCKETS; i++) n += this.#current[i] + this.#previous[i];
		const out: Record<string, number> = {};
		if (n === 0) return out;
		let seen = 0;
		let qi = 0;
		const sorted = [...qs].sort((a, b) => a - b);
		for (let i = 0; i < BUCKETS && qi < sorted.length; i++) {
			seen += this.#current[i] + this.#previous[i];
			while (qi < sorted.length && seen >= Math.ceil(sorted[qi] * n)) out[String(sorted[qi++])] = Math.round(bucketUpperMs(i) * 1000) / 1000;
		}
		return out;
	}
}

export interface RequestLabels {
	service: string | null;
	action: string;
	type: "local" | "remote";
	caller: string | null;
}

/** One action × type × caller. Plain fields, updated in place. */
export class RequestSeries {
	total = 0;
	active = 0;
	sumMs = 0;
	count = 0;
	readonly errors = new Map<string, { labels: { errorName: string | null; errorCode: string | number | null; errorType: string | null }; count: number }>();
	readonly latency: LatencyWindow;

	constructor(
		readonly labels: RequestLabels,
		windowMs: number,
		now: number,
	) {
		this.latency = new LatencyWindow(windowMs, now);
	}

	started(): void {
		this.total++;
		this.active++;
	}

	finished(ms: number, now: number): void {
		this.active--;
		this.sumMs += ms;
		this.count++;
		this.latency.observe(ms, now);
	}

	failed(err: unknown): void {
		const e = (err ?? {}) as { name?: string; code?: string | number; type?: string };
		const key = `${e.name}|${e.code}|${e.type}`;
		const hit = this.errors.get(key);
		if (hit) hit.count++;
		else if (this.errors.size < 100) this.errors.set(key, { labels: { errorName: e.name ?? null, errorCode: e.code ?? null, errorType: e.type ?? null }, count: 1 });
	}
}

export class RequestMetrics {
	readonly #series: RequestSeries[] = [];
	#dropped = 0;

	constructor(readonly opts: { windowMs: number; now: () => number } = { windowMs: 30_000, now: () => performance.now() }) {}

	/**
	 * The calls of one action and type, by caller: the function returned finds (or makes) a caller's
	 * series; the caller set of an action is small, so this is one Map lookup per call.
	 */
	forAction(service: string | null, action: string, type: "local" | "remote"): (caller: string | null) => RequestSeries | null {
		const byCaller = new Map<string | null, RequestSeries>();
		return caller => {
			let s = byCaller.get(caller);
			if (!s) {
				if (this.#series.length >= MAX_SERIES) {
					this.#dropped++;
					return null;
				}
				s = new RequestSeries({ service, action, type, caller }, this.opts.windowMs, this.opts.now());
				byCaller.set(caller, s);
				this.#series.push(s);
			}
			return s;
		};
	}

	/** Calls not counted because the series bound was reached. */
	get dropped(): number {
		return this.#dropped;
	}

	/** Calls, their summed time and errors since start over the series `pick` selects (`/metrics/performance`). */
	totals(pick: (labels: RequestLabels) => boolean): { count: number; sumMs: number; errors: number } {
		let count = 0;
		let sumMs = 0;
		let errors = 0;
		for (const s of this.#series) {
			if (!pick(s.labels)) continue;
			count += s.count;
			sumMs += s.sumMs;
			for (const e of s.errors.values()) errors += e.count;
		}
		return { count, sumMs, errors };
	}

	/** The four request metrics in the registry's snapshot shape, bridged by lib/metrics/prometheus.ts. */
	snapshot(): MetricSnapshot[] {
		const now = this.opts.now();
		const labels = (s: RequestSeries) => ({ ...s.labels });
		return [
			{ type: "counter", name: "moleculer.request.total", description: "Number of requests", values: this.#series.map(s => ({ labels: labels(s), value: s.total })) },
			{ type: "gauge", name: "moleculer.request.active", description: "Number of active requests", values: this.#series.map(s => ({ labels: labels(s), value: s.active })) },
			{ type: "counter", name: "moleculer.request.error.total", description: "Number of request errors", values: this.#series.flatMap(s => [...s.errors.values()].map(e => ({ labels: { ...labels(s), ...e.labels }, value: e.count }))) },
			{
				type: "histogram",
				name: "moleculer.request.duration",
				unit: "millisecond",
				description: "Request durations (quantiles over the last 30–60 s)",
				values: this.#series.filter(s => s.count > 0).map(s => ({ labels: labels(s), sum: s.sumMs, count: s.count, quantiles: s.latency.quantiles(REQUEST_QUANTILES, now) })),
			},
		];
	}
}
