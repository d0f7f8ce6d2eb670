/**
 * `symbols.ingestMany` answers each symbol on its own, and before the caller's timeout: a symbol
 * whose write is still under way at the call's deadline is answered as timed out, the others as
 * they went (one slow symbol does not fail the whole call).
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import type { EntryOutcome } from "../../lib/ingest/owner-batches.ts";

describe("symbols.ingestMany (embedded node)", function () {
	this.timeout(30_000);
	let node: TestNode | undefined;
	after(() => node?.stop());

	it("answers a slow symbol as timed out at the deadline and the others as written", async () => {
		node = await startNode({ nodeId: "ingest-many", services: ["symbols"] });
		const store = node.deps.store;
		const append = store.append.bind(store);
		let release: () => void = () => {};
		const held = new Promise<void>(r => (release = r));
		store.append = async (symbol, ...rest) => {
			if (symbol === "SLOW") await held;
			return append(symbol, ...rest);
		};
		const ts = Date.now();
		const t0 = performance.now();
		const outcomes = await node.broker.call<EntryOutcome[], object>(
			"symbols.ingestMany",
			{
				batches: [
					{ symbol: "FAST", ticks: [{ symbol: "FAST", price: 1, size: 1, ts }] },
					{ symbol: "SLOW", ticks: [{ symbol: "SLOW", price: 1, size: 1, ts }] },
				],
			},
			{ timeout: 2000 },
		);
		const ms = performance.now() - t0;
		expect(outcomes[0]).to.have.property("ok").that.includes({ symbol: "FAST", accepted: 1 });
		const slow = outcomes[1] as { error: { name: string; type: string; message: string } };
		expect(slow.error).to.include({ name: "TimeoutError", type: "GATEWAY_TIMEOUT" });
		expect(slow.error.message).to.match(/SLOW.*may still be written/);
		// Answered at the call's deadline (its timeout less 1 s), not at the caller's timeout.
		expect(ms).to.be.below(1900);
		release();
	});

	it("refuses a tick that is not an object with a 422 naming it, and writes nothing of the call", async () => {
		node ??= await startNode({ nodeId: "ingest-many", services: ["symbols"] });
		const ts = Date.now();
		const good = (symbol: string) => ({ symbol, price: 1, size: 1, ts });
		const refusal = (action: string, params: object) =>
			node!.broker.call(action, params).then(
				() => expect.fail(`${action} accepted a tick that is not an object`),
				(err: { code: number; type: string; data: Array<{ field: string; type: string }> }) => ({ code: err.code, type: err.type, data: err.data.map(d => ({ field: d.field, type: d.type })) }),
			);
		for (const bad of [null, 7, "tick", [good("BADA")]]) {
			expect(
				await refusal("symbols.ingestMany", {
					batches: [
						{ symbol: "BADA", ticks: [good("BADA")] },
						{ symbol: "BADB", ticks: [good("BADB"), bad] },
					],
				}),
			).to.deep.equal({
				code: 422,
				type: "VALIDATION_ERROR",
				data: [{ field: "batches[1].ticks[1]", type: "object" }],
			});
			expect(await refusal("symbols.ingest", { symbol: "BADA", ticks: [good("BADA"), good("BADA"), bad] })).to.deep.equal({ code: 422, type: "VALIDATION_ERROR", data: [{ field: "ticks[2]", type: "object" }] });
		}
		for (const symbol of ["BADA", "BADB"]) expect(await node.deps.store.range(symbol, 0, 10), symbol).to.deep.equal([]);
	});
});
