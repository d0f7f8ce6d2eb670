/** DedupWindow: the last N ids, oldest evicted first, against the plain insertion-ordered Set it replaced. */
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

describe("symbols: DedupWindow (last N ids)", () => {
	it("holds and evicts exactly what an insertion-ordered Set would, repeats included, and round-trips through JSON", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 6 }), fc.array(fc.integer({ min: 0, max: 12 }).map(String), { maxLength: 80 }), (size, ids) => {
				const w = new DedupWindow(size);
				const ref = new ReferenceWindow(size);
				for (const id of ids) {
					w.add(id);
					ref.add(id);
					expect(w.toJSON()).to.deep.equal([...ref.ids]);
					for (let k = 0; k <= 12; k++) expect(w.has(String(k)), `has ${k}`).to.equal(ref.ids.has(String(k)));
				}
				expect(DedupWindow.fromJSON(w.toJSON(), size).toJSON()).to.deep.equal(w.toJSON());
			}),
			{ numRuns: 500 },
		);
	});

	it("admits a batch's ids once each, and after commit holds what adding them one by one would; after rollback, what it held before", () => {
		const batch = fc.record({ ids: fc.array(fc.integer({ min: 0, max: 12 }).map(String), { maxLength: 12 }), written: fc.boolean() });
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 6 }), fc.array(batch, { maxLength: 12 }), (size, batches) => {
				const w = new DedupWindow(size);
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
					for (let k = 0; k <= 12; k++) expect(w.has(String(k)), `has ${k}`).to.equal(ref.ids.has(String(k)));
				}
			}),
			{ numRuns: 500 },
		);
	});
});
