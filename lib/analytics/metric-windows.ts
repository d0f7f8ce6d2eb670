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

const newBucket = (index: number): Bucket => ({ index, count: 0, sum: 0, min: Infinity, max: -Infinity, sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }) });

/** count, sum, min and max of a bucket, not its sketch. */
function addStats(b: Bucket, value: number): void {
	b.count++;
	b.sum += value;
	if (value < b.min) b.min = value;
	if (value > b.max) b.max = value;
}

class Ring {
	readonly slots: Array<Bucket | null>;

	constructor(
		readonly resMs: number,
		spanMs: number,
	) {
		this.slots = new Array<Bucket | null>(spanMs / resMs + 1).fill(null);
	}

	/**
	 * The bucket of `index`, made (over an older one, which `replaced` gets) if need be; null when
	 * the index is older than the ring holds at `now`, or than its slot's bucket.
	 */
	bucket(index: number, now: number, replaced?: (old: Bucket) => void): Bucket | null {
		if (index <= Math.floor(now / this.resMs) - this.slots.length) return null;
		const at = index % this.slots.length;
		const b = this.slots[at];
		if (b !== null && b.index === index) return b;
		if (b !== null && b.index > index) return null;
		if (b !== null && replaced) replaced(b);
		return (this.slots[at] = newBucket(index));
	}

	/** The bucket of `index` if the ring holds it. */
	held(index: number): Bucket | null {
		const b = this.slots[index % this.slots.length];
		return b !== null && b.index === index ? b : null;
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

/** How many of the finest ring's buckets make one of each ring's (1, 12, 180). */
const PER_FINE = RINGS.map(r => r.resMs / RINGS[0].resMs);

/**
 * A metric's windows. Every ring keeps count, sum, min and max as each value arrives; the sketch of
 * a value the finest ring holds is kept there alone, and merged into the coarser rings' buckets
 * when that bucket leaves the ring (a DDSketch merge is exact: the same bins as accepting each
 * value). A window on a coarser ring merges, with its own buckets' sketches, those of the finest
 * buckets still held that fall in it. One sketch update a value instead of three: the rings were
 * ~10 % of the embedded batch endpoint's CPU (two metrics a tick).
 */
export class MetricWindows {
	readonly #rings = RINGS.map(r => new Ring(r.resMs, r.spanMs));
	/** Newest value time seen (for idle eviction). */
	lastTs = -Infinity;
	/** Marked as changed since its store last took the changed names (WindowStore). */
	dirty = false;
	/** The buckets of the finest index last added to, one per ring, and until when `now` may be for them to stand. */
	#hot: Bucket[] = [];
	#hotIndex = Number.NaN;
	#hotUntil = -Infinity;
	readonly #rollUp = (old: Bucket) => this.#roll(old);

	/** Add a value at `ts` (≤ now); false when older than every window. */
	add(ts: number, value: number, now: number): boolean {
		const fine = Math.floor(ts / RINGS[0].resMs);
		if (fine === this.#hotIndex && now < this.#hotUntil) {
			// The buckets of the last value's: the finest ring holds it, so every ring does.
			const hot = this.#hot;
			for (let r = 0; r < hot.length; r++) addStats(hot[r], value);
			hot[0].sketch.accept(value);
		} else if (!this.#addSlow(fine, value, now)) return false;
		if (ts > this.lastTs) this.lastTs = ts;
		return true;
	}

	#addSlow(fine: number, value: number, now: number): boolean {
		const rings = this.#rings;
		const first = rings[0].bucket(fine, now, this.#rollUp);
		const hot: Bucket[] = [];
		let kept = false;
		for (let r = 0; r < rings.length; r++) {
			const b = r === 0 ? first : rings[r].bucket(Math.floor(fine / PER_FINE[r]), now);
			if (b === null) continue;
			addStats(b, value);
			// Held by the finest ring: its sketch there only; else (too old for it) in each ring's own.
			if (r === 0 || first === null) b.sketch.accept(value);
			hot.push(b);
			kept = true;
		}
		this.#hot = hot;
		this.#hotIndex = first === null ? Number.NaN : fine;
		// The finest ring refuses the index once floor(now / res) reaches index + its length.
		this.#hotUntil = (fine + rings[0].slots.length) * RINGS[0].resMs;
		return kept;
	}

	/** A finest bucket leaving its ring: its sketch goes into the coarser buckets that hold its values. */
	#roll(old: Bucket): void {
		for (let r = 1; r < this.#rings.length; r++) {
			const into = this.#rings[r].held(Math.floor(old.index / PER_FINE[r]));
			if (into !== null) mergeSketch(into.sketch, old.sketch);
		}
	}

	/** The sketches of the finest buckets held whose values a coarser ring's [fromIndex, toIndex] holds but not yet its sketches. */
	#unrolled(ring: number, fromIndex: number, toIndex: number): DDSketch[] {
		if (ring === 0) return [];
		const per = PER_FINE[ring];
		const out: DDSketch[] = [];
		for (const b of this.#rings[0].slots) {
			if (b === null) continue;
			const index = Math.floor(b.index / per);
			if (index >= fromIndex && index <= toIndex && this.#rings[ring].held(index) !== null) out.push(b.sketch);
		}
		return out;
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
		const m = mergeBuckets(this.#rings[s.ring].buckets(s.fromIndex, s.toIndex), this.#unrolled(s.ring, s.fromIndex, s.toIndex));
		if (m.count === 0) return [];
		const sketch = format === "bins" ? toBins(m.sketch) : Buffer.from(m.sketch.toProto()).toString("base64");
		return [{ index: s.toIndex, count: m.count, sum: m.sum, min: m.min, max: m.max, sketch }];
	}

	stats(name: string, window: WindowName, now: number): WindowStats {
		const s = windowSpan(window, now);
		return combine(name, window, s.from, s.to, this.#rings[s.ring].buckets(s.fromIndex, s.toIndex), this.#unrolled(s.ring, s.fromIndex, s.toIndex));
	}
}

function sketchOf(s: DDSketch | SketchBins | string): DDSketch {
	if (s instanceof DDSketch) return s;
	return typeof s === "string" ? DDSketch.fromProto(Buffer.from(s, "base64")) : fromBins(s, RELATIVE_ACCURACY);
}

/**
 * Buckets (local ones, or exported ones from several nodes) added into one: exact counts, sums and
 * extremes, merged sketch bins; `sketches`: more of the same values' sketches (MetricWindows).
 */
function mergeBuckets(buckets: ReadonlyArray<Bucket | BucketExport>, sketches: readonly DDSketch[] = []): { count: number; sum: number; min: number; max: number; sketch: DDSketch } {
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
	for (const s of sketches) mergeSketch(sketch, s);
	return { count, sum, min, max, sketch };
}

/** Stats over buckets (local ones, or exported ones from several nodes). */
export function combine(name: string, window: WindowName, from: number, to: number, buckets: ReadonlyArray<Bucket | BucketExport>, sketches?: readonly DDSketch[]): WindowStats {
	const { count, sum, min, max, sketch: merged } = mergeBuckets(buckets, sketches);
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
