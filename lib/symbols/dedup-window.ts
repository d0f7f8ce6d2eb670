/**
 * The last N vendor ids seen, oldest evicted first: enough to drop re-sent ticks, bounded in memory.
 * The set is made with the first id (many feeds send none, and an empty Set is ~100 bytes a symbol).
 * The ids also sit in a ring in arrival order, so evicting the oldest is an index, not an iterator
 * object per id (`Set.values().next()` was the most allocated object of a vendor tick's path).
 */
export class DedupWindow {
	#ids: Set<string> | null = null;
	/** The ids in the window, in arrival order from `#next` (once full) or from 0. */
	#ring: string[] = [];
	#next = 0;

	constructor(readonly size: number) {}

	has(id: string): boolean {
		return this.#ids !== null && this.#ids.has(id);
	}

	add(id: string): void {
		if (this.size === 0) return;
		const ids = (this.#ids ??= new Set<string>());
		const before = ids.size;
		ids.add(id);
		if (ids.size === before) return; // already in the window: its place stays
		if (this.#ring.length < this.size) {
			this.#ring.push(id);
			return;
		}
		ids.delete(this.#ring[this.#next]);
		this.#ring[this.#next] = id;
		this.#next = (this.#next + 1) % this.size;
	}

	/** Oldest first. */
	toJSON(): string[] {
		return this.#next === 0 ? this.#ring.slice() : this.#ring.slice(this.#next).concat(this.#ring.slice(0, this.#next));
	}

	static fromJSON(ids: string[], size: number): DedupWindow {
		const w = new DedupWindow(size);
		for (const id of ids) w.add(id);
		return w;
	}
}
