/** Idle symbol actors leave memory and come back from the store unchanged. */
import { expect } from "chai";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { defaultConfig } from "../../../lib/config/config.ts";
import { getJson, postJson } from "../../helpers/http.ts";
import { waitFor } from "../../helpers/ports.ts";

describe("services: idle passivation (embedded node)", () => {
	let node: TestNode;
	let base: string;
	before(async () => {
		node = await startNode({ nodeId: "idle-test", symbolActor: { ...defaultConfig().symbolActor, passivateAfterMs: 1000 } });
		base = node.base;
	});
	after(async () => node?.stop());

	it("snapshots and drops an idle actor; the next call rebuilds it with the same state", async () => {
		const t0 = Date.now() - 300_000;
		await postJson(
			`${base}/api/v1/ticks`,
			[0, 1, 2].map(i => ({ symbol: "IDLE", price: 10 + i, size: 1, ts: t0 + i * 61_000, id: `i${i}` })),
		);
		const bars = (await getJson(`${base}/api/v1/symbols/IDLE/bars?tf=1m`)).body;
		await waitFor(async () => (await node.broker.call<unknown[]>("symbols.actors")).length === 0, { timeoutMs: 5000, what: "the idle actor to be passivated" });
		expect(await node.deps.store.getSnapshot("IDLE")).to.have.property("seq", 3);
		expect((await getJson(`${base}/api/v1/symbols/IDLE/bars?tf=1m`)).body).to.deep.equal(bars);
		// Dedup ids and seq came back too.
		const r = await postJson(`${base}/api/v1/ticks`, [
			{ symbol: "IDLE", price: 13, size: 1, ts: t0 + 3 * 61_000, id: "i2" },
			{ symbol: "IDLE", price: 14, size: 1, ts: t0 + 3 * 61_000, id: "i3" },
		]);
		expect(r.body).to.include({ accepted: 1, duplicates: 1 });
		expect(r.body.symbols[0]).to.include({ firstSeq: 4 });
	});
});
