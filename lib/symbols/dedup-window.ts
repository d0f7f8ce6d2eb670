/** The last N vendor ids seen, oldest evicted first: enough to drop re-sent ticks, bounded in memory. */
export class DedupWindow {
	#ids = new Set<string>();

	constructor(readonly size: number) {}

	has(id: string): boolean {
		return this.#ids.has(id);
	}

	add(id: string): void {
		if (this.size === 0) return;
		this.#ids.add(id);
		if (this.#ids.size > this.size) {
			// Sets iterate in insertion order, so the first one is the oldest.
			const oldest = this.#ids.values().next().value as string;
			this.#ids.delete(oldest);
		}
	}

	toJSON(): string[] {
		return [...this.#ids];
	}

	static fromJSON(ids: string[], size: number): DedupWindow {
		const w = new DedupWindow(size);
		for (const id of ids) w.add(id);
		return w;
	}
}
