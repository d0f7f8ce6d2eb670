/** MemoryKv sorted sets against a brute-force model (fast-check): any mix of batches, in order or not, repeated members. */
import { expect } from "chai";
import fc from "fast-check";
import { MemoryKv } from "../../../lib/kv/index.ts";

describe("lib/kv/memory-kv: sorted sets", () => {
	it("holds Redis's order (score, then member) and one score per member, however the batches arrive", async () => {
		const row = fc.record({ score: fc.integer({ min: 0, max: 50 }), member: fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, "0")}`)) });
		await fc.assert(
			fc.asyncProperty(fc.array(fc.array(row, { maxLength: 30 }), { maxLength: 12 }), async batches => {
				const kv = new MemoryKv();
				const model = new Map<string, number>();
				for (const b of batches) {
					await kv.zadd("z", b);
					for (const r of b) model.set(r.member, r.score);
				}
				const want = [...model].map(([member, score]) => ({ score, member })).sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
				expect(await kv.zrangeByScore("z", -Infinity, Infinity, 0, 10_000)).to.deep.equal(want);
			}),
		);
	});
});

describe("lib/kv/memory-kv: expiry", () => {
	it("sweeps values that expired without being read again, so write-once claims do not pile up", async () => {
		let now = 0;
		const kv = new MemoryKv({ now: () => now });
		await kv.set("kept", 1);
		for (let i = 0; i < 10_000; i++) {
			await kv.setIfAbsent(`claim:${i}`, i, 1000);
			now += 1;
		}
		expect(kv.valueCount).to.be.at.most(1 + 2 * 1024 + 1000);
		expect(await kv.get("kept")).to.equal(1);
		expect(await kv.get("claim:9999")).to.equal(9999);
	});
});
