/**
 * DedupWindow: the last N ids, oldest evicted first, against a plain insertion-ordered Set. Each
 * property runs with the real hash and with hashes that collide on purpose (all ids in one chain,
 * or a few), over small windows and over windows past the table's first growths.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DedupWindow } from "../../../lib/symbols/dedup-window.ts";

/** The previous implementation: a Set whose first id (insertion order) is evicted when over size. */
class ReferenceWindow {
	readonly ids = new Set<string>();
	constructor(readonly size: number) {}
	add(id: string): void {
		if (this.size === 0) return;
		this.ids.add(id);
		if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value as string);
	}
}

/** Hashes that make every id, or many, collide: the table must still tell them apart by value. */
const HASHES: Array<[string, ((id: string) => number) | undefined]> = [
	["FNV-1a", undefined],
	["one chain", () => 7],
	["three chains", id => Number(id) % 3],
];
/** Small windows, and windows past the table's first growths (16 slots, then doubled at 3/4). */
const SHAPES = [
	{ maxSize: 6, maxId: 12, maxLength: 80, runs: 300 },
	{ maxSize: 60, maxId: 120, maxLength: 400, runs: 60 },
];

describe("symbols: DedupWindow (last N ids)", () => {
	for (const [hashName, hash] of HASHES)
		for (const { maxSize, maxId, maxLength, runs } of SHAPES)
			it(`holds and evicts exactly what an insertion-ordered Set would, repeats included, and round-trips through JSON (${hashName}, size ≤ ${maxSize})`, () => {
				fc.assert(
					fc.property(fc.integer({ min: 0, max: maxSize }), fc.array(fc.integer({ min: 0, max: maxId }).map(String), { maxLength }), (size, ids) => {
						const w = new DedupWindow(size, hash);
						const ref = new ReferenceWindow(size);
						for (const id of ids) {
							w.add(id);
							ref.add(id);
							expect(w.toJSON()).to.deep.equal([...ref.ids]);
							for (let k = 0; k <= maxId; k++) expect(w.has(String(k)), `has ${k}`).to.equal(ref.ids.has(String(k)));
						}
						expect(DedupWindow.fromJSON(w.toJSON(), size).toJSON()).to.deep.equal(w.toJSON());
					}),
					{ numRuns: runs },
				);
			});

	for (const [hashName, hash] of HASHES)
		for (const { maxSize, maxId, runs } of SHAPES)
			it(`admits a batch's ids once each, and after commit holds what adding them one by one would; after rollback, what it held before (${hashName}, size ≤ ${maxSize})`, () => {
				const batch = fc.record({ ids: fc.array(fc.integer({ min: 0, max: maxId }).map(String), { maxLength: maxSize * 2 }), written: fc.boolean() });
				fc.assert(
					fc.property(fc.integer({ min: 0, max: maxSize }), fc.array(batch, { maxLength: 12 }), (size, batches) => {
						const w = new DedupWindow(size, hash);
						const ref = new ReferenceWindow(size);
						for (const { ids, written } of batches) {
							const inBatch = new Set<string>();
							const admitted: string[] = [];
							for (const id of ids) {
								const fresh = !ref.ids.has(id) && !inBatch.has(id);
								expect(w.admit(id), `admit ${id}`).to.equal(fresh);
								// Admitted ids are seen by the rest of the batch.
								expect(w.has(id)).to.equal(true);
								if (fresh) admitted.push(id);
								inBatch.add(id);
							}
							if (written) {
								w.commit();
								for (const id of admitted) ref.add(id);
							} else w.rollback();
							expect(w.toJSON()).to.deep.equal([...ref.ids]);
							for (let k = 0; k <= maxId; k++) expect(w.has(String(k)), `has ${k}`).to.equal(ref.ids.has(String(k)));
						}
					}),
					{ numRuns: runs },
				);
			});

	it("gives back the table a batch's pending ids grew, once the batch is done", () => {
		const w = new DedupWindow(100);
		for (let i = 0; i < 5000; i++) w.admit(`a${i}`);
		expect(w.tableSlots, "5,000 pending ids at ≤ 3/4 load").to.equal(8192);
		w.commit();
		expect(w.toJSON()).to.have.length(100);
		expect(w.tableSlots, "100 ids left").to.be.at.most(512);
		for (let i = 0; i < 5000; i++) w.admit(`b${i}`);
		w.rollback();
		expect(w.tableSlots).to.be.at.most(512);
		expect(w.has("a4999") && !w.has("b0")).to.equal(true);
	});
});
