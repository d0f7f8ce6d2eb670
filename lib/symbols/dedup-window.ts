/**
 * The last N vendor ids seen, oldest evicted first: enough to drop re-sent ticks, bounded in memory.
 * The set is made with the first id (many feeds send none, and an empty Set is ~100 bytes a symbol).
 * The ids also sit in a ring in arrival order, so evicting the oldest is an index, not an iterator
 * object per id (`Set.values().next()` was the most allocated object of a vendor tick's path).
 *
 * A batch's ids are admitted while it is checked and placed in the ring only once it is durable
 * (`commit`), or taken back if its write failed (`rollback`): one Set operation per id for the check,
 * where a lookup in the window, another in a set of the batch's own ids, and an insert in each cost
 * four, and the window is the batch's duplicate check too.
 */
export class DedupWindow {
	/** The ring's ids and the pending ones. */
	#ids: Set<string> | null = null;
	/** The ids in the window, in arrival order from `#next` (once full) or from 0. */
	#ring: string[] = [];
	#next = 0;
	/** Admitted, not yet committed or rolled back: in `#ids`, not in the ring. */
	#pending: string[] = [];

	constructor(readonly size: number) {}

	has(id: string): boolean {
		return this.#ids !== null && this.#ids.has(id);
	}

	/** Adds a durable id (a replayed log entry, a snapshot's) straight to the ring; pending ids stay pending. */
	add(id: string): void {
		if (this.size !== 0 && this.#insert(id)) this.#place(id);
	}

	/**
	 * True when `id` is neither in the window nor already admitted: it is then pending until
	 * `commit()` or `rollback()`. With `size` 0 nothing stays after a commit, but ids pending together
	 * still see each other (a batch's own duplicates are dropped).
	 */
	admit(id: string): boolean {
		if (!this.#insert(id)) return false;
		this.#pending.push(id);
		return true;
	}

	/** Adds `id` to the set (made with the first id); false when it was there. One hash of the id, where `has` then `add` take two. */
	#insert(id: string): boolean {
		const ids = (this.#ids ??= new Set<string>());
		const before = ids.size;
		ids.add(id);
		return ids.size !== before;
	}

	/** The pending ids are durable: they join the ring, evicting the oldest past `size`. */
	commit(): void {
		const pending = this.#pending;
		if (pending.length === 0) return;
		for (let k = 0; k < pending.length; k++) this.#place(pending[k]);
		pending.length = 0;
		// With `size` 0 nothing stays: no empty Set kept per symbol.
		if (this.size === 0) this.#ids = null;
	}

	/** The pending ids were not written: they leave, as if never admitted. */
	rollback(): void {
		const pending = this.#pending;
		if (pending.length === 0) return;
		for (let k = 0; k < pending.length; k++) this.#ids!.delete(pending[k]);
		pending.length = 0;
	}

	/** `id` (in `#ids`, not in the ring) joins the ring, evicting the oldest past `size`. */
	#place(id: string): void {
		const ring = this.#ring;
		if (ring.length < this.size) {
			ring.push(id);
			return;
		}
		if (this.size === 0) {
			this.#ids!.delete(id);
			return;
		}
		// The ring's ids and the pending ones are disjoint, so this never evicts a pending id.
		this.#ids!.delete(ring[this.#next]);
		ring[this.#next] = id;
		this.#next = (this.#next + 1) % this.size;
	}

	/** Oldest first; pending ids are not in it. */
	toJSON(): string[] {
		return this.#next === 0 ? this.#ring.slice() : this.#ring.slice(this.#next).concat(this.#ring.slice(0, this.#next));
	}

	static fromJSON(ids: string[], size: number): DedupWindow {
		const w = new DedupWindow(size);
		for (const id of ids) w.add(id);
		return w;
	}
}
