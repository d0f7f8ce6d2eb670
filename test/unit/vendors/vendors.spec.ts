/** Each vendor against a local server speaking its real format, failure modes included. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { HttpPollVendor } from "../../../lib/vendors/http-poll.ts";
import { RssVendor, parseFeed } from "../../../lib/vendors/rss.ts";
import { AlpacaStreamVendor } from "../../../lib/vendors/alpaca-stream.ts";
import { ReplayVendor } from "../../../lib/vendors/replay.ts";
import { SyntheticVendor } from "../../../lib/vendors/synthetic.ts";
import { VendorError, type PushSink, type PushState, type VendorItem } from "../../../lib/vendors/vendor.ts";
import { withTimeout } from "../../../lib/resilience/timeout.ts";
import { BarBuilder } from "../../../lib/bars/bar-builder.ts";
import { startYahooServer, type YahooServer } from "../../helpers/vendor-servers/yahoo-chart.ts";
import { startRssServer } from "../../helpers/vendor-servers/rss-feed.ts";
import { startAlpacaServer, trade, quote, bar, type AlpacaServer } from "../../helpers/vendor-servers/alpaca-stream.ts";

const signal = () => new AbortController().signal;
const caught = (p: Promise<unknown>) =>
	p.then(
		() => null,
		(e: unknown) => e as Error,
	);
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const until = async (cond: () => boolean, ms = 3000) => {
	const t0 = Date.now();
	while (!cond()) {
		if (Date.now() - t0 > ms) throw new Error("condition not met in time");
		await new Promise(r => setTimeout(r, 10));
	}
};

describe("vendors: http-poll (Yahoo chart JSON)", () => {
	let yahoo: YahooServer;
	let v: HttpPollVendor;
	beforeEach(async () => {
		yahoo = await startYahooServer();
		v = new HttpPollVendor("yahoo", { baseUrl: yahoo.url });
	});
	afterEach(() => yahoo.close());

	it("reads meta and the newest non-null bar into a snapshot with its tick, and a bar", async () => {
		const items = await v.fetch("market_data", "AAPL", signal());
		expect(items).to.have.length(2);
		expect(items[0].update_type).to.equal("snapshot");
		expect(items[0].tick).to.include({ symbol: "AAPL", price: 101, size: 0 });
		expect(items[1]).to.include({ update_type: "bar" });
		expect(items[1].data).to.include({ close: 101, volume: 900 });
	});

	it("maps 429 with Retry-After, 5xx, 404 and a cut-off body to VendorErrors", async () => {
		yahoo.retryAfterSeconds = 7;
		yahoo.modes = ["429", "500", "404", "malformed"];
		const e429 = (await caught(v.fetch("market_data", "AAPL", signal()))) as VendorError;
		expect(e429).to.be.instanceOf(VendorError);
		expect(e429.kind).to.equal("rate-limited");
		expect(e429.retryAfterMs).to.equal(7000);
		expect(((await caught(v.fetch("market_data", "AAPL", signal()))) as VendorError).kind).to.equal("server");
		const e404 = (await caught(v.fetch("market_data", "NOPE", signal()))) as VendorError;
		expect(e404.kind).to.equal("client");
		expect(e404.retryable).to.equal(false);
		expect(((await caught(v.fetch("market_data", "AAPL", signal()))) as VendorError).kind).to.equal("malformed");
	});

	it("a server that never answers ends in a TimeoutError and the request is aborted", async () => {
		yahoo.modes = ["hang"];
		const err = await caught(withTimeout(sig => v.fetch("market_data", "AAPL", sig), 100, "yahoo AAPL"));
		expect(err?.name).to.equal("TimeoutError");
	});

	it("refuses well-formed JSON of the wrong shape", () => {
		expect(() => v.parse("AAPL", JSON.stringify({ chart: { result: [{ meta: {} }] } }))).to.throw(VendorError, /regularMarketPrice/);
		expect(() => v.parse("AAPL", JSON.stringify({ chart: { result: [{ meta: { regularMarketPrice: 1, regularMarketTime: 1 }, timestamp: [1, 2], indicators: { quote: [{ close: [1] }] } }] } }))).to.throw(VendorError, /line up/);
	});
});

describe("vendors: rss (RSS 2.0 and Atom)", () => {
	it("parses RSS 2.0 items (CDATA, entities) and Atom entries (link href, id, updated)", async () => {
		const srv = await startRssServer();
		try {
			const rss = new RssVendor("rss", { urlTemplate: `${srv.url}/rss/{symbol}` });
			const items = await rss.fetch("news", "AAPL", signal());
			expect(items).to.have.length(3);
			expect(items[0].data).to.include({ id: "AAPL-0", headline: "AAPL beats estimates & raises guidance #0", url: "https://news.example/AAPL/0", summary: "Shares & more #0", format: "rss" });
			expect(items[0].timestamp).to.equal(Date.parse("Tue, 10 Jun 2025 12:00:00 GMT"));
			// Seen articles are not emitted again; a new one is.
			expect(await rss.fetch("news", "AAPL", signal())).to.have.length(0);
			srv.items.n = 4;
			expect((await rss.fetch("news", "AAPL", signal())).map(i => i.data.id)).to.deep.equal(["AAPL-3"]);
			const atom = new RssVendor("atom", { urlTemplate: `${srv.url}/atom/{symbol}` });
			const a = await atom.fetch("news", "MSFT", signal());
			expect(a[0].data).to.include({ id: "urn:atom:MSFT:0", headline: "MSFT misses estimates #0", url: "https://news.example/atom/MSFT/0", summary: "Weak quarter — #0", format: "atom" });
			const broken = new RssVendor("broken", { urlTemplate: `${srv.url}/broken/{symbol}` });
			const err = (await caught(broken.fetch("news", "AAPL", signal()))) as VendorError;
			expect(err.kind).to.equal("malformed");
		} finally {
			await srv.close();
		}
	});

	it("refuses a document that is neither RSS nor Atom", () => {
		expect(() => parseFeed("<html><body>nope</body></html>")).to.throw(/neither/);
	});
});

describe("vendors: alpaca-stream (market-data v2 protocol)", () => {
	let srv: AlpacaServer;
	let v: AlpacaStreamVendor;
	beforeEach(async () => (srv = await startAlpacaServer()));
	afterEach(async () => {
		await v?.stop();
		await srv.close();
	});
	const run = (opts: Partial<ConstructorParameters<typeof AlpacaStreamVendor>[1]> = {}) => {
		const got: VendorItem[] = [];
		const states: PushState[] = [];
		v = new AlpacaStreamVendor("alpaca", { url: srv.url, key: "k", secret: "s", backoff: { initialMs: 20, maxMs: 50, jitter: "none" }, ...opts });
		v.start(["AAPL", "MSFT"], { items: i => void got.push(...i), state: s => void states.push(s) });
		return { got, states };
	};

	it("authenticates, subscribes to trades/quotes/bars and decodes t, q, b", async () => {
		const { got, states } = run();
		await until(() => v.state.state === "streaming");
		expect(srv.subscriptions[0]).to.deep.equal({ action: "subscribe", trades: ["AAPL", "MSFT"], quotes: ["AAPL", "MSFT"], bars: ["AAPL", "MSFT"] });
		srv.push([trade("AAPL", 190.5, 1, "2025-06-10T14:30:00.123456789Z"), quote("MSFT", 410.1, 410.3), bar("AAPL", 191)]);
		await until(() => got.length === 3);
		expect(got[0].tick).to.deep.equal({ symbol: "AAPL", price: 190.5, size: 100, ts: Date.parse("2025-06-10T14:30:00.123Z"), id: "alpaca:V1" });
		expect(got[1]).to.include({ update_type: "quote", symbol: "MSFT" });
		expect(got[1].data).to.include({ bid: 410.1, ask: 410.3 });
		expect(got[2]).to.include({ update_type: "bar" });
		expect(states.map(s => s.state)).to.include.members(["connecting", "streaming"]);
	});

	it("counts garbage frames, and reconnects with backoff after a disconnect mid-stream", async () => {
		const { got } = run();
		await until(() => v.state.state === "streaming");
		srv.garbage();
		srv.dropAll();
		await until(() => srv.connections === 2 && v.state.state === "streaming");
		expect(v.counters.malformed).to.equal(1);
		srv.push([trade("MSFT", 400, 9)]);
		await until(() => got.length === 1);
		expect(v.counters.connects).to.equal(2);
	});

	it("lets go of its sink once stopped: nothing left pending holds the closed socket", async () => {
		let sink: PushSink | null = { items: () => {}, state: () => {} };
		const held = new WeakRef(sink);
		v = new AlpacaStreamVendor("alpaca", { url: srv.url, key: "k", secret: "s" });
		v.start(["AAPL"], sink);
		sink = null;
		await until(() => v.state.state === "streaming");
		await v.stop();
		// A few turns, not a wait: the stop's 1 s force-close timer, left pending, held the socket, its
		// listeners and through them the sink (a node's ingest service and its store).
		for (let i = 0; i < 3; i++) {
			gc();
			await new Promise(r => setImmediate(r));
		}
		expect(held.deref(), "the sink of a stopped stream").to.equal(undefined);
	});

	it("stops for good on 402 auth failed; keeps retrying on 406 connection limit", async () => {
		run({ secret: "wrong" });
		await until(() => v.state.state === "failed");
		expect((v.state as { lastError: string }).lastError).to.match(/402/);
		const conns = srv.connections;
		await new Promise(r => setTimeout(r, 100));
		expect(srv.connections).to.equal(conns);
		await v.stop();
		srv.refuseWith = 406;
		run();
		await until(() => srv.connections >= conns + 3);
		expect(["backoff", "connecting"]).to.include(v.state.state);
		srv.refuseWith = null;
		await until(() => v.state.state === "streaming");
	});
});

describe("vendors: replay", () => {
	const csv = readFileSync(new URL("../../fixtures/goog-daily.csv", import.meta.url), "utf8");

	it("replays the GOOG daily series into ticks whose 1d bars equal the file", async () => {
		const v = new ReplayVendor("replay", { text: csv, format: "csv", symbol: "GOOG", speed: Infinity, batch: 400 });
		const builder = new BarBuilder("1d");
		const bars: Array<{ time: number; open: number; high: number; low: number; close: number; volume: number }> = [];
		v.start(["GOOG"], {
			items: items => {
				for (const it of items) {
					const r = builder.add(it.tick!);
					if (r.type === "forming" && r.closed) bars.push(r.closed);
				}
			},
			state: () => {},
		});
		await v.finished();
		const rows = csv
			.trim()
			.split("\n")
			.slice(1)
			.map(l => l.split(",").map(Number));
		expect(rows).to.have.length(1047);
		expect(v.emitted).to.equal(1047);
		expect(bars).to.have.length(1046); // the last bar is still forming
		bars.forEach((b, i) =>
			expect({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume }).to.deep.equal({ time: rows[i][0], open: rows[i][1], high: rows[i][2], low: rows[i][3], close: rows[i][4], volume: rows[i][5] }),
		);
	});

	it("paces rows by ×speed on the injected clock, and loops forward in time", async () => {
		let t = 0;
		const timers: Array<{ at: number; fn: () => void }> = [];
		const text = ["time,open,high,low,close,volume", "0,1,2,1,2,10", "60000,2,3,2,3,10", "120000,3,4,3,4,10"].join("\n");
		const v = new ReplayVendor("r", { text, format: "csv", symbol: "X", speed: 60, loop: true, now: () => t, setTimer: (fn, ms) => (timers.push({ at: t + ms, fn }), { cancel: () => {} }) });
		const ticks: number[] = [];
		v.start(["X"], { items: items => void ticks.push(...items.map(i => i.tick!.ts)), state: () => {} });
		await new Promise(r => setImmediate(r));
		expect(ticks).to.have.length(4); // row 0 at once; row 1 due after 60 s / 60 = 1 s
		expect(timers.at(-1)!.at).to.equal(1000);
		t = 1000;
		timers.at(-1)!.fn();
		await new Promise(r => setImmediate(r));
		expect(ticks).to.have.length(8);
		t = 2000;
		timers.at(-1)!.fn();
		await new Promise(r => setImmediate(r));
		// Row 2, then the loop's first row again, shifted past the end of the file.
		expect(ticks.length).to.equal(16);
		expect(ticks[12]).to.be.greaterThan(120_003);
		await v.stop();
	});

	it("a replay at full speed into a sink that does not wait lets timers and I/O run between steps", async () => {
		const text = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ symbol: "X", ts: i, price: 1 + i / 1000 })).join("\n");
		const v = new ReplayVendor("r", { text, format: "ndjson", symbol: "X", speed: Infinity, batch: 100 });
		// Rows emitted when a callback queued at the first step got its turn: the whole file, when
		// the replay ran in microtasks alone (it then held lease renewals and HTTP for seconds).
		let emittedAtTurn = -1;
		v.start(["X"], { items: () => void (emittedAtTurn < 0 && setImmediate(() => (emittedAtTurn = v.emitted))), state: () => {} });
		await v.finished();
		expect(v.emitted).to.equal(1000);
		expect(emittedAtTurn).to.be.within(100, 200);
	});

	it("hands a sink at most its maxItems per call (a bigger step would be cut by the buffer's drop-oldest)", async () => {
		const text = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ symbol: "X", ts: i, price: 1 + i / 1000 })).join("\n");
		const v = new ReplayVendor("r", { text, format: "ndjson", symbol: "X", speed: Infinity });
		const sizes: number[] = [];
		v.start(["X"], { items: items => void sizes.push(items.length), state: () => {}, maxItems: 300 });
		await v.finished();
		expect(sizes).to.deep.equal([300, 300, 300, 100]);
	});

	it("refuses a bad line naming it", () => {
		expect(() => new ReplayVendor("r", { text: "time,open,high,low,close,volume\n1,2,1,3,2,5", format: "csv", symbol: "X", speed: 1 })).to.throw(/line 2/);
		expect(() => new ReplayVendor("r", { text: '{"ts":1,"price":2}\n{oops', format: "ndjson", symbol: "X", speed: 1 })).to.throw(/line 2: not JSON/);
	});
});

describe("vendors: synthetic", () => {
	it("serves every data type deterministically per seed, with sentiment-bearing headlines", async () => {
		const a = new SyntheticVendor("s", { seed: 7, now: () => 1e12 });
		const b = new SyntheticVendor("s", { seed: 7, now: () => 1e12 });
		for (const dt of ["market_data", "news", "fundamentals", "analytics", "insider_data"] as const) {
			expect(await a.fetch(dt, "AAPL")).to.deep.equal(await b.fetch(dt, "AAPL"));
		}
		const news = await Promise.all(Array.from({ length: 20 }, () => a.fetch("news", "AAPL")));
		const hints = new Set(news.map(n => n[0].data.sentiment_hint));
		expect([...hints].sort()).to.deep.equal(["negative", "neutral", "positive"]);
	});
});
