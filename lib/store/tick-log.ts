/**
 * One symbol's log in the in-process store: seqs and entries in order, trimmed from the front.
 *
 * Entries that are ticks of the log's symbol (`{symbol, price, size, ts, bid?, ask?, id?}` in that
 * key order, finite numbers, a string id) are kept as numbers in columns, not as objects: ~37 bytes
 * and the id, where a kept tick object took ~150 and lived in the old generation for as long as the
 * log held it. Every read builds the same object JSON would give back (-0 kept as 0, the keys in
 * their order). Any other entry is kept as lib/kv/json-copy.ts keeps values.
 *
 * Columns are chunks of at most CHUNK entries (the first ones smaller, so a quiet symbol stays
 * small): nothing is copied as the log grows, and no array is past V8's 128 KiB regular object
 * size, whose every allocation maps fresh pages (docs/operations.md, "No string of a whole body").
 */
import { load, type Kept } from "../kv/json-copy.ts";

const CHUNK = 4096;
const FIRST_CHUNK = 32;

/** An entry's shape: 0 kept whole (`other`), else a tick with these optional fields. */
const TICK = 1;
const BID = 2;
const ASK = 4;
const ID = 8;

interface Chunk {
	/** The log index of the chunk's first slot. */
	start: number;
	seq: Float64Array;
	price: Float64Array;
	size: Float64Array;
	ts: Float64Array;
	shape: Uint8Array;
	bid: Float64Array | null;
	ask: Float64Array | null;
	ids: Array<string | undefined> | null;
	other: Kept[] | null;
}

/** -0 is 0 after JSON's round trip. */
const plain = (x: number) => (x === 0 ? 0 : x);

export interface TickLogEntry {
	seq: number;
	data: unknown;
}

export class TickLog {
	#chunks: Chunk[] = [];
	/** Log index of the first entry kept (entries before it were trimmed). */
	#head = 0;
	/** Log index after the last entry. */
	#end = 0;

	constructor(readonly symbol: string) {}

	get length(): number {
		return this.#end - this.#head;
	}

	/**
	 * Appends entries in order; `keep` keeps one that is not a tick of this symbol. All or nothing:
	 * everything that can throw (`keep` of a value JSON cannot write) runs before the first is
	 * written, and each tick's fields are read once.
	 */
	append(entries: readonly TickLogEntry[], keep: (value: unknown) => Kept): void {
		const n = entries.length;
		const shapes = new Uint8Array(n);
		/** Per entry, its five numbers (price, size, ts, bid, ask) as read, or what `keep` kept. */
		const numbers = new Float64Array(n * 5);
		const refs: unknown[] = new Array(n);
		for (let e = 0; e < n; e++) {
			const data = entries[e].data;
			const shape = this.#read5(data, numbers, e * 5, refs, e);
			shapes[e] = shape;
			if (shape === 0) refs[e] = keep(data);
		}
		for (let e = 0; e < n; e++) {
			let c = this.#chunks[this.#chunks.length - 1];
			if (c === undefined || this.#end - c.start === c.seq.length) c = this.#grow();
			const i = this.#end - c.start;
			const shape = shapes[e];
			c.seq[i] = entries[e].seq;
			c.shape[i] = shape;
			this.#end++;
			if (shape === 0) {
				(c.other ??= new Array<Kept>(c.seq.length))[i] = refs[e];
				continue;
			}
			const at = e * 5;
			c.price[i] = numbers[at];
			c.size[i] = numbers[at + 1];
			c.ts[i] = numbers[at + 2];
			if (shape & BID) (c.bid ??= new Float64Array(c.seq.length))[i] = numbers[at + 3];
			if (shape & ASK) (c.ask ??= new Float64Array(c.seq.length))[i] = numbers[at + 4];
			if (shape & ID) (c.ids ??= new Array<string | undefined>(c.seq.length))[i] = refs[e] as string;
		}
	}

	/** Drops the `n` oldest entries. */
	dropFirst(n: number): void {
		const head = Math.min(this.#end, this.#head + n);
		// What a dropped slot holds by reference is released with it.
		for (const c of this.#chunks) {
			if (c.start >= head) break;
			const from = Math.max(this.#head, c.start) - c.start;
			const to = Math.min(head, c.start + c.seq.length) - c.start;
			c.other?.fill(undefined, from, to);
			c.ids?.fill(undefined, from, to);
		}
		this.#head = head;
		while (this.#chunks.length > 0 && this.#chunks[0].start + this.#chunks[0].seq.length <= head) this.#chunks.shift();
	}

	/** The seq of the entry `k` places after the oldest kept. */
	seqAt(k: number): number {
		const g = this.#head + k;
		const c = this.#chunkOf(g);
		return c.seq[g - c.start];
	}

	/** The first position whose seq is ≥ `seq` (the seqs ascend). */
	lowerBound(seq: number): number {
		let lo = 0;
		let hi = this.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.seqAt(mid) < seq) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** Entries at positions [from, to) from the oldest kept, each a fresh copy. */
	slice(from: number, to: number): TickLogEntry[] {
		const out: TickLogEntry[] = [];
		let c: Chunk | undefined;
		for (let g = this.#head + from, end = this.#head + Math.min(to, this.length); g < end; g++) {
			if (c === undefined || g - c.start >= c.seq.length) c = this.#chunkOf(g);
			const i = g - c.start;
			out.push({ seq: c.seq[i], data: this.#read(c, i) });
		}
		return out;
	}

	#read(c: Chunk, i: number): unknown {
		const shape = c.shape[i];
		if (shape === 0) return load(c.other![i]);
		const tick: Record<string, unknown> = { symbol: this.symbol, price: c.price[i], size: c.size[i], ts: c.ts[i] };
		if (shape & BID) tick.bid = c.bid![i];
		if (shape & ASK) tick.ask = c.ask![i];
		if (shape & ID) tick.id = c.ids![i];
		return tick;
	}

	#chunkOf(g: number): Chunk {
		const chunks = this.#chunks;
		let lo = 0;
		let hi = chunks.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >>> 1;
			if (chunks[mid].start <= g) lo = mid;
			else hi = mid - 1;
		}
		return chunks[lo];
	}

	#grow(): Chunk {
		const last = this.#chunks[this.#chunks.length - 1];
		const cap = last === undefined ? FIRST_CHUNK : Math.min(CHUNK, last.seq.length * 2);
		const c: Chunk = {
			start: this.#end,
			seq: new Float64Array(cap),
			price: new Float64Array(cap),
			size: new Float64Array(cap),
			ts: new Float64Array(cap),
			shape: new Uint8Array(cap),
			bid: null,
			ask: null,
			ids: null,
			other: null,
		};
		this.#chunks.push(c);
		return c;
	}

	/**
	 * TICK and its optional fields when `v` is a tick of this symbol in the usual key order (and no
	 * `toJSON` to say otherwise), its numbers written to `out` from `at` (-0 as 0) and its id to
	 * `ids[e]`, each field read once; else 0.
	 */
	#read5(v: unknown, out: Float64Array, at: number, ids: unknown[], e: number): number {
		if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype || typeof (v as { toJSON?: unknown }).toJSON === "function") return 0;
		const o = v as Record<string, unknown>;
		let shape = TICK;
		let k = 0;
		for (const key in o) {
			const x = o[key];
			if (k === 0 && key === "symbol" && x === this.symbol) k = 1;
			else if (k === 1 && key === "price" && finite(x)) {
				out[at] = plain(x);
				k = 2;
			} else if (k === 2 && key === "size" && finite(x)) {
				out[at + 1] = plain(x);
				k = 3;
			} else if (k === 3 && key === "ts" && finite(x)) {
				out[at + 2] = plain(x);
				k = 4;
			} else if (k === 4 && key === "bid" && finite(x)) {
				out[at + 3] = plain(x);
				shape |= BID;
				k = 5;
			} else if (k >= 4 && k <= 5 && key === "ask" && finite(x)) {
				out[at + 4] = plain(x);
				shape |= ASK;
				k = 6;
			} else if (k >= 4 && k <= 6 && key === "id" && typeof x === "string") {
				ids[e] = x;
				shape |= ID;
				k = 7;
			} else return 0;
		}
		return k >= 4 ? shape : 0;
	}
}

const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
