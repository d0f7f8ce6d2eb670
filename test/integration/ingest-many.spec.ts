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
});
