/** A fixed-capacity ring: keeps the newest `capacity` items, overwriting the oldest. */
export class Ring<T> {
	#items: T[] = [];
	#next = 0;

	constructor(readonly capacity: number) {}

	push(item: T): void {
		if (this.#items.length < this.capacity) this.#items.push(item);
		else this.#items[this.#next] = item;
		this.#next = (this.#next + 1) % this.capacity;
	}

	get size(): number {
		return this.#items.length;
	}

	/** Newest first, at most `limit`. */
	newest(limit = this.capacity): T[] {
		const out: T[] = [];
		const n = this.#items.length;
		for (let k = 1; k <= Math.min(limit, n); k++) out.push(this.#items[(this.#next - k + n * 2) % n]);
		return out;
	}
}
