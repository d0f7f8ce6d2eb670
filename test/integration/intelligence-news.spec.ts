/**
 * News → sentiment → unified answer, end to end on an embedded node over real HTTP: headlines pushed
 * with `POST /api/v1/news` are what the sentiment agent scores, their polarity is one of the built-in
 * explain agent's votes, and a remote explain agent (a local OpenAI-compatible server) gets them in
 * its prompt.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { postJson } from "../helpers/http.ts";
import { chatAnswer, sendJson, startFakeModelServer, type FakeModelServer } from "../unit/agents/fake-model-server.ts";

const M = 60_000;
const T0 = Math.floor(Date.now() / (60 * M)) * 60 * M - 24 * 60 * M;
const GOOD = ["Upbeat Co beats estimates and raises guidance", "Upbeat Co shares jump after record quarterly profit", "Analyst upgrade: Upbeat Co price target raised"];
const BAD = ["Gloomy Inc misses estimates and cuts guidance", "Gloomy Inc faces SEC probe over accounting", "Gloomy Inc shares plunge after downgrade"];

async function put(url: string, body: unknown) {
	const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
	return { status: res.status, body: (await res.json()) as any };
}

describe("intelligence: news pushed in reaches the sentiment and explain agents", function () {
	this.timeout(60_000);
	let node: TestNode;
	let base: string;
	let llm: FakeModelServer;

	before(async () => {
		llm = await startFakeModelServer((_req, res) => sendJson(res, chatAnswer(JSON.stringify({ stance: "bullish", score: 0.4, confidence: 0.7, summary: "news is good", reasons: ["headlines are positive"] }))));
		node = await startNode({ nodeId: "intel-news-test" });
		base = node.base;
		// The same flat price path for both symbols: whatever differs in the answers comes from the news.
		for (const symbol of ["UPBT", "GLMY"]) {
			const ticks = Array.from({ length: 40 }, (_, i) => ({ symbol, price: 100 + (i % 2 ? 0.1 : -0.1), size: 10, ts: T0 + i * M + 1000 }));
			expect((await postJson(`${base}/api/v1/ticks`, ticks)).status).to.equal(200);
		}
		const pushed = await postJson(`${base}/api/v1/news`, { news: [...GOOD.map(headline => ({ symbol: "UPBT", headline })), ...BAD.map(headline => ({ symbol: "GLMY", headline }))] });
		expect(pushed.status).to.equal(200);
		expect(pushed.body).to.deep.equal({ accepted: 6, buffered: false });
	});
	after(async () => {
		await node?.stop();
		await llm?.close();
	});

	const request = { symbols: ["UPBT", "GLMY"], analysis_type: "comprehensive", time_horizon: "intraday", real_time_data: true };

	it("scores the pushed headlines: positive news → positive sentiment, negative → negative; explain votes with it", async () => {
		const r = await postJson(`${base}/api/v1/intelligence/unified`, request);
		expect(r.status).to.equal(200);
		expect(r.body.agents_used).to.include("sentiment");
		expect(r.body.agents_failed).to.deep.equal([]);
		expect(r.body.news_available).to.equal(true);
		const up = r.body.symbols.UPBT;
		const down = r.body.symbols.GLMY;
		expect(up.agents.sentiment.status).to.equal("ok");
		expect(up.agents.sentiment.result.items.map((i: { text: string }) => i.text)).to.have.members(GOOD);
		expect(up.agents.sentiment.result.summary.label).to.equal("positive");
		expect(up.agents.sentiment.result.summary.polarity).to.be.greaterThan(0.3);
		expect(down.agents.sentiment.result.items.map((i: { text: string }) => i.text)).to.have.members(BAD);
		expect(down.agents.sentiment.result.summary.label).to.equal("negative");
		expect(down.agents.sentiment.result.summary.polarity).to.be.lessThan(-0.3);

		// The built-in explain agent gets the sentiment agent's polarity as one vote (weight up to 0.6).
		const newsReason = (s: any) => (s.agents.explain.result.reasons as string[]).find(t => t.startsWith("news sentiment"));
		expect(newsReason(up)).to.match(/^news sentiment 0\.\d+ over 3 headline\(s\)$/);
		expect(newsReason(down)).to.match(/^news sentiment -0\.\d+ over 3 headline\(s\)$/);
		// Same prices, opposite news: the explanation leans the news' way.
		expect(up.agents.explain.result.score).to.be.greaterThan(down.agents.explain.result.score);
	});

	it("a remote explain agent (OpenAI-compatible server) receives the headlines in its prompt", async () => {
		expect((await put(`${base}/api/v1/config/agents/explain`, { url: llm.url })).status).to.equal(200);
		const r = await postJson(`${base}/api/v1/intelligence/unified`, { ...request, analysis_type: "technical", include_strategies: false });
		expect(r.status).to.equal(200);
		expect(r.body.agents_used).to.deep.equal(["explain"]);
		expect(r.body.symbols.UPBT.agents.explain).to.include({ status: "ok", mode: "remote" });
		expect(r.body.symbols.UPBT.agents.explain.result.summary).to.equal("news is good");
		const prompts = llm.requests.filter(q => q.path === "/v1/chat/completions").map(q => q.body.messages.at(-1).content as string);
		const upPrompt = prompts.find(p => p.startsWith("Symbol: UPBT"));
		const downPrompt = prompts.find(p => p.startsWith("Symbol: GLMY"));
		for (const h of GOOD) expect(upPrompt).to.include(`- ${h}`);
		for (const h of BAD) expect(downPrompt).to.include(`- ${h}`);
		expect(upPrompt).to.not.include(BAD[0]);
		expect((await put(`${base}/api/v1/config/agents/explain`, { url: null })).status).to.equal(200);
	});
});
