/**
 * Issue 13 ("no burst may stall a node"), found in the audit against `npm start`: every tick feeds
 * `price.{SYM}` and `volume.{SYM}`, so after a 5,000-new-symbol POST the analytics service had
 * 10,000 names to publish and computed the stats of 1,000 of them × 6 windows in one event-loop
 * turn, once a second: the probes of /health/live stalled every second while it caught up. Now
 * the stats are computed and published in 5 ms slices (services/analytics.service.ts). Measured
 * in turns: each stats() call costs 0.1 ms here; how many run between two turns of the loop.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import type { WindowStore } from "../../lib/analytics/window-store.ts";

interface Analytics {
	windows: WindowStore;
	record(name: string, value: number, ts?: number): void;
	publishTick(): Promise<void>;
}

describe("security: the analytics publish yields to the event loop", function () {
	this.timeout(30_000);
	let node: TestNode;
	before(async () => {
		node = await startNode(testConfig({ nodeId: "sec-analytics", symbols: [], services: ["analytics"] }));
	});
	after(() => node?.stop());

	it("1,000 names × 6 windows at 0.1 ms a window take many turns, not one", async () => {
		const svc = node.broker.getLocalService("analytics") as unknown as Analytics;
		for (let i = 0; i < 1000; i++) svc.record(`price.P${i}`, 10 + i);
		const stats = svc.windows.stats.bind(svc.windows);
		let sinceTurn = 0;
		let calls = 0;
		svc.windows.stats = (...a) => {
			const until = performance.now() + 0.1;
			while (performance.now() < until);
			sinceTurn++;
			calls++;
			return stats(...a);
		};
		const perTurn: number[] = [];
		let done = false;
		const tick = () => {
			perTurn.push(sinceTurn);
			sinceTurn = 0;
			if (!done) setImmediate(tick);
		};
		try {
			setImmediate(tick);
			await svc.publishTick();
		} finally {
			done = true;
			svc.windows.stats = stats;
		}
		perTurn.push(sinceTurn);
		expect(calls, "every name's six windows computed").to.equal(6000);
		// 5 ms slices checked every 8 names (4.8 ms here): at most 16 names (96 calls) a turn, fewer
		// on a busy machine; before, all 6,000 calls in one turn.
		expect(Math.max(...perTurn), `stats() calls per turn: ${perTurn.join(",")}`).to.be.at.most(100);
	});
});
