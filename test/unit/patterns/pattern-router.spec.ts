/** The router of pattern inputs: per-pattern batches in order, retried past an unreachable owner, bounded. */
import { expect } from "chai";
import { PatternRouter, type RouterDeps } from "../../../lib/patterns/pattern-router.ts";
import { PatternIndex } from "../../../lib/patterns/pattern-index.ts";
import type { Input, PatternDef } from "../../../lib/patterns/pattern-types.ts";

const def = (id: string, entity: string): PatternDef => ({ id, entity, created_at: 0, created_by: "t", kind: "threshold", source: { type: "tick", field: "price" }, op: "gt", value: 1 });
const tick = (entity: string, value: number): Input => ({ key: "tick.price", entity, value, ts: value });
const turn = () => new Promise(resolve => setImmediate(resolve));

function router(send: RouterDeps["send"], maxPending = 100) {
	const drops: Array<[string, number]> = [];
	const r = new PatternRouter({ index: new PatternIndex([def("a", "X"), def("b", "Y")]), id: "r1", send, dropped: (reason, n) => void drops.push([reason, n]), maxPending, retryMs: 5000, now: Date.now, defer: fn => setImmediate(fn) });
	return { r, drops };
}

describe("lib/patterns/pattern-router", () => {
	it("sends one batch per pattern per turn, only the inputs it reads, numbered", async () => {
		const sent: Array<{ pattern: string; inputs: Input[]; n: number }> = [];
		const { r } = router(async p => void sent.push(p));
		r.route([tick("X", 1), tick("Y", 2), tick("Z", 3), tick("X", 4)]);
		await turn();
		await turn();
		expect(sent.map(s => [s.pattern, s.inputs.map(i => i.value)])).to.deep.equal([
			["a", [1, 4]],
			["b", [2]],
		]);
		expect(sent.map(s => s.n)).to.deep.equal([1, 2]);
	});

	it("retries a batch the owner refused with a retryable error, and holds the next one until then", async () => {
		const seen: number[][] = [];
		let fails = 2;
		const { r, drops } = router(async p => {
			if (p.pattern === "a" && fails-- > 0) throw Object.assign(new Error("owner gone"), { retryable: true });
			seen.push(p.inputs.map(i => i.value));
		});
		r.route([tick("X", 1)]);
		await turn();
		r.route([tick("X", 2)]);
		for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise(resolve => setTimeout(resolve, 20));
		expect(seen).to.deep.equal([[1], [2]]);
		expect(drops).to.deep.equal([]);
	});

	it("gives up at once on an error that is not retryable, counting the inputs", async () => {
		const { r, drops } = router(async () => {
			throw new Error("bad");
		});
		r.route([tick("X", 1), tick("X", 2)]);
		for (let i = 0; i < 20 && drops.length === 0; i++) await turn();
		expect(drops).to.deep.equal([["owner-unavailable", 2]]);
	});

	it("refuses new inputs past maxPending (refuse-new)", async () => {
		const { r, drops } = router(() => new Promise(() => {}), 3);
		r.route([tick("X", 1), tick("X", 2)]);
		r.route([tick("X", 3), tick("X", 4)]);
		expect(drops).to.deep.equal([["refuse-new", 2]]);
		expect(r.backlog).to.equal(2);
	});
});
