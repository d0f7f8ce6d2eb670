/**
 * Fixed-capacity FIFO of numbers over a preallocated Float64Array. Pushing into a full ring
 * overwrites the oldest slot, so steady-state updates never allocate.
 */
export class Ring {
	readonly capacity: number;
	#buf: Float64Array;
	#head = 0; // slot of the oldest value
	#size = 0;

	constructor(capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
		this.capacity = capacity;
		this.#buf = new Float64Array(capacity);
	}

	get size(): number {
		return this.#size;
	}

	get full(): boolean {
		return this.#size === this.capacity;
	}

	/** The i-th value, 0 = oldest. The caller keeps i in [0, size). */
	at(i: number): number {
		const j = this.#head + i;
		return this.#buf[j < this.capacity ? j : j - this.capacity];
	}

	/** The value that the next push into a full ring would evict. */
	oldest(): number {
		return this.#buf[this.#head];
	}

	newest(): number {
		return this.at(this.#size - 1);
	}

	/** Appends x; returns the evicted value, or NaN when nothing was evicted. */
	push(x: number): number {
		if (this.#size < this.capacity) {
			const j = this.#head + this.#size;
			this.#buf[j < this.capacity ? j : j - this.capacity] = x;
			this.#size++;
			return NaN;
		}
		const evicted = this.#buf[this.#head];
		this.#buf[this.#head] = x;
		this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
		return evicted;
	}

	/** Values oldest first: the serialised form. */
	toJSON(): number[] {
		const out = new Array<number>(this.#size);
		for (let i = 0; i < this.#size; i++) out[i] = this.at(i);
		return out;
	}

	load(values: readonly number[]): void {
		if (values.length > this.capacity) throw new RangeError(`ring holds ${this.capacity} values, state has ${values.length}`);
		this.#head = 0;
		this.#size = 0;
		for (const v of values) this.push(v);
	}
}
