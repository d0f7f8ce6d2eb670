/**
 * Unified-intelligence results by key, each for `ttlMs`, at most `maxEntries` (least recently used
 * dropped first, counted in `evicted`), with hit/miss counts for the hit ratio.
 */
export class ResultCache<T> {
	readonly #entries = new Map<string, { value: T; expires: number }>();
	hits = 0;
	misses = 0;
	evicted = 0;

	constructor(private readonly opts: { ttlMs: number; maxEntries: number; now: () => number }) {}

	get(key: string): T | undefined {
		const e = this.#entries.get(key);
		if (!e || e.expires <= this.opts.now()) {
			if (e) this.#entries.delete(key);
			this.misses++;
			return undefined;
		}
		this.#entries.delete(key);
		this.#entries.set(key, e);
		this.hits++;
		return e.value;
	}

	set(key: string, value: T): void {
		if (this.opts.maxEntries <= 0 || this.opts.ttlMs <= 0) return;
		this.#entries.delete(key);
		this.#entries.set(key, { value, expires: this.opts.now() + this.opts.ttlMs });
		while (this.#entries.size > this.opts.maxEntries) {
			this.#entries.delete(this.#entries.keys().next().value as string);
			this.evicted++;
		}
	}

	clear(): void {
		this.#entries.clear();
	}

	stats(): { size: number; hits: number; misses: number; evicted: number; hitRatio: number } {
		const total = this.hits + this.misses;
		return { size: this.#entries.size, hits: this.hits, misses: this.misses, evicted: this.evicted, hitRatio: total ? this.hits / total : 0 };
	}
}
