/**
 * Fixed-capacity FIFO of numbers at offset `o` of an arena: [capacity, head, size, values…].
 * Pushing into a full ring overwrites the oldest slot, so steady-state updates never allocate.
 */
export const RING_HEADER = 3;

export function ringSlots(capacity: number): number {
	return RING_HEADER + capacity;
}

export function ringInit(m: Float64Array, o: number, capacity: number): void {
	if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
	m[o] = capacity;
	m[o + 1] = 0; // slot of the oldest value
	m[o + 2] = 0; // values held
	m.fill(0, o + RING_HEADER, o + RING_HEADER + capacity);
}

export function ringSize(m: Float64Array, o: number): number {
	return m[o + 2];
}

export function ringFull(m: Float64Array, o: number): boolean {
	return m[o + 2] === m[o];
}

/** The i-th value, 0 = oldest. The caller keeps i in [0, size). */
export function ringAt(m: Float64Array, o: number, i: number): number {
	const cap = m[o] | 0;
	const j = (m[o + 1] | 0) + i;
	return m[o + RING_HEADER + (j < cap ? j : j - cap)];
}

/** The value that the next push into a full ring would evict. */
export function ringOldest(m: Float64Array, o: number): number {
	return m[o + RING_HEADER + (m[o + 1] | 0)];
}

export function ringNewest(m: Float64Array, o: number): number {
	return ringAt(m, o, m[o + 2] - 1);
}

/** Appends x; returns the evicted value, or NaN when nothing was evicted. */
export function ringPush(m: Float64Array, o: number, x: number): number {
	const cap = m[o] | 0;
	const head = m[o + 1] | 0;
	const size = m[o + 2] | 0;
	if (size < cap) {
		const j = head + size;
		m[o + RING_HEADER + (j < cap ? j : j - cap)] = x;
		m[o + 2] = size + 1;
		return NaN;
	}
	const evicted = m[o + RING_HEADER + head];
	m[o + RING_HEADER + head] = x;
	m[o + 1] = head + 1 === cap ? 0 : head + 1;
	return evicted;
}

/** Values oldest first: the serialised form. */
export function ringToJSON(m: Float64Array, o: number): number[] {
	const size = m[o + 2];
	const out = new Array<number>(size);
	for (let i = 0; i < size; i++) out[i] = ringAt(m, o, i);
	return out;
}

export function ringLoad(m: Float64Array, o: number, values: readonly number[]): void {
	if (values.length > m[o]) throw new RangeError(`ring holds ${m[o]} values, state has ${values.length}`);
	m[o + 1] = 0;
	m[o + 2] = 0;
	for (const v of values) ringPush(m, o, v);
}
