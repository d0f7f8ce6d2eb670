/**
 * The quote cache over a real NATS bus: a tick published by another connection drops the answer,
 * and while nats-server is down (SIGKILL) nothing is answered from the cache, because ticks may be
 * missed; once it is back and the subscription is in force again, answers are kept again.
 */
import { expect } from "chai";
import { NatsBus } from "../../lib/bus/nats-bus.ts";
import { QuoteCache } from "../../lib/streaming/quote-cache.ts";
import { subjects } from "../../lib/protocol/wire.ts";
import { startNats, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";

describe("QuoteCache over NATS", function () {
	this.timeout(30_000);
	let nats: TestServer;
	let gatewayBus: NatsBus;
	let ownerBus: NatsBus;
	let cache: QuoteCache;

	before(async function () {
		if (process.env.NATS_URL) this.skip(); // needs a server it can kill
		nats = await startNats();
		gatewayBus = await NatsBus.connect(nats.url, "gateway");
		ownerBus = await NatsBus.connect(nats.url, "owner");
		cache = new QuoteCache(gatewayBus, { maxAgeMs: 60_000, maxEntries: 100, now: Date.now });
	});
	after(async () => {
		cache?.close();
		await gatewayBus?.close().catch(() => {});
		await ownerBus?.close().catch(() => {});
		await nats?.stop();
	});

	const fillWhenReady = async (symbol: string, body: string) =>
		waitFor(
			() => {
				cache.fill(cache.begin(symbol), body);
				return cache.get(symbol) === body;
			},
			{ timeoutMs: 5000, what: `${symbol} kept` },
		);

	it("drops the answer when the owner publishes a tick of the symbol", async () => {
		await fillWhenReady("AAPL", '{"seq":1}');
		ownerBus.publish(subjects.ticks("AAPL"), { v: 1, seq: 2, symbol: "AAPL", price: 1, size: 1, ts: 2 });
		await ownerBus.flush();
		await waitFor(() => cache.get("AAPL") === null, { timeoutMs: 2000, what: "answer dropped by the tick" });
	});

	it("answers nothing from the cache while NATS is down, and keeps answers again once it is back", async () => {
		await fillWhenReady("MSFT", '{"seq":7}');
		await nats.kill();
		await waitFor(() => cache.get("MSFT") === null, { timeoutMs: 10_000, what: "cache emptied on disconnect" });
		cache.fill(cache.begin("MSFT"), '{"seq":8}');
		expect(cache.get("MSFT"), "nothing kept while down").to.equal(null);
		await nats.restart();
		await fillWhenReady("MSFT", '{"seq":9}');
		// And the subscription works again: a tick drops it. The owner's own connection may still be
		// reconnecting (what it publishes then is lost), so it publishes until one gets through.
		await waitFor(
			() => {
				ownerBus.publish(subjects.ticks("MSFT"), { v: 1, seq: 10, symbol: "MSFT", price: 1, size: 1, ts: 10 });
				return cache.get("MSFT") === null;
			},
			{ timeoutMs: 10_000, intervalMs: 50, what: "answer dropped by a tick after the reconnect" },
		);
	});
});
