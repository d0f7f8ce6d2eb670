/**
 * Agents and unified intelligence on an embedded node over real HTTP: built-in agents, the
 * cache, an agent down (remote URL that refuses) degrading the answer, status, restart, the
 * config API, and bad input.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { getJson, postJson } from "../helpers/http.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 24 * 60 * M;
const SYMBOLS = ["AAPL", "MSFT", "GOOG"];

async function put(url: string, body: unknown) {
	const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
	return { status: res.status, body: (await res.json()) as any };
}

describe("intelligence: unified analysis on an embedded node", function () {
	this.timeout(60_000);
	let node: TestNode;
	let base: string;

	before(async () => {
		node = await startNode({ nodeId: "intel-test" });
		base = node.base;
		// 60 one-minute bars per symbol: a random walk from a seed, so indicators and the forecast have data.
		let x = 7;
		const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		for (const symbol of SYMBOLS) {
			let price = 100;
			const ticks = Array.from({ length: 60 }, (_, i) => ({ symbol, price: (price *= 1 + (rand() - 0.5) * 0.02), size: 10 + i, ts: T0 + i * M + 1000 }));
			expect((await postJson(`${base}/api/v1/ticks`, ticks)).status).to.equal(200);
		}
	});
	after(async () => {
		await node?.stop();
	});

	const request = { user_id: "u1", symbols: SYMBOLS, analysis_type: "comprehensive", time_horizon: "intraday", include_explanations: true, include_strategies: true, include_forecasts: true, real_time_data: true };

	it("answers the predecessor's request with per-symbol, per-agent results from the built-in agents; the same request again comes from cache", async () => {
		const r = await postJson(`${base}/api/v1/intelligence/unified`, request);
		expect(r.status).to.equal(200);
		const b = r.body;
		expect(b.agents_used).to.deep.equal(["forecast", "explain", "strategy"]);
		expect(b.agents_failed).to.deep.equal([]);
		expect(b.cached).to.equal(false);
		expect(Object.keys(b.symbols).sort()).to.deep.equal([...SYMBOLS].sort());
		const aapl = b.symbols.AAPL;
		expect(aapl.tf).to.equal("1m");
		expect(aapl.agents.forecast.status).to.equal("ok");
		expect(aapl.agents.forecast.result.points).to.have.length(10);
		expect(aapl.agents.explain.result.stance).to.be.oneOf(["bullish", "bearish", "neutral"]);
		expect(aapl.agents.strategy.result.suggestions.length).to.be.at.least(1);
		expect(aapl.agents.sentiment.status).to.equal("skipped");
		expect(b.confidence_score).to.be.within(0.05, 1);
		expect(b.timings.total_ms).to.be.a("number");

		const again = await postJson(`${base}/intelligence/unified`, request);
		expect(again.status).to.equal(200);
		expect(again.body.cached).to.equal(true);
		expect(again.body.request_id).to.equal(b.request_id);
	});

	it("an agent that is down degrades the answer (listed with its reason, lower confidence), never fails it", async () => {
		const before = (await postJson(`${base}/api/v1/intelligence/unified`, { ...request, real_time_data: false })).body;
		const changed = await put(`${base}/api/v1/config/agents/explain`, { url: "http://127.0.0.1:1", timeoutMs: 500 });
		expect(changed.status).to.equal(200);
		expect(changed.body.settings).to.include({ url: "http://127.0.0.1:1", timeoutMs: 500, maxConcurrent: 5 });
		expect((await getJson(`${base}/api/v1/config/agents/explain`)).body.settings.url).to.equal("http://127.0.0.1:1");

		const r = await postJson(`${base}/api/v1/intelligence/unified`, { ...request, real_time_data: false });
		expect(r.status).to.equal(200);
		expect(r.body.cached).to.equal(false);
		expect(r.body.agents_used).to.deep.equal(["forecast", "strategy"]);
		expect(r.body.agents_failed.map((f: { agent: string }) => f.agent)).to.deep.equal(["explain", "explain", "explain"]);
		expect(r.body.agents_failed[0].reason).to.match(/cannot reach http:\/\/127\.0\.0\.1:1/);
		expect(r.body.confidence_score).to.be.lessThan(before.confidence_score);
		expect(r.body.symbols.AAPL.confidence.coverage).to.be.closeTo(2 / 3, 1e-3);

		const status = await getJson(`${base}/api/v1/agents/status`);
		expect(status.status).to.equal(200);
		const explain = status.body.agents.explain;
		expect(explain.nodes.map((n: { node: string }) => n.node)).to.deep.equal(["intel-test"]);
		expect(explain.error_rate).to.be.greaterThan(0);
		expect(explain.health_score).to.be.lessThan(1);
		expect(status.body.agents.forecast).to.include({ available: true, breaker_state: "closed" });
		expect(status.body.agents.forecast.latency_ms.p99).to.be.a("number");

		// back to the built-in model; restart clears the statistics
		expect((await put(`${base}/api/v1/config/agents/explain`, { url: null })).status).to.equal(200);
		const restarted = await postJson(`${base}/agents/explain/restart`, {});
		expect(restarted.status).to.equal(200);
		expect(restarted.body.restarted[0]).to.include({ calls: 0, restarts: 1, health_score: 1 });
	});

	it("answers in the predecessor's shape (top-level confidence_score and agents_used) and takes its agent names in paths", async () => {
		const r = await postJson(`${base}/intelligence/unified`, { ...request, user_id: "user123" });
		expect(r.status).to.equal(200);
		expect(r.body).to.have.all.keys("request_id", "user_id", "analysis_type", "time_horizon", "symbols", "agents_used", "agents_failed", "confidence_score", "news_available", "cached", "generated_at", "timings");
		expect(r.body.confidence_score).to.be.a("number").within(0, 1);
		expect(r.body.agents_used).to.be.an("array").that.includes("explain");
		expect(r.body.user_id).to.equal("user123");
		expect(r.body.timings).to.have.all.keys("total_ms", "data_ms", "agents_ms");
		expect(Date.parse(r.body.generated_at)).to.be.closeTo(Date.now(), 60_000);
		// seed 000 named its agents llama_explanation, gpt4_strategy, tft_forecasting (and sentiment)
		const restarted = await postJson(`${base}/agents/llama_explanation/restart`, {});
		expect(restarted.status).to.equal(200);
		expect(restarted.body.agent).to.equal("explain");
		expect((await getJson(`${base}/api/v1/config/agents/tft_forecasting`)).body).to.deep.include({ agent: "forecast" });
		expect((await postJson(`${base}/agents/gpt4_strategy/restart`, {})).body.agent).to.equal("strategy");
	});

	it("refuses bad input with 422 naming the field", async () => {
		const r = await postJson(`${base}/api/v1/intelligence/unified`, { ...request, symbols: [] });
		expect(r.status).to.equal(422);
		expect(JSON.stringify(r.body)).to.include("symbols");
		const bad = await put(`${base}/api/v1/config/agents/explain`, { timeoutMs: -5 });
		expect(bad.status).to.equal(422);
		expect(JSON.stringify(bad.body)).to.include("timeoutMs");
		expect((await put(`${base}/api/v1/config/agents/forecast`, { url: "ftp://x" })).status).to.equal(422);
		expect((await postJson(`${base}/api/v1/agents/nope/restart`, {})).status).to.equal(422);
	});
});
