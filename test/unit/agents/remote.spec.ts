import { expect } from "chai";
import { AgentRunner } from "../../../lib/agents/agent-runner.ts";
import { createModel } from "../../../lib/agents/models.ts";
import { ModelError } from "../../../lib/agents/errors.ts";
import { parseClassifierAnswer, chatCompletionsUrl } from "../../../lib/agents/remote-models.ts";
import { explainPrompt } from "../../../lib/agents/prompt.ts";
import type { AgentName, AgentSettings } from "../../../lib/agents/model.ts";
import type { MarketView } from "../../../lib/agents/market-view.ts";
import { BusyError, TimeoutError } from "../../../lib/protocol/errors.ts";
import { CircuitOpenError } from "../../../lib/resilience/circuit-breaker.ts";
import { chatAnswer, sendJson, startFakeModelServer, type FakeModelServer } from "./fake-model-server.ts";
import { startAgentNode } from "./agent-nodes.ts";
import { waitFor } from "../../helpers/ports.ts";
import { SETTINGS_CHANGED_EVENT } from "../../../mixins/agent.mixin.ts";

const settings = (over: Partial<AgentSettings> = {}): AgentSettings => ({ url: null, model: "test-model", timeoutMs: 2000, maxConcurrent: 4, queueLimit: 4, weight: 1, enabled: true, ...over });
const runner = (name: AgentName, s: AgentSettings) => new AgentRunner<any, any>(name, s, x => createModel(name, x), { now: Date.now });
const view: MarketView = {
	symbol: "AAPL",
	tf: "1m",
	price: 190.5,
	indicators: { rsi_14: 64.2, "macd_12_26_9.hist": 0.3, atr_14: 1.1, sma_20: null },
	signals: [{ strategy: "macd-rsi", direction: "long", strength: 0.6, reason: "MACD crossed up with RSI > 50", barTime: 1 }],
	bars: [],
	news: [{ title: "Apple beats estimates" }],
};

describe("lib/agents remote mode (local fake model servers over real HTTP)", () => {
	let server: FakeModelServer | null = null;
	afterEach(async () => {
		await server?.close();
		server = null;
	});

	it("sentiment: a FinBERT-style {text} → {label, score} endpoint", async () => {
		server = await startFakeModelServer((req, res) => sendJson(res, { label: String(req.body.text).includes("beats") ? "positive" : "negative", score: 0.91 }));
		const r = runner("sentiment", settings({ url: `${server.url}/predict` }));
		const out = await r.run({ texts: ["Acme beats", "Acme misses"] });
		expect(out.mode).to.equal("remote");
		expect(out.result.items.map((i: { label: string }) => i.label)).to.deep.equal(["positive", "negative"]);
		expect(out.result.summary).to.deep.include({ count: 2, polarity: 0 });
		expect(server.requests[0]).to.deep.equal({ path: "/predict", body: { text: "Acme beats", inputs: "Acme beats" } });
	});

	it("sentiment: Hugging Face text-classification answers, flat and nested", async () => {
		expect(parseClassifierAnswer([{ label: "POSITIVE", score: 0.8 }])).to.deep.equal({ label: "positive", score: 0.8 });
		expect(
			parseClassifierAnswer([
				[
					{ label: "neutral", score: 0.2 },
					{ label: "negative", score: 0.7 },
					{ label: "positive", score: 0.1 },
				],
			]),
		).to.deep.equal({ label: "negative", score: 0.7 });
		expect(parseClassifierAnswer({ label: "LABEL_7", score: 0.5 })).to.equal(null);
		expect(parseClassifierAnswer({ label: "positive", score: 3 })).to.equal(null);
		server = await startFakeModelServer((_req, res) =>
			sendJson(res, [
				[
					{ label: "negative", score: 0.85 },
					{ label: "positive", score: 0.15 },
				],
			]),
		);
		const out = await runner("sentiment", settings({ url: server.url })).run({ texts: ["x"] });
		expect(out.result.items[0]).to.deep.equal({ text: "x", label: "negative", score: 0.85 });
	});

	it("explain: OpenAI-compatible chat completions with the documented prompt; a fenced JSON answer is accepted", async () => {
		const answer = { stance: "bullish", score: 0.6, confidence: 0.7, summary: "Momentum is up.", reasons: ["RSI 64", "MACD above signal"] };
		server = await startFakeModelServer((_req, res) => sendJson(res, chatAnswer("```json\n" + JSON.stringify(answer) + "\n```")));
		const out = await runner("explain", settings({ url: server.url })).run(view);
		expect(out.result).to.deep.equal(answer);
		const req = server.requests[0];
		expect(req.path).to.equal("/v1/chat/completions");
		expect(req.body.model).to.equal("test-model");
		expect(req.body.messages[1].content).to.equal(explainPrompt(view).user);
		expect(req.body.messages[1].content).to.include("rsi_14=64.2").and.include("macd-rsi long").and.include("- Apple beats estimates");
		expect(chatCompletionsUrl("http://h:1/v1/")).to.equal("http://h:1/v1/chat/completions");
	});

	it("strategy: a valid answer is parsed with risk/reward computed", async () => {
		const answer = { stance: "bullish", suggestions: [{ action: "buy", entry: 190, stop: 188, target: 196, confidence: 0.6, reasons: ["trend up"] }] };
		server = await startFakeModelServer((_req, res) => sendJson(res, chatAnswer(JSON.stringify(answer))));
		const out = await runner("strategy", settings({ url: server.url })).run(view);
		expect(out.result.suggestions[0]).to.deep.include({ action: "buy", entry: 190, stop: 188, target: 196, riskReward: 3 });
	});

	it("malformed LLM output is an agent error (ModelError), counted, never a crash", async () => {
		const answers = ["I think it will go up!", JSON.stringify({ stance: "very bullish", score: 2, summary: "", reasons: [] }), JSON.stringify({ nope: 1 })];
		let i = 0;
		server = await startFakeModelServer((_req, res) => sendJson(res, chatAnswer(answers[i++])));
		const r = runner("explain", settings({ url: server.url }));
		const e1 = await r.run(view).catch(e => e);
		expect(e1).to.be.instanceOf(ModelError);
		expect(e1.message).to.match(/answer is not JSON/);
		const e2 = await r.run(view).catch(e => e);
		expect(e2).to.be.instanceOf(ModelError);
		expect(e2.message).to.match(/does not fit the schema: .*stance/);
		await r.run(view).catch(e => expect(e).to.be.instanceOf(ModelError));
		expect(r.status()).to.deep.include({ calls: 3, errors: 3, error_rate: 1 });
		// a chat answer without choices is an agent error too
		await server.close();
		server = await startFakeModelServer((_req, res) => sendJson(res, { error: "x" }));
		const r2 = runner("explain", settings({ url: server.url }));
		expect((await r2.run(view).catch(e => e)).message).to.match(/no choices\[0\]\.message\.content/);
	});

	it("a slow server hits the timeout: TimeoutError, and the HTTP request is aborted", async () => {
		let closed = false;
		server = await startFakeModelServer((_req, res) => {
			res.on("close", () => (closed = true));
			setTimeout(() => sendJson(res, { label: "positive", score: 1 }), 2000);
		});
		const r = runner("sentiment", settings({ url: server.url, timeoutMs: 100 }));
		const err = await r.run({ texts: ["x"] }).catch(e => e);
		expect(err).to.be.instanceOf(TimeoutError);
		expect(err.message).to.equal("agents.sentiment did not answer within 100 ms");
		await waitFor(() => closed, { timeoutMs: 2000, what: "the server to see the aborted request close" });
		expect(r.status()).to.deep.include({ timeouts: 1, errors: 1 });
	});

	it("a failing server opens the breaker; later calls are refused without reaching it; restart closes it", async () => {
		server = await startFakeModelServer((_req, res) => sendJson(res, { error: "model crashed" }, 500));
		// Moleculer's CircuitBreaker (moleculer.config.ts, mixins/agent.mixin.ts): 3 calls, all failed → open.
		const n = await startAgentNode({ nodeId: "solo", agents: { sentiment: settings({ url: server.url, breaker: { threshold: 1, minRequestCount: 3, halfOpenTime: 300 } }) } });
		try {
			const halfOpened = new Promise(resolve => n.broker.localBus.once("$circuit-breaker.half-opened", resolve));
			for (let i = 0; i < 3; i++) expect(await n.run("sentiment", { texts: ["x"] }).catch(e => e)).to.be.instanceOf(ModelError);
			const r = async () => (await n.status("sentiment")).nodes[0];
			expect((await r()).breaker.state).to.equal("open");
			expect((await r()).health_score).to.equal(0);
			const refused = await n.run("sentiment", { texts: ["x"] }).catch(e => e);
			expect(refused).to.be.instanceOf(CircuitOpenError);
			expect(server.requests).to.have.length(3);
			expect((await r()).refused_open).to.equal(1);
			await halfOpened;
			expect((await r()).breaker.state).to.equal("half-open");
			await n.restart("sentiment");
			expect(await r()).to.deep.include({ restarts: 1, calls: 0, health_score: 1 });
			expect((await r()).breaker.state).to.equal("closed");
		} finally {
			await n.stop();
		}
	});

	it("bulkhead overflow: beyond maxConcurrent + queueLimit a call is refused at once with BusyError", async () => {
		const pending: Array<() => void> = [];
		server = await startFakeModelServer((_req, res) => void pending.push(() => sendJson(res, { label: "neutral", score: 0.9 })));
		// Moleculer's Bulkhead on the serving node: 2 running, 1 queued.
		const n = await startAgentNode({ nodeId: "solo", agents: { sentiment: settings({ url: server.url, maxConcurrent: 2, queueLimit: 1 }) } });
		try {
			const calls = [0, 1, 2].map(() => n.run("sentiment", { texts: ["x"] }));
			const refused = await n.run("sentiment", { texts: ["x"] }).catch(e => e);
			expect(refused).to.be.instanceOf(BusyError);
			expect(refused.message).to.match(/agents\.sentiment is busy/);
			const r = async () => (await n.status("sentiment")).nodes[0];
			expect(await r()).to.deep.include({ active: 2, queued: 1, rejected: 1, utilization: 1 });
			while (pending.length < 2) await new Promise(res => setTimeout(res, 5));
			pending.splice(0).forEach(f => f());
			while (pending.length < 1) await new Promise(res => setTimeout(res, 5));
			pending.splice(0).forEach(f => f());
			const done = await Promise.all(calls);
			expect(done.every(d => d.result.items[0].label === "neutral")).to.equal(true);
			// overflow is not a model failure: the breaker stays closed
			expect((await r()).breaker.state).to.equal("closed");
		} finally {
			await n.stop();
		}
	});

	it("new limits through the settings event re-register the agent with a new Moleculer Bulkhead; statistics carry over", async () => {
		const pending: Array<() => void> = [];
		server = await startFakeModelServer((_req, res) => void pending.push(() => sendJson(res, { label: "neutral", score: 0.9 })));
		const n = await startAgentNode({ nodeId: "solo", agents: { sentiment: settings({ url: server.url, maxConcurrent: 1, queueLimit: 1 }) } });
		try {
			const first = n.run("sentiment", { texts: ["x"] });
			while (pending.length < 1) await new Promise(res => setTimeout(res, 5));
			pending.splice(0).forEach(f => f());
			await first;
			const replaced = new Promise(resolve => n.broker.localBus.once("$services.changed", resolve));
			await n.broker.broadcast(SETTINGS_CHANGED_EVENT, { name: "sentiment", settings: settings({ url: server.url, maxConcurrent: 3, queueLimit: 2 }) });
			await replaced;
			await n.broker.waitForServices("agents.sentiment");
			const calls = [0, 1, 2, 3, 4].map(() => n.run("sentiment", { texts: ["x"] }));
			const refused = await n.run("sentiment", { texts: ["x"] }).catch(e => e);
			expect(refused).to.be.instanceOf(BusyError);
			const r = (await n.status("sentiment")).nodes[0];
			expect(r).to.deep.include({ active: 3, queued: 2, utilization: 1, calls: 1 });
			expect(r.settings).to.include({ maxConcurrent: 3, queueLimit: 2 });
			while (pending.length < 3) await new Promise(res => setTimeout(res, 5));
			pending.splice(0).forEach(f => f());
			while (pending.length < 2) await new Promise(res => setTimeout(res, 5));
			pending.splice(0).forEach(f => f());
			expect(await Promise.all(calls)).to.have.length(5);
		} finally {
			await n.stop();
		}
	});

	it("two limit changes in a row end with one agent service on the last limits", async () => {
		const n = await startAgentNode({ nodeId: "solo", agents: { sentiment: settings({ maxConcurrent: 1, queueLimit: 1 }) } });
		try {
			await n.broker.broadcast(SETTINGS_CHANGED_EVENT, { name: "sentiment", settings: settings({ maxConcurrent: 3, queueLimit: 2 }) });
			await n.broker.broadcast(SETTINGS_CHANGED_EVENT, { name: "sentiment", settings: settings({ maxConcurrent: 4, queueLimit: 1 }) });
			const bulkhead = () => (n.broker.registry.getActionEndpoints("agents.sentiment.run")?.localEndpoints[0]?.action as { bulkhead?: { concurrency: number } } | undefined)?.bulkhead;
			await waitFor(() => bulkhead()?.concurrency === 4 && n.broker.services.filter(s => s.name === "agents.sentiment").length === 1, { what: "one agents.sentiment with concurrency 4" });
			expect(bulkhead()).to.include({ concurrency: 4, maxQueueSize: 1 });
			expect((await n.run("sentiment", { texts: ["Acme beats"] })).result.items[0].label).to.equal("positive");
		} finally {
			await n.stop();
		}
	});

	it("an unreachable server is an agent error naming the URL", async () => {
		const err = await runner("sentiment", settings({ url: "http://127.0.0.1:1/predict" }))
			.run({ texts: ["x"] })
			.catch(e => e);
		expect(err).to.be.instanceOf(ModelError);
		expect(err.message).to.match(/cannot reach http:\/\/127\.0\.0\.1:1\/predict/);
	});

	it("built-in mode needs no server, and a disabled agent refuses", async () => {
		const out = await runner("explain", settings()).run(view);
		expect(out.mode).to.equal("builtin");
		expect(out.result.stance).to.be.oneOf(["bullish", "bearish", "neutral"]);
		const err = await runner("explain", settings({ enabled: false }))
			.run(view)
			.catch(e => e);
		expect(err.message).to.equal("agent explain is disabled");
	});
});
