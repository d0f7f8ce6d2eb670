/**
 * A stopped node leaves nothing of itself in the process: tests, benches and embedders start and
 * stop many nodes in one process. prom-client's GC observer kept each node's registry, and through
 * it the broker, the actors and the store with every tick in it (lib/metrics/registry.ts).
 */
import { expect } from "chai";
import v8 from "node:v8";
import vm from "node:vm";
import { createNode } from "../../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../../lib/config/config.ts";
import { waitFor } from "../helpers/ports.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

describe("a stopped node", () => {
	it("is garbage once stopped: its broker and its store, ticks and all, are collected", async () => {
		const config = mergeConfig(defaultConfig(), { nodeId: "release-test", port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, symbols: [] });
		let node: Awaited<ReturnType<typeof createNode>> | null = await createNode(config);
		await node.start();
		const ts = Date.now();
		await node.broker.call("ingest.ticks", { body: { ticks: Array.from({ length: 500 }, (_, i) => ({ symbol: `REL${i % 5}`, price: 100 + i / 100, size: 1, ts })) } });
		// The /metrics registry is made and filled, as a scrape does.
		await node.broker.call("monitor.metrics");
		const store = new WeakRef(node.deps.store);
		const broker = new WeakRef(node.broker);
		await node.stop();
		node = null;
		// moleculer-web's debounced alias rebuild holds the service for 500 ms after the stop.
		await waitFor(
			() => {
				// Each check is its own job: a WeakRef read in one is kept alive only until it ends.
				gc();
				return store.deref() === undefined && broker.deref() === undefined;
			},
			{ timeoutMs: 10_000, intervalMs: 50, what: "the stopped node's broker and store collected" },
		).catch(() => {});
		expect(broker.deref(), "the stopped node's broker").to.equal(undefined);
		expect(store.deref(), "the stopped node's store").to.equal(undefined);
	});
});
