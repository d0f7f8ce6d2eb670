/**
 * A vendor item's StreamMessage: the item's data with the volatility fields after it, in the
 * predecessor's key order (the JSON shows it), the item's own data left as it came, and an item
 * emitted twice giving two messages that share no data object.
 */
import { expect } from "chai";
import { toMessage, writeMessages, type Incoming } from "../../../lib/ingest/vendor-messages.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { MemoryKv } from "../../../lib/kv/memory-kv.ts";
import type { Pending } from "../../../lib/workers/message-pipeline.ts";
import { alpacaItem } from "../../../lib/vendors/alpaca-stream.ts";
import { QuoteVolatility } from "../../../lib/workers/quote-volatility.ts";

const meta = { vendor: "alpaca", worker_id: null, retry_count: 0, fallback: false };
const at = Date.UTC(2025, 5, 10, 14, 30, 1);

describe("ingest: vendor messages", () => {
	it("builds an Alpaca trade's item and message with the keys in order", () => {
		const item = alpacaItem("alpaca", { T: "t", S: "AAPL", i: 7, x: "V", p: 201.5, s: 3, c: ["@"], z: "C", t: "2025-06-10T14:30:00.123456Z" })!;
		expect(Object.keys(item)).to.deep.equal(["data_type", "symbol", "timestamp", "update_type", "data", "tick"]);
		const msg = toMessage({ item, meta, at }, new QuoteVolatility({ window: 60, refitEvery: 60 }), "n1");
		expect(JSON.stringify(msg)).to.equal(
			JSON.stringify({
				channel: "stream:market_data:AAPL",
				data_type: "market_data",
				update_type: "trade",
				timestamp: "2025-06-10T14:30:00.123Z",
				symbol: "AAPL",
				data: { price: 201.5, size: 3, exchange: "V", conditions: ["@"], tape: "C", spread: null, realized_vol: null, garch_forecast: null, vol_window: 0 },
				vendor: "alpaca",
				metadata: { worker_id: null, retry_count: 0, fallback: false, node: "n1", received_at: new Date(at).toISOString() },
			}),
		);
	});

	it("gives an item emitted twice two messages with their own data, and leaves the item's first data as it was", () => {
		const vol = new QuoteVolatility({ window: 60, refitEvery: 60 });
		const item = alpacaItem("alpaca", { T: "q", S: "MSFT", bp: 99.5, ap: 100.5, t: "2025-06-10T14:30:00Z" })!;
		const original = item.data;
		const first = toMessage({ item, meta, at } as Incoming, vol, "n1");
		const second = toMessage({ item, meta, at: at + 1 } as Incoming, vol, "n1");
		expect(first.data).to.not.equal(second.data);
		expect(first.data).to.not.equal(original);
		expect(original).to.not.have.property("spread");
		expect(first.data).to.include({ bid: 99.5, ask: 100.5, spread: 1 });
		expect(second.metadata.received_at).to.equal(new Date(at + 1).toISOString());
	});

	it("counts a message stored once when a retry follows a failed latest write", async () => {
		/** A KV whose first `set` (the latest step) fails, after the stream appends went through. */
		class FlakyLatest extends MemoryKv {
			failSets = 1;
			override async set(...a: Parameters<MemoryKv["set"]>) {
				if (this.failSets-- > 0) throw new Error("down");
				return super.set(...a);
			}
		}
		const kv = new FlakyLatest();
		const vol = new QuoteVolatility({ window: 60, refitEvery: 60 });
		const batch: Pending<Incoming>[] = ["AAPL", "MSFT", "AAPL"].map((S, i) => ({ msg: { item: alpacaItem("alpaca", { T: "q", S, bp: 10 + i, ap: 11 + i, t: "2025-06-10T14:30:00Z" })!, meta, at }, done: 0 }));
		const counted: number[] = [];
		const published: unknown[] = [];
		const bus = new LocalBus();
		bus.subscribe("rookery.market_data.*", m => published.push(m));
		const deps = { message: (p: Incoming) => toMessage(p, vol, "n1"), submit: async () => ({}), kv, bus, streamMaxLen: 100, latestTtlMs: 60_000, stored: (n: number) => counted.push(n) };
		const failed = await writeMessages(batch, deps).then(
			() => null,
			(err: Error) => err,
		);
		expect(failed?.message).to.equal("down");
		await writeMessages(batch, deps);
		expect(
			counted.reduce((a, b) => a + b, 0),
			"each message counted once",
		).to.equal(3);
		expect((await kv.streamTail("stream:market_data:AAPL", 10)).length, "appended once").to.equal(2);
		expect(published).to.have.length(3);
	});
});
