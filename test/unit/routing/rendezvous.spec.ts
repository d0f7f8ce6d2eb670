import { expect } from "chai";
import fc from "fast-check";
import { rendezvousOwner } from "../../../lib/routing/rendezvous.ts";
import { RendezvousStrategy } from "../../../middlewares/rendezvous.strategy.ts";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i + 1}`);

describe("lib/routing/rendezvous", () => {
	it("gives fixed owners for fixed inputs, whatever the order of the node list", () => {
		// Pinned: a change to the hash would move every symbol of a running cluster.
		const owners = ["AAPL", "MSFT", "BRK.B", "BTC/USD", "X"].map(s => rendezvousOwner(s, nodes(3)));
		expect(owners).to.deep.equal(owners.map((_, i) => rendezvousOwner(["AAPL", "MSFT", "BRK.B", "BTC/USD", "X"][i], nodes(3).reverse())));
		expect(owners).to.deep.equal(["node-1", "node-2", "node-3", "node-2", "node-1"]);
		expect(rendezvousOwner("AAPL", [])).to.equal(undefined);
		expect(rendezvousOwner("AAPL", ["solo"])).to.equal("solo");
	});

	it("on a join, moves keys only to the new node; on a leave, only the leaver's keys", () => {
		fc.assert(
			fc.property(fc.array(fc.stringMatching(/^[A-Z0-9.:/-]{1,24}$/), { minLength: 50, maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (keys, n) => {
				const before = nodes(n);
				const after = nodes(n + 1);
				for (const k of keys) {
					const a = rendezvousOwner(k, before)!;
					const b = rendezvousOwner(k, after)!;
					if (a !== b) expect(b).to.equal(`node-${n + 1}`);
					// Leaving is the same change backwards.
					const c = rendezvousOwner(
						k,
						after.filter(x => x !== "node-1"),
					)!;
					if (b !== "node-1") expect(c).to.equal(b);
				}
			}),
		);
	});

	it("spreads keys evenly", () => {
		const counts = new Map<string, number>();
		for (let i = 0; i < 30_000; i++) {
			const o = rendezvousOwner(`S${i}`, nodes(3))!;
			counts.set(o, (counts.get(o) ?? 0) + 1);
		}
		for (const c of counts.values()) expect(c).to.be.within(9_400, 10_600);
	});

	it("as a Moleculer strategy, picks the endpoint of the key's owner", () => {
		const s = new RendezvousStrategy({}, {}, { key: "symbol" });
		const list = nodes(4).map(id => ({ id }));
		for (const sym of ["AAPL", "MSFT", "GOOG"]) {
			expect(s.select(list, { params: { symbol: sym } } as never).id).to.equal(rendezvousOwner(sym, nodes(4)));
		}
		expect(s.select([{ id: "only" }], { params: {} } as never).id).to.equal("only");
	});
});
