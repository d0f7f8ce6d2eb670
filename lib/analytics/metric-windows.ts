/**
 * One metric's trailing windows (1m … 24h) from three rings of time buckets (window-spec.ts). Each
 * bucket keeps an exact count/sum/min/max and a DDSketch for quantiles (relative accuracy 1 %),
 * so memory is bounded by the buckets (13 + 61 + 97), however many values arrive. A value updates
 * one bucket per ring. Buckets are exported for merging across nodes (DDSketch is mergeable).
 */
import { DDSketch } from "@datadog/sketches-js";
import { RINGS, WINDOW_SPECS, type WindowName } from "./window-spec.ts";
import { fromBins, mergeSketch, toBins, type SketchBins } from "./sketch-bins.ts";

/** Relative accuracy of every quantile answer: the value returned is within ±1 % of the true one. */
export const RELATIVE_ACCURACY = 0.01;

interface Bucket {
	index: number;
	count: number;
	sum: number;
	min: number;
	max: number;
	sketch: DDSketch;
}

/**
 * A window's buckets as exported to another node (merged: `export`): the sketch as its bins
 * (lib/analytics/sketch-bins.ts) when the caller asks for them, else as base64 protobuf, the only
 * form nodes before the bins read and sent. Both are read, so a cluster in a rolling upgrade
 * keeps answering whichever node asks.
 */
export type SketchFormat = "bins" | "proto";

export interface BucketExport {
	index: number;
	count: number;
	sum: number;
	min: number;
	max: number;
	sketch: SketchBins | string;
}

export interface WindowStats {
	name: string;
	window: WindowName;
	from: number;
	to: number;
	count: number;
	sum: number;
	avg: number | null;
	min: number | null;
	max: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
}

class Ring {
	readonly slots: Array<Bucket | null>;

	constructor(
		readonly resMs: number,
		spanMs: number,
	) {
		this.slots = new Array<Bucket | null>(spanMs / resMs + 1).fill(null);
	}

	/** False when `ts` is older than the ring holds at `now`. */
	add(ts: number, value: number, now: number): boolean {
		const index = Math.floor(ts / this.resMs);
		if (index <= Math.floor(now / this.resMs) - this.slots.length) return false;
		const at = index % this.slots.length;
		let b = this.slots[at];
		if (b === null || b.index < index) {
			b = { index, count: 0, sum: 0, min: Infinity, max: -Infinity, sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }) };
			this.slots[at] = b;
		} else if (b.index > index) return false;
		b.count++;
		b.sum += value;
		if (value < b.min) b.min = value;
		if (value > b.max) b.max = value;
		b.sketch.accept(value);
		return true;
	}

	buckets(fromIndex: number, toIndex: number): Bucket[] {
		const out: Bucket[] = [];
		for (const b of this.slots) if (b !== null && b.index >= fromIndex && b.index <= toIndex) out.push(b);
		return out;
	}

	get used(): number {
		return this.slots.reduce((n, b) => n + (b === null ? 0 : 1), 0);
	}
}

/** The bucket range a window covers at `now`: its start rounded up to the ring's resolution. */
export function windowSpan(window: WindowName, now: number): { ring: number; fromIndex: number; toIndex: number; from: number; to: number } {
	const spec = WINDOW_SPECS[window];
	const res = RINGS[spec.ring].resMs;
	const fromIndex = Math.ceil((now - spec.ms) / res);
	return { ring: spec.ring, fromIndex, toIndex: Math.floor(now / res), from: fromIndex * res, to: now };
}

export class MetricWindows {
	readonly #rings = RINGS.map(r => new Ring(r.resMs, r.spanMs));
	/** Newest value time seen (for idle eviction). */
	lastTs = -Infinity;

	/** Add a value at `ts` (≤ now); false when older than every window. */
	add(ts: number, value: number, now: number): boolean {
		let kept = false;
		for (const r of this.#rings) kept = r.add(ts, value, now) || kept;
		if (kept && ts > this.lastTs) this.lastTs = ts;
		return kept;
	}

	/** Buckets in use, over all rings (at most 171, whatever the number of values). */
	get bucketCount(): number {
		return this.#rings.reduce((n, r) => n + r.used, 0);
	}

	/**
	 * The window's buckets merged into one, for another node to combine: merging is exact (counts,
	 * sums, extremes, sketch bins), and encoding one sketch per window instead of one per bucket
	 * (up to 97) took the analytics publish from a quarter of a cluster node's allocation to a
	 * sliver (bench/ingest.ts cluster phase, heap-sampled).
	 */
	export(window: WindowName, now: number, format: SketchFormat = "proto"): BucketExport[] {
		const s = windowSpan(window, now);
		const m = mergeBuckets(this.#rings[s.ring].buckets(s.fromIndex, s.toIndex));
		if (m.count === 0) return [];
		const sketch = format === "bins" ? toBins(m.sketch) : Buffer.from(m.sketch.toProto()).toString("base64");
		return [{ index: s.toIndex, count: m.count, sum: m.sum, min: m.min, max: m.max, sketch }];
	}

	stats(name: string, window: WindowName, now: number): WindowStats {
		const s = windowSpan(window, now);
		return combine(name, window, s.from, s.to, this.#rings[s.ring].buckets(s.fromIndex, s.toIndex));
	}
}

function sketchOf(s: DDSketch | SketchBins | string): DDSketch {
	if (s instanceof DDSketch) return s;
	return typeof s === "string" ? DDSketch.fromProto(Buffer.from(s, "base64")) : fromBins(s, RELATIVE_ACCURACY);
}

/** Buckets (local ones, or exported ones from several nodes) added into one: exact counts, sums and extremes, merged sketch bins. */
function mergeBuckets(buckets: ReadonlyArray<Bucket | BucketExport>): { count: number; sum: number; min: number; max: number; sketch: DDSketch } {
	let count = 0;
	let sum = 0;
	let min = Infinity;
	let max = -Infinity;
	const sketch = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
	for (const b of buckets) {
		if (b.count === 0) continue;
		count += b.count;
		sum += b.sum;
		if (b.min < min) min = b.min;
		if (b.max > max) max = b.max;
		mergeSketch(sketch, sketchOf(b.sketch));
	}
	return { count, sum, min, max, sketch };
}

/** Stats over buckets (local ones, or exported ones from several nodes). */
export function combine(name: string, window: WindowName, from: number, to: number, buckets: ReadonlyArray<Bucket | BucketExport>): WindowStats {
	const { count, sum, min, max, sketch: merged } = mergeBuckets(buckets);
	if (count === 0) return { name, window, from, to, count: 0, sum: 0, avg: null, min: null, max: null, p50: null, p95: null, p99: null };
	// The sketch's answer is within 1 %; clamping to the exact min/max only moves it closer.
	const q = (p: number) => Math.min(max, Math.max(min, merged.getValueAtQuantile(p)));
	return { name, window, from, to, count, sum, avg: sum / count, min, max, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/** One name's stats per window from the buckets every node exported for it (`parts`, one per node); null when none had it. */
export function combineExports(name: string, windows: readonly WindowName[], now: number, parts: ReadonlyArray<Record<string, Partial<Record<WindowName, BucketExport[]>>>>): Partial<Record<WindowName, WindowStats>> | null {
	const seen = parts.filter(p => p[name]);
	if (seen.length === 0) return null;
	return Object.fromEntries(
		windows.map(w => {
			const s = windowSpan(w, now);
			return [
				w,
				combine(
					name,
					w,
					s.from,
					s.to,
					seen.flatMap(p => p[name][w] ?? []),
				),
			];
		}),
	);
}
