/**
 * MemoryKv sorted sets against a brute-force model (fast-check): any mix of batches, in order or not,
 * repeated members; and its active expiry (bounded work per TTL write, every expired value reached).
 */
import { expect } from "chai";
import fc from "fast-check";
import { MemoryKv } from "../../../lib/kv/index.ts";
import { SWEEP_STEP } from "../../../lib/kv/memory-kv.ts";

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
				expect(await kv.zrangeByScore("z", -Infinity, Infinity, 10_000)).to.deep.equal(want);
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

	it("looks at most SWEEP_STEP values per TTL write, and drops all 200k expired claims in the end", async () => {
		let now = 1_000;
		const kv = new MemoryKv({ now: () => now });
		const expired = 200_000;
		for (let i = 0; i < expired; i++) await kv.set(`claim:${i}`, { i }, 1_000);
		now += 10_000; // every claim is past its TTL, none read again
		const held = kv.valueCount;
		expect(held, "expired claims still held before the sweep reaches them").to.be.greaterThan(SWEEP_STEP);
		let writes = 0;
		let live = 0;
		let worstDrop = 0;
		let worstChecked = 0;
		while (kv.valueCount > live && writes < expired) {
			const before = kv.valueCount;
			await kv.set(`live:${writes++}`, 1, 3_600_000);
			live++;
			worstDrop = Math.max(worstDrop, before + 1 - kv.valueCount);
			worstChecked = Math.max(worstChecked, kv.lastSweepChecked);
		}
		expect(worstDrop, "values one write dropped").to.be.at.most(SWEEP_STEP);
		expect(worstChecked, "values one write looked at").to.be.at.most(SWEEP_STEP);
		expect(kv.valueCount, "every expired claim gone, every live value kept").to.equal(live);
		// One pass over what was held, each write adding one value: about held / (SWEEP_STEP - 1) writes.
		expect(writes).to.be.at.most(Math.ceil(held / (SWEEP_STEP - 1)) + 1);
		for (let i = 0; i < live; i += 997) expect(await kv.get(`live:${i}`)).to.equal(1);
	});
});
