/**
 * The last N vendor ids seen, oldest evicted first: enough to drop re-sent ticks, bounded in memory.
 * The set is made with the first id (many feeds send none, and an empty Set is ~100 bytes a symbol).
 */
export class DedupWindow {
	#ids: Set<string> | null = null;

	constructor(readonly size: number) {}

	has(id: string): boolean {
		return this.#ids !== null && this.#ids.has(id);
	}

	add(id: string): void {
		if (this.size === 0) return;
		this.#ids ??= new Set<string>();
		this.#ids.add(id);
		if (this.#ids.size > this.size) {
			// Sets iterate in insertion order, so the first one is the oldest.
			const oldest = this.#ids.values().next().value as string;
			this.#ids.delete(oldest);
		}
	}

	toJSON(): string[] {
		return this.#ids === null ? [] : [...this.#ids];
	}

	static fromJSON(ids: string[], size: number): DedupWindow {
		const w = new DedupWindow(size);
		for (const id of ids) w.add(id);
		return w;
	}
}
