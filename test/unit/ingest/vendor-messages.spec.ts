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

	it("extends a handed-over item's data in place, into the same message a copy gives", () => {
		const frame = { T: "t", S: "AAPL", i: 7, x: "V", p: 201.5, s: 3, c: ["@"], z: "C", t: "2025-06-10T14:30:00.123456Z" };
		const copied = toMessage({ item: alpacaItem("alpaca", frame)!, meta, at }, new QuoteVolatility({ window: 60, refitEvery: 60 }), "n1");
		const item = alpacaItem("alpaca", frame)!;
		const data = item.data;
		const handed = toMessage({ item, meta: { ...meta, handedOver: true }, at }, new QuoteVolatility({ window: 60, refitEvery: 60 }), "n1");
		expect(handed.data, "no copy").to.equal(data);
		expect(JSON.stringify(handed)).to.equal(JSON.stringify(copied));
	});

	it("gives the volatility state each market-data item's vendor time: the refit floor counts it", () => {
		const opts = { window: 60, refitEvery: 20, refitMinMs: 1000 };
		const vol = new QuoteVolatility(opts);
		const direct = new QuoteVolatility(opts);
		const timed = new QuoteVolatility(opts);
		let differs = 0;
		for (let i = 0; i < 200; i++) {
			const price = 100 + Math.sin(i / 3) + (i % 7) / 10;
			// 10 ms apart: a refit waits 100 prices for its second, where 20 prices alone would do.
			const t = new Date(Date.UTC(2025, 5, 10, 14, 30) + i * 10).toISOString();
			const item = alpacaItem("alpaca", { T: "t", S: "AAPL", i, x: "V", p: price, s: 1, c: ["@"], z: "C", t })!;
			const msg = toMessage({ item, meta, at } as Incoming, vol, "n1");
			const want = direct.update("AAPL", price, undefined, undefined, item.timestamp).garch_forecast;
			expect(msg.data.garch_forecast, `trade ${i}`).to.equal(want);
			if (timed.update("AAPL", price).garch_forecast !== want) differs++;
		}
		// Without the times, the count alone refits sooner: the fields differ.
		expect(differs).to.be.greaterThan(0);
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

	it("after a partial submit failure, submits again only the symbols not written, and stores and publishes each message once", async () => {
		const kv = new MemoryKv();
		const vol = new QuoteVolatility({ window: 60, refitEvery: 60 });
		const trades = ["AAPL", "MSFT", "AAPL", "TSLA"].map((S, i) => alpacaItem("alpaca", { T: "t", S, i, x: "V", p: 100 + i, s: 1, t: "2025-06-10T14:30:00Z" })!);
		const batch: Pending<Incoming>[] = trades.map(item => ({ msg: { item, meta, at, tick: item.tick }, done: 0 }));
		const submitted: string[][] = [];
		let failMsft = true;
		const submit = async (ticks: Array<{ symbol: string }>) => {
			submitted.push(ticks.map(t => t.symbol));
			// As the batched tick path reports it: MSFT not written, the other symbols written.
			if (failMsft) throw Object.assign(new Error("1 of 3 symbols could not be written"), { data: { failed: [{ symbol: "MSFT" }] } });
			return {};
		};
		const published: unknown[] = [];
		const bus = new LocalBus();
		bus.subscribe("rookery.market_data.*", m => published.push(m));
		const deps = { message: (p: Incoming) => toMessage(p, vol, "n1"), submit, kv, bus, streamMaxLen: 100, latestTtlMs: 60_000, stored: () => {} };
		const failed = await writeMessages(batch, deps).then(
			() => null,
			(err: Error) => err,
		);
		expect(failed?.message).to.match(/could not be written/);
		expect(published, "nothing stored or published before every trade is in its actor").to.have.length(0);
		failMsft = false;
		await writeMessages(batch, deps);
		expect(submitted).to.deep.equal([["AAPL", "MSFT", "AAPL", "TSLA"], ["MSFT"]]);
		expect((await kv.streamTail("stream:market_data:AAPL", 10)).length).to.equal(2);
		expect((await kv.streamTail("stream:market_data:MSFT", 10)).length).to.equal(1);
		expect(published).to.have.length(4);
		await writeMessages(batch, deps);
		expect(submitted, "a third write of the same batch does nothing again").to.have.length(2);
		expect(published).to.have.length(4);
	});

	it("builds a flush's messages in buffer order, in turns: a callback queued before a long build runs during it", async () => {
		const vol = new QuoteVolatility({ window: 60, refitEvery: 60 });
		const batch: Pending<Incoming>[] = Array.from({ length: 200 }, (_, i) => ({ msg: { item: alpacaItem("alpaca", { T: "q", S: "AAPL", bp: 10 + i, ap: 11 + i, t: "2025-06-10T14:30:00Z" })!, meta, at }, done: 0 }));
		const built: number[] = [];
		let builtAtTurn = -1;
		setImmediate(() => (builtAtTurn = built.length));
		const message = (p: Incoming) => {
			// ~0.1 ms a message: 20 ms for the flush, over the 5 ms a turn may take.
			const until = performance.now() + 0.1;
			while (performance.now() < until);
			built.push((p.item.data as { bid: number }).bid);
			return toMessage(p, vol, "n1");
		};
		await writeMessages(batch, { message, submit: async () => ({}), kv: new MemoryKv(), bus: new LocalBus(), streamMaxLen: 1000, latestTtlMs: 60_000, stored: () => {} });
		expect(built).to.deep.equal(batch.map((_, i) => 10 + i));
		expect(builtAtTurn).to.be.within(1, 199);
	});
});
