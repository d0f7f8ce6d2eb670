import { expect } from "chai";
import { UuidBlock } from "../../../lib/events/event-ids.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("UuidBlock: generated event ids", () => {
	it("makes version 4 UUIDs as randomUUID writes them, across many refills, never the same twice", () => {
		const ids = new UuidBlock();
		const seen = new Set<string>();
		// 10 blocks and a part: every refill boundary is crossed.
		for (let i = 0; i < 2600; i++) {
			const id = ids.next();
			expect(id).to.match(UUID_V4);
			seen.add(id);
		}
		expect(seen.size).to.equal(2600);
	});

	it("spreads the random digits: every hex digit shows in every random position", () => {
		const ids = new UuidBlock();
		const digits = Array.from({ length: 36 }, () => new Set<string>());
		for (let i = 0; i < 4096; i++) [...ids.next()].forEach((c, k) => digits[k].add(c));
		for (const k of [0, 7, 9, 12, 15, 17, 20, 22, 24, 35]) expect(digits[k].size, `position ${k}`).to.equal(16);
		expect([...digits[14]]).to.deep.equal(["4"]);
		expect([...digits[19]].sort()).to.deep.equal(["8", "9", "a", "b"]);
	});
});
