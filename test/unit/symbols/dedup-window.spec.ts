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
});
