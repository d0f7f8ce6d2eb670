/**
 * One Float64Array holding the numeric state of many indicators (and strategies), each at an
 * offset. A typed array costs ~180 bytes of object and buffer headers whatever its length, and a
 * double in an object field is boxed (16 more bytes), so one arena per bar stream instead of a few
 * small arrays and boxed fields per indicator is what keeps a symbol's analysis small.
 * Holders read `arena.f64` on each use: `alloc` may replace it with a longer copy.
 */
export class Arena {
	f64: Float64Array;
	#used = 0;
	/** Offsets of the windows of recent closes and of highs/lows its indicators share (-1: none). */
	closes = -1;
	ranges = -1;

	constructor(capacity = 0) {
		this.f64 = new Float64Array(capacity);
	}

	/** Slots handed out so far. */
	get used(): number {
		return this.#used;
	}

	/** Reserves `n` slots, NaN-filled, and returns the offset of the first. Grows to fit exactly. */
	alloc(n: number): number {
		const at = this.#used;
		// `| 0`: a count computed from numbers read out of the arena is a double; stored as such in
		// a field it would make V8 box that field in every instance of the class (16 bytes each).
		const end = (at + n) | 0;
		if (end > this.f64.length) {
			const grown = new Float64Array(end);
			grown.set(this.f64);
			this.f64 = grown;
		}
		this.f64.fill(NaN, at, end);
		this.#used = end;
		return at;
	}
}
