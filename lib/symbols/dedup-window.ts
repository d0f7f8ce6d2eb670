/**
 * The last N vendor ids seen, oldest evicted first: enough to drop re-sent ticks, bounded in memory.
 * The ids sit in a ring in arrival order; membership is an open-addressing table (linear probing)
 * of positions in the ring, each slot with its id's hash beside it.
 *
 * Why not a Set: a window slides, so every new id also evicts the oldest, and an id ~N ticks old is
 * long out of the CPU's caches. A Set touched it twice per tick (deleting it reads its hash, and its
 * bucket's other ids are compared by reading them): ~370-510 ns an id for a window of 10,000 against
 * ~80 ns with the hashes kept in typed arrays, which reach an old id's string only when its hash
 * equals the new one's (a repeat, or a rare collision, then compared in full).
 *
 * A batch's ids are admitted while it is checked and placed in the ring only once it is durable
 * (`commit`), or taken back if its write failed (`rollback`). The table is made with the first id
 * (many feeds send none) and grows with the ring.
 */

/** 32-bit FNV-1a over the UTF-16 code units, cut to 30 bits (a small integer in V8, unboxed in arrays). */
export function idHash(id: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
	return h & 0x3fffffff;
}

const EMPTY = -1;
const MIN_CAPACITY = 16;

export class DedupWindow {
	/** Committed ids in arrival order, from `#next` once the ring holds `size`. */
	#ring: string[] = [];
	/** The hash of each ring slot's id: evicting the oldest needs no read of its string. */
	#ringHash: number[] = [];
	#next = 0;
	/** Admitted, not yet committed or rolled back: in the table, not in the ring. */
	#pending: string[] = [];
	#pendingHash: number[] = [];
	/** Each slot: the position of an id (ring index, or `size` + pending index) or EMPTY. */
	#slots: Int32Array | null = null;
	/** The hash of each slot's id. */
	#slotHash: Int32Array | null = null;
	#mask = 0;
	#count = 0;

	/** `hash` is for tests (collisions on purpose); ids are told apart by value whatever it returns. */
	constructor(
		readonly size: number,
		readonly hash: (id: string) => number = idHash,
	) {}

	/** Slots of the id table (0 before the first id): its memory is 8 bytes a slot. */
	get tableSlots(): number {
		return this.#slots?.length ?? 0;
	}

	has(id: string): boolean {
		return this.#slots !== null && this.#find(id, this.#hashOf(id)) >= 0;
	}

	/** Adds a durable id (a replayed log entry, a snapshot's) straight to the ring; pending ids stay pending. */
	add(id: string): void {
		if (this.size === 0) return;
		const h = this.#hashOf(id);
		this.#reserve();
		if (this.#find(id, h) >= 0) return;
		this.#insert(this.#place(id, h), h);
	}

	/**
	 * True when `id` is neither in the window nor already admitted: it is then pending until
	 * `commit()` or `rollback()`. With `size` 0 nothing stays after a commit, but ids pending together
	 * still see each other (a batch's own duplicates are dropped).
	 */
	admit(id: string): boolean {
		const h = this.#hashOf(id);
		this.#reserve();
		if (this.#find(id, h) >= 0) return false;
		this.#insert(this.size + this.#pending.length, h);
		this.#pending.push(id);
		this.#pendingHash.push(h);
		return true;
	}

	/** The pending ids are durable: they join the ring, evicting the oldest past `size`. */
	commit(): void {
		const pending = this.#pending;
		if (pending.length === 0) return;
		for (let k = 0; k < pending.length; k++) {
			const h = this.#pendingHash[k];
			if (this.size === 0) {
				this.#remove(this.#slotOf(this.size + k, h));
				continue;
			}
			// Evict first (its slot may move this id's), then point this id's slot at the ring.
			const at = this.#place(pending[k], h);
			this.#slots![this.#slotOf(this.size + k, h)] = at;
		}
		pending.length = 0;
		this.#pendingHash.length = 0;
		// With `size` 0 nothing stays: no table kept per symbol.
		if (this.size === 0) this.#slots = this.#slotHash = null;
		else this.#shrink();
	}

	/** The pending ids were not written: they leave, as if never admitted. */
	rollback(): void {
		const pending = this.#pending;
		// The actor rolls back before every batch: with nothing pending, nothing to remove or shrink.
		if (pending.length === 0) return;
		for (let k = 0; k < pending.length; k++) this.#remove(this.#slotOf(this.size + k, this.#pendingHash[k]));
		pending.length = 0;
		this.#pendingHash.length = 0;
		this.#shrink();
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

	/** The hash the table files `id` under: `hash`'s, cut to 30 bits as idHash's is (a test's may not be). */
	#hashOf(id: string): number {
		return this.hash(id) & 0x3fffffff;
	}

	/** `id` (hash `h`, not in the ring) takes a ring slot, evicting the oldest id past `size`; its ring index. */
	#place(id: string, h: number): number {
		const ring = this.#ring;
		if (ring.length < this.size) {
			ring.push(id);
			this.#ringHash.push(h);
			return ring.length - 1;
		}
		const at = this.#next;
		this.#remove(this.#slotOf(at, this.#ringHash[at]));
		ring[at] = id;
		this.#ringHash[at] = h;
		this.#next = (at + 1) % this.size;
		return at;
	}

	#idAt(ref: number): string {
		return ref < this.size ? this.#ring[ref] : this.#pending[ref - this.size];
	}

	/** The slot holding `id`, or -1. */
	#find(id: string, h: number): number {
		const slots = this.#slots!;
		const hashes = this.#slotHash!;
		for (let i = h & this.#mask; ; i = (i + 1) & this.#mask) {
			const ref = slots[i];
			if (ref === EMPTY) return -1;
			if (hashes[i] === h && this.#idAt(ref) === id) return i;
		}
	}

	/** The slot holding position `ref` (present), found by its hash: no id is read. */
	#slotOf(ref: number, h: number): number {
		const slots = this.#slots!;
		let i = h & this.#mask;
		while (slots[i] !== ref) i = (i + 1) & this.#mask;
		return i;
	}

	/** A new entry (absent, room reserved). */
	#insert(ref: number, h: number): void {
		const slots = this.#slots!;
		let i = h & this.#mask;
		while (slots[i] !== EMPTY) i = (i + 1) & this.#mask;
		slots[i] = ref;
		this.#slotHash![i] = h;
		this.#count++;
	}

	/** Empties slot `i`, moving back the entries after it that would no longer be found (backward shift). */
	#remove(i: number): void {
		const slots = this.#slots!;
		const hashes = this.#slotHash!;
		const mask = this.#mask;
		for (let j = (i + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
			const home = hashes[j] & mask;
			// The entry at j stays when its home is cyclically within (i, j].
			if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
			slots[i] = slots[j];
			hashes[i] = hashes[j];
			i = j;
		}
		slots[i] = EMPTY;
		this.#count--;
	}

	/** Room for one more entry at a load of at most 3/4: made with the first id, doubled as needed. */
	#reserve(): void {
		const old = this.#slots;
		if (old === null) this.#resize(MIN_CAPACITY);
		else if ((this.#count + 1) * 4 > old.length * 3) this.#resize(old.length * 2);
	}

	/**
	 * Halved while an eighth full or less, once a batch is done: a batch's pending ids (up to 5,000)
	 * grew it, and a small window (`dedupWindow` 100) would keep that table for good.
	 */
	#shrink(): void {
		let capacity = this.#slots?.length ?? 0;
		while (capacity > MIN_CAPACITY && this.#count * 8 <= capacity) capacity /= 2;
		if (capacity !== (this.#slots?.length ?? 0)) this.#resize(capacity);
	}

	#resize(capacity: number): void {
		const old = this.#slots;
		const oldHashes = this.#slotHash;
		this.#slots = new Int32Array(capacity).fill(EMPTY);
		this.#slotHash = new Int32Array(capacity);
		this.#mask = capacity - 1;
		this.#count = 0;
		if (old === null) return;
		for (let i = 0; i < old.length; i++) if (old[i] !== EMPTY) this.#insert(old[i], oldHashes![i]);
	}
}
