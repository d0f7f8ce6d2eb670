/**
 * Every metric this node aggregates, by name, bounded: at most `maxMetrics` series (a new name past
 * that is refused, policy `refuse-new`), and a series with no value for 24 h is dropped. Names
 * updated since the last `takeDirty()` are remembered for the ≤ 1/s topic updates.
 */
import { MetricWindows, type BucketExport, type SketchFormat, type WindowStats } from "./metric-windows.ts";
import type { WindowName } from "./window-spec.ts";

export type RecordResult = "ok" | "late" | "full";
const DAY = 86_400_000;

export class WindowStore {
	readonly #series = new Map<string, MetricWindows>();
	#dirty = new Set<string>();

	constructor(
		readonly maxMetrics: number,
		readonly now: () => number = Date.now,
	) {}

	get size(): number {
		return this.#series.size;
	}

	has(name: string): boolean {
		return this.#series.has(name);
	}

	/** A ts ahead of this node's clock counts as now (the windows end now). */
	record(name: string, value: number, ts?: number): RecordResult {
		const now = this.now();
		let s = this.#series.get(name);
		if (!s) {
			if (this.#series.size >= this.maxMetrics) return "full";
			this.#series.set(name, (s = new MetricWindows()));
		}
		if (!s.add(ts === undefined || ts > now ? now : ts, value, now)) return "late";
		// The flag spares a Set lookup a value (two a tick) for a name already marked.
		if (!s.dirty) {
			s.dirty = true;
			this.#dirty.add(name);
		}
		return "ok";
	}

	stats(name: string, window: WindowName): WindowStats | null {
		return this.#series.get(name)?.stats(name, window, this.now()) ?? null;
	}

	/** This node's buckets of the window, or null when it has never seen the metric. */
	export(name: string, window: WindowName, format?: SketchFormat): BucketExport[] | null {
		return this.#series.get(name)?.export(window, this.now(), format) ?? null;
	}

	takeDirty(): string[] {
		const d = [...this.#dirty];
		this.#dirty = new Set();
		for (const name of d) {
			const s = this.#series.get(name);
			if (s) s.dirty = false;
		}
		return d;
	}

	/** Drop series idle for a day (their windows are all empty); returns how many. */
	evictIdle(): number {
		const cutoff = this.now() - DAY;
		let n = 0;
		for (const [name, s] of this.#series) if (s.lastTs < cutoff) n += Number(this.#series.delete(name));
		return n;
	}

	names(): string[] {
		return [...this.#series.keys()].sort();
	}
}
