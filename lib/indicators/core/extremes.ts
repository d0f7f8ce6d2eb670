export interface ExtremeState {
	count: number;
	entries: [number, number][]; // [sequence number, value], front first
}

/**
 * Highest (sign = 1) or lowest (sign = −1) value of the last `period` inputs: a monotonic deque in
 * preallocated circular arrays, so each update is amortised O(1) and allocation-free. Values are
 * stored multiplied by `sign` (exact in IEEE 754), which lets one comparison serve both directions.
 */
export class RollingExtreme {
	readonly period: number;
	readonly sign: 1 | -1;
	#seq: Float64Array;
	#val: Float64Array;
	#head = 0;
	#len = 0;
	#count = 0; // inputs pushed so far; also the next sequence number

	constructor(period: number, sign: 1 | -1) {
		if (!Number.isInteger(period) || period < 1) throw new RangeError(`period must be an integer >= 1, got ${period}`);
		this.period = period;
		this.sign = sign;
		this.#seq = new Float64Array(period);
		this.#val = new Float64Array(period);
	}

	get count(): number {
		return this.#count;
	}

	/** Adds x and returns the extreme of the window ending with it. */
	push(x: number): number {
		const cap = this.period;
		const seq = this.#seq;
		const val = this.#val;
		const s = this.#count++;
		const v = x * this.sign;
		let head = this.#head;
		let len = this.#len;
		if (len > 0 && seq[head] <= s - cap) {
			head = head + 1 === cap ? 0 : head + 1;
			len--;
		}
		// Drop dominated entries from the back; equal values go too since the newer one outlives them.
		let tail = head + len - 1;
		if (tail >= cap) tail -= cap;
		while (len > 0 && val[tail] <= v) {
			len--;
			tail = tail === 0 ? cap - 1 : tail - 1;
		}
		const j = tail + 1 === cap ? 0 : tail + 1;
		seq[j] = s;
		val[j] = v;
		this.#head = head;
		this.#len = len + 1;
		return val[head] * this.sign;
	}

	/** The extreme the window would have if x were pushed, without pushing it. */
	peek(x: number): number {
		const v = x * this.sign;
		let i = 0;
		if (this.#len > 0 && this.#seq[this.#head] <= this.#count - this.period) i = 1;
		const best = i < this.#len ? this.#val[this.#slot(i)] : v;
		return (best > v ? best : v) * this.sign;
	}

	#slot(i: number): number {
		const j = this.#head + i;
		return j < this.period ? j : j - this.period;
	}

	save(): ExtremeState {
		const entries: [number, number][] = [];
		for (let i = 0; i < this.#len; i++) {
			const j = this.#slot(i);
			entries.push([this.#seq[j], this.#val[j] * this.sign]);
		}
		return { count: this.#count, entries };
	}

	load(s: ExtremeState): void {
		if (s.entries.length > this.period) throw new RangeError(`window holds ${this.period} entries, state has ${s.entries.length}`);
		this.#count = s.count;
		this.#head = 0;
		this.#len = s.entries.length;
		s.entries.forEach(([seq, value], i) => {
			this.#seq[i] = seq;
			this.#val[i] = value * this.sign;
		});
	}
}
