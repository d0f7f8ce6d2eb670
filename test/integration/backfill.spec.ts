/**
 * Back-fill from a vendor's history in cluster mode (real Redis and NATS, in-process nodes), against
 * a local server answering Yahoo's chart API with `period1`/`period2`/`interval` (docs/ingestion.md):
 * the bars REST then serves are the vendor's, a second back-fill of the range adds nothing, bad
 * requests are 422 naming the field with nothing written, a failing vendor is 503 with nothing
 * written, and a node started afresh on the same store rebuilds the very same bars from the log.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { defaultConfig } from "../../lib/config/config.ts";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";

const SYM = "BFX";
const MIN = 60_000;

/** Yahoo's chart answer for 1m bars in [period1, period2]: seconds, one minute without trades (nulls). */
function historyServer(): Promise<{ url: string; requests: URLSearchParams[]; fail: { on: boolean; badBar: boolean; hold: Promise<void> | null }; close(): Promise<void> }> {
	const requests: URLSearchParams[] = [];
	const fail = { on: false, badBar: false, hold: null as Promise<void> | null };
	const server = http.createServer(async (req, res) => {
		const u = new URL(req.url ?? "/", "http://x");
		const m = /^\/v8\/finance\/chart\/([^/]+)$/.exec(u.pathname);
		if (!m || u.searchParams.get("interval") !== "1m") return void res.writeHead(404).end();
		requests.push(u.searchParams);
		if (fail.hold) await fail.hold;
		if (fail.on) return void res.writeHead(500).end("Internal Server Error");
		const p1 = Number(u.searchParams.get("period1"));
		const p2 = Number(u.searchParams.get("period2"));
		const ts: number[] = [];
		const q = { open: [] as Array<number | null>, high: [] as Array<number | null>, low: [] as Array<number | null>, close: [] as Array<number | null>, volume: [] as Array<number | null> };
		for (let t = Math.ceil(p1 / 60) * 60; t <= p2; t += 60) {
			ts.push(t);
			const k = t / 60;
			if (k % 17 === 0) {
				for (const a of Object.values(q)) a.push(null);
				continue;
			}
			const open = 100 + (k % 50) / 4;
			const close = open + ((k % 7) - 3) / 8;
			q.open.push(open);
			q.close.push(close);
			q.high.push(fail.badBar ? Math.min(open, close) - 1 : Math.max(open, close) + 0.25);
			q.low.push(Math.min(open, close) - 0.25);
			q.volume.push(1000 + (k % 13) * 10);
		}
		const meta = { currency: "USD", symbol: decodeURIComponent(m[1]), exchangeName: "NMS", regularMarketTime: p2, regularMarketPrice: q.close.findLast(x => x !== null) ?? 100, dataGranularity: "1m" };
		res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ chart: { result: [{ meta, timestamp: ts, indicators: { quote: [q] } }], error: null } }));
	});
	return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, fail, close: () => new Promise(r => server.close(() => r())) })));
}

describe("back-fill from a vendor's history (cluster mode)", function () {
	this.timeout(60_000);
	let redis: TestServer;
	let nats: TestServer;
	let vendor: Awaited<ReturnType<typeof historyServer>>;
	let node: TestNode;
	let base: string;
	const cfg = (nodeId: string) =>
		({
			symbols: [],
			nodeId,
			transporter: nats.url,
			redisUrl: redis.url,
			workers: { ...defaultConfig().workers, autoStart: false },
			vendors: { yahoo: { type: "http-poll", baseUrl: vendor.url }, news: { type: "rss", urlTemplate: `${vendor.url}/rss/{symbol}` } },
		}) as never;
	const start = async (id: string) => {
		node = await startNode(cfg(id));
		base = node.base;
	};
	const backfill = (body: object) => postJson(`${base}/api/v1/symbols/${SYM}/backfill`, body);
	const lastSeq = async () => (await getJson(`${base}/api/v1/symbols/${SYM}/latest`)).body?.seq ?? 0;
	// Whole minutes, ending 10 minutes ago: 180 minutes, of which the vendor has no trades in some.
	const to = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
	const from = to - 180 * MIN;

	before(async () => {
		[redis, nats, vendor] = await Promise.all([startRedis(), startNats(), historyServer()]);
		await start("backfill-a");
	});

	after(async () => {
		await node?.stop();
		await Promise.all([redis?.stop(), nats?.stop(), vendor?.close()]);
	});

	let first: any;
	let barsAfter: unknown[];

	it("writes the vendor's bars through the symbol's log: REST's 1m bars are the vendor's OHLCV", async () => {
		const r = await backfill({ vendor: "yahoo", from: new Date(from).toISOString(), to, tf: "1m" });
		expect(r.status, JSON.stringify(r.body)).to.equal(200);
		first = r.body;
		const asked = vendor.requests.at(-1)!;
		expect([asked.get("period1"), asked.get("period2"), asked.get("interval")]).to.deep.equal([String(from / 1000), String(to / 1000), "1m"]);
		// 181 minutes in [from, to], one in 17 without trades.
		const expected = Array.from({ length: 181 }, (_, i) => from + i * MIN).filter(t => (t / MIN) % 17 !== 0);
		expect(first).to.include({ symbol: SYM, vendor: "yahoo", tf: "1m", bars: expected.length, ticks: expected.length * 4, accepted: expected.length * 4, duplicates: 0, late: 0 });
		expect(first.lastSeq).to.equal(await lastSeq());
		const bars = (await getJson(`${base}/api/v1/symbols/${SYM}/bars?tf=1m&limit=500`)).body.bars as Array<Record<string, number>>;
		expect(bars.map(b => b.time)).to.deep.equal(expected);
		for (const b of bars) {
			const k = b.time / MIN;
			const open = 100 + (k % 50) / 4;
			const close = open + ((k % 7) - 3) / 8;
			expect([b.open, b.high, b.low, b.close, b.volume], String(b.time)).to.deep.equal([open, Math.max(open, close) + 0.25, Math.min(open, close) - 0.25, close, 1000 + (k % 13) * 10]);
		}
		barsAfter = bars;
		const ind = (await getJson(`${base}/api/v1/symbols/${SYM}/indicators?tf=1m`)).body;
		expect(ind.final.values.rsi_14, "indicators over the back-filled bars").to.be.a("number");
	});

	it("is idempotent: the same back-fill again adds nothing", async () => {
		const r = await backfill({ vendor: "yahoo", from, to, tf: "1m" });
		expect(r.status).to.equal(200);
		expect(r.body).to.include({ bars: first.bars, accepted: 0 });
		expect(r.body.duplicates + r.body.late).to.equal(first.ticks);
		expect(await lastSeq()).to.equal(first.lastSeq);
		expect((await getJson(`${base}/api/v1/symbols/${SYM}/bars?tf=1m&limit=500`)).body.bars).to.deep.equal(barsAfter);
	});

	it("refuses bad requests with 422 naming the field, and writes nothing", async () => {
		const cases: Array<[object, string]> = [
			[{ vendor: "yahoo", from, to, tf: "1s" }, "tf"],
			[{ vendor: "yahoo", from, to, tf: "constructor" }, "tf"],
			[{ vendor: "yahoo", from: to - 5001 * MIN, to, tf: "1m" }, "to"],
			[{ vendor: "yahoo", from: to, to: from }, "from"],
			[{ vendor: "yahoo", from: "yesterday", to }, "from"],
			[{ vendor: "yahoo", from, to: Date.now() + 3_600_000 }, "to"],
			[{ vendor: "news", from, to }, "vendor"],
			[{ vendor: "nope", from, to }, "vendor"],
			[{ vendor: "constructor", from, to }, "vendor"],
		];
		const requests = vendor.requests.length;
		for (const [body, field] of cases) {
			const r = await backfill(body);
			expect(r.status, JSON.stringify(body)).to.equal(422);
			expect(
				r.body.error.details.map((d: { field: string }) => d.field),
				JSON.stringify(body),
			).to.deep.equal([field]);
		}
		expect(vendor.requests.length, "no vendor call for a refused request").to.equal(requests);
		expect(await lastSeq()).to.equal(first.lastSeq);
		const doc = (await getJson(`${base}/api/openapi.json`)).body.paths["/api/v1/symbols/{symbol}/backfill"].post;
		expect(Object.keys(doc.requestBody.content["application/json"].schema.properties)).to.deep.equal(["vendor", "from", "to", "tf"]);
	});

	it("answers 503 when the vendor fails or answers a bar that is not one, and writes nothing", async () => {
		for (const [mode, message] of [
			["on", "HTTP 500"],
			["badBar", "not a valid bar"],
		] as const) {
			vendor.fail[mode] = true;
			try {
				const r = await backfill({ vendor: "yahoo", from: to + MIN, to: to + 5 * MIN });
				expect(r.status, mode).to.equal(503);
				expect(r.body.error.message).to.include(message);
			} finally {
				vendor.fail[mode] = false;
			}
		}
		expect(await lastSeq()).to.equal(first.lastSeq);
	});

	it("runs two back-fills per node at most: a third is refused with 503 BUSY", async () => {
		let release!: () => void;
		vendor.fail.hold = new Promise(r => (release = r));
		const n = vendor.requests.length;
		const running = [backfill({ vendor: "yahoo", from: to + MIN, to: to + 2 * MIN }), backfill({ vendor: "yahoo", from: to + MIN, to: to + 2 * MIN })];
		try {
			await waitFor(() => vendor.requests.length === n + 2, { timeoutMs: 5000, what: "two vendor calls held" });
			const third = await backfill({ vendor: "yahoo", from: to + MIN, to: to + 2 * MIN });
			expect(third.status).to.equal(503);
			expect(third.body.error.code).to.equal("BUSY");
		} finally {
			vendor.fail.hold = null;
			release();
		}
		const done = await Promise.all(running);
		expect(done.map(r => r.status)).to.deep.equal([200, 200]);
		// The same range twice at once: written once.
		expect(done[0].body.accepted + done[1].body.accepted).to.equal(done[0].body.ticks);
		first.lastSeq = await lastSeq();
		barsAfter = (await getJson(`${base}/api/v1/symbols/${SYM}/bars?tf=1m&limit=500`)).body.bars;
	});

	it("replays bit-identically: a fresh node on the same store serves the same bars", async () => {
		await node.stop();
		await start("backfill-b");
		const again = (await getJson(`${base}/api/v1/symbols/${SYM}/bars?tf=1m&limit=500`)).body;
		expect(again.seq).to.equal(first.lastSeq);
		expect(JSON.stringify(again.bars)).to.equal(JSON.stringify(barsAfter));
	});
});
