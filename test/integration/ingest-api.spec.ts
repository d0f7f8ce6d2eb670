/** Ingest + config over REST on one embedded node: workers, cadences, instruments, news, messages. */
import { expect } from "chai";
import { listenFor, startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { waitFor } from "../helpers/ports.ts";
import { requestJson } from "../helpers/http.ts";

describe("ingest and config API (embedded node)", function () {
	this.timeout(20_000);
	let node: TestNode;
	let base: string;
	const req = (method: string, path: string, body?: unknown) => requestJson(method, base + path, body);

	before(async () => {
		const config = testConfig({ nodeId: "ingest-api", symbols: ["AAPL", "MSFT"], services: ["gateway", "ingest", "symbols", "monitor", "config"] });
		config.workers.autoStart = true;
		node = await startNode(config);
		base = node.base;
	});
	after(() => node?.stop());

	it("lists the five workers as the predecessor defined WorkerStatus, polled with the synthetic vendor", async () => {
		let r = await req("GET", "/api/v1/workers");
		await waitFor(async () => !(r = await req("GET", "/api/v1/workers")).body.some((w: { success_count: number }) => w.success_count < 2), { timeoutMs: 5000, what: "two polls by every worker" }).catch(() => {});
		expect(r.status).to.equal(200);
		expect(r.body.map((w: { worker_id: string }) => w.worker_id)).to.deep.equal(["worker_market_data", "worker_news", "worker_fundamentals", "worker_analytics", "worker_insider_data"]);
		expect(r.body[0]).to.include({ status: "running", current_vendor: "synthetic", error_count: 0, success_count: 2 });
		const alias = await req("GET", "/streaming/config/workers/worker_news");
		expect(alias.body).to.include({ worker_id: "worker_news", data_type: "news" });
		const tel = await req("GET", "/api/v1/workers/telemetry?data_type=news&limit=5");
		expect(tel.body[0]).to.include({ data_type: "news", symbols: 2, vendor: "synthetic" });
	});

	it("stores vendor messages: latest and the capped stream, with volatility fields on market data", async () => {
		const news = await req("GET", "/api/v1/news/AAPL");
		expect(news.body[0]).to.include({ channel: "stream:news:AAPL", data_type: "news", symbol: "AAPL", vendor: "synthetic" });
		expect(news.body[0].metadata).to.include({ worker_id: "worker_news", retry_count: 0 });
		const md = await req("GET", "/api/v1/messages/market_data/AAPL/latest");
		expect(md.body.data).to.have.keys("price", "size", "bid", "ask", "spread", "realized_vol", "garch_forecast", "vol_window");
		expect(md.body.data.spread).to.be.closeTo(md.body.data.ask - md.body.data.bid, 1e-9);
		// Its trade went into the symbol actor.
		const latest = await req("GET", "/api/v1/symbols/AAPL/latest");
		expect(latest.status).to.equal(200);
	});

	it("takes pushed news and refuses bad input naming the field", async () => {
		const ok = await req("POST", "/api/v1/news", { news: [{ symbol: "MSFT", headline: "MSFT wins major contract", url: "https://x.example/a" }] });
		expect(ok.status).to.equal(200);
		expect(ok.body).to.deep.equal({ accepted: 1, buffered: false });
		const got = await req("GET", "/api/v1/messages/news/MSFT?limit=1");
		expect(got.body[0].data).to.include({ headline: "MSFT wins major contract", source: "push" });
		const bad = await req("POST", "/api/v1/news", { news: [{ symbol: "MSFT", headline: "" }] });
		expect(bad.status).to.equal(422);
		expect(bad.body.error.details[0].field).to.equal("news[0].headline");
	});

	it("instruments: upsert, get, list, delete; 422 names the field; unknown data types refused", async () => {
		const up = await req("POST", "/api/v1/config/instruments", { symbol: "TSLA", data_types: ["market_data", "news"] });
		expect(up.body).to.deep.equal({ symbol: "TSLA", data_types: ["market_data", "news"], enabled: true, custom_config: {} });
		expect((await req("GET", "/streaming/config/instruments/TSLA")).body.symbol).to.equal("TSLA");
		expect((await req("GET", "/api/v1/config/instruments")).body.map((i: { symbol: string }) => i.symbol)).to.deep.equal(["AAPL", "MSFT", "TSLA"]);
		const bad = await req("POST", "/api/v1/config/instruments", { symbol: "TSLA", data_types: ["weather"] });
		expect(bad.status).to.equal(422);
		expect(bad.body.error.details[0].field).to.match(/^data_types/);
		expect((await req("DELETE", "/api/v1/config/instruments/TSLA")).status).to.equal(200);
		expect((await req("GET", "/api/v1/config/instruments/TSLA")).status).to.equal(404);
	});

	it("cadences: a change reaches the worker at once; unknown data types and vendors refused", async () => {
		const changed = await listenFor(node.broker, "config.changed");
		const put = await req("PUT", "/api/v1/config/cadences/news", { interval_seconds: 7, retry_attempts: 2 });
		expect(put.body).to.include({ data_type: "news", interval_seconds: 7, retry_attempts: 2, enabled: true, vendor_fallback: true });
		expect(await changed.received).to.deep.equal({ what: "cadences" });
		// Ingest applies it on that event, reading the cadence back from the store.
		const w = await waitFor(
			async () => {
				const got = (await req("GET", "/api/v1/workers/worker_news")).body;
				return Date.parse(got.next_run) - Date.parse(got.last_run) === 7000 ? got : null;
			},
			{ timeoutMs: 2000, what: "worker_news on the 7 s cadence" },
		);
		expect(Date.parse(w.next_run) - Date.parse(w.last_run)).to.equal(7000);
		expect((await req("GET", "/streaming/config/cadences/news")).body.interval_seconds).to.equal(7);
		const unknownType = await req("PUT", "/api/v1/config/cadences/weather", { interval_seconds: 7 });
		expect(unknownType.status).to.equal(422);
		expect(unknownType.body.error.details[0].field).to.equal("data_type");
		const unknownVendor = await req("PUT", "/api/v1/config/cadences/news", { vendors: ["nope"] });
		expect(unknownVendor.status).to.equal(422);
		expect(unknownVendor.body.error.details[0].field).to.equal("vendors[0]");
		const badValue = await req("PUT", "/api/v1/config/cadences/news", { interval_seconds: 0 });
		expect(badValue.body.error.details[0].field).to.equal("interval_seconds");
	});

	it("stops and starts workers, one or all", async () => {
		// Each change is a `config.changed` event that ingest applies: wait for it, then for its effect.
		const applied = async (action: () => Promise<unknown>, check: () => Promise<boolean>, what: string) => {
			const changed = await listenFor(node.broker, "config.changed");
			await action();
			expect(await changed.received).to.deep.equal({ what: "workers" });
			await waitFor(check, { timeoutMs: 2000, what }).catch(() => {});
		};
		const status = async () => (await req("GET", "/api/v1/workers")).body.map((w: { status: string }) => w.status) as string[];
		await applied(
			() => req("POST", "/api/v1/workers/worker_fundamentals/stop"),
			async () => (await req("GET", "/api/v1/workers/worker_fundamentals")).body.status === "stopped",
			"worker_fundamentals stopped",
		);
		expect((await req("GET", "/api/v1/workers/worker_fundamentals")).body.status).to.equal("stopped");
		await applied(
			() => req("POST", "/streaming/config/workers/stop-all"),
			async () => (await status()).every(s => s === "stopped"),
			"every worker stopped",
		);
		expect((await req("GET", "/api/v1/workers")).body.every((w: { status: string }) => w.status === "stopped")).to.equal(true);
		await applied(
			() => req("POST", "/api/v1/workers/start-all"),
			async () => (await status()).every(s => s === "running"),
			"every worker running",
		);
		expect((await req("GET", "/api/v1/workers")).body.every((w: { status: string }) => w.status === "running")).to.equal(true);
		expect((await req("POST", "/api/v1/workers/worker_nope/start")).status).to.equal(404);
	});
});
