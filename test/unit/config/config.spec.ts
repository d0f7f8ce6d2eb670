import { expect } from "chai";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, maskSecrets, resolveConfig, defaultConfig, mergeConfig, validateConfig, fromEnv } from "../../../lib/config/config.ts";

const problems = (fn: () => unknown): string[] => {
	try {
		fn();
	} catch (e) {
		if (e instanceof ConfigError) return e.problems;
		throw e;
	}
	throw new Error("expected a ConfigError");
};

describe("lib/config", () => {
	it("defaults to embedded mode with the synthetic feed on port 3000", () => {
		const c = resolveConfig({ env: {}, args: {} });
		expect(c.transporter).to.equal(null);
		expect(c.redisUrl).to.equal(null);
		expect(c.port).to.equal(3000);
		expect(c.feed.type).to.equal("synthetic");
		expect(c.services).to.deep.equal([
			"gateway",
			"ingest",
			"symbols",
			"monitor",
			"agents.sentiment",
			"agents.forecast",
			"agents.explain",
			"agents.strategy",
			"intelligence",
			"config",
			"events",
			"analytics",
			"alerts",
			"alert-delivery",
			"patterns",
		]);
		expect(c.store.latestTtlMs).to.equal(3_600_000);
	});

	it("merges file < env < flags", () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), "rk-cfg-"));
		const file = path.join(dir, "c.json");
		writeFileSync(file, JSON.stringify({ port: 4001, symbols: ["FILE"], logLevel: "debug", feed: { ticksPerSecond: 7 } }));
		const c = resolveConfig({ env: { PORT: "4002", SYMBOLS: "ENV1,ENV2" }, args: { config: file, symbols: "FLAG" } });
		expect(c.port).to.equal(4002);
		expect(c.symbols).to.deep.equal(["FLAG"]);
		expect(c.logLevel).to.equal("debug");
		// A nested object from the file merges with the defaults rather than replacing them.
		expect(c.feed).to.deep.equal({ ...defaultConfig().feed, ticksPerSecond: 7 });
	});

	it("reads every documented environment variable", () => {
		const c = resolveConfig({
			env: { TRANSPORTER: "nats://127.0.0.1:4222", REDIS_URL: "redis://127.0.0.1:6379", NODE_ID: "n1", SERVICES: "gateway,symbols", PORT: "3100", LOG_LEVEL: "warn", SYMBOLS: "A,B", FEED: "synthetic" },
			args: {},
		});
		expect(c).to.include({ transporter: "nats://127.0.0.1:4222", redisUrl: "redis://127.0.0.1:6379", nodeId: "n1", port: 3100, logLevel: "warn" });
		expect(c.services).to.deep.equal(["gateway", "symbols"]);
		expect(c.symbols).to.deep.equal(["A", "B"]);
		expect(c.feed.type).to.equal("synthetic");
	});

	it("latency stages: off by default (they cost CPU per tick); LATENCY_STAGES=1 turns them on; a bad value is named", () => {
		expect(resolveConfig({ env: {}, args: {} }).latencyStages).to.equal(false);
		expect(resolveConfig({ env: { LATENCY_STAGES: "1" }, args: {} }).latencyStages).to.equal(true);
		expect(resolveConfig({ env: { LATENCY_STAGES: "0" }, args: {} }).latencyStages).to.equal(false);
		expect(problems(() => resolveConfig({ env: { LATENCY_STAGES: "sometimes" }, args: {} })).join("\n")).to.match(/latencyStages/);
	});

	it("gateway reads: direct path and quote cache on by default; env turns them off; bad values are named", () => {
		expect(resolveConfig({ env: {}, args: {} }).http).to.include({ directReads: true, quoteCacheMs: 1000, quoteCacheEntries: 10_000 });
		expect(resolveConfig({ env: { HTTP_DIRECT_READS: "0", HTTP_QUOTE_CACHE_MS: "0", CORS_ORIGINS: "https://a" }, args: {} }).http).to.deep.include({ directReads: false, quoteCacheMs: 0, corsOrigins: ["https://a"] });
		expect(resolveConfig({ env: { HTTP_DIRECT_READS: "true" }, args: {} }).http.directReads).to.equal(true);
		const p = problems(() => resolveConfig({ env: { HTTP_DIRECT_READS: "maybe", HTTP_QUOTE_CACHE_MS: "-5" }, args: {} })).join("\n");
		expect(p)
			.to.match(/http\.directReads/)
			.and.match(/http\.quoteCacheMs/);
	});

	it("turns the synthetic feed off in cluster mode unless asked for", () => {
		expect(resolveConfig({ env: { TRANSPORTER: "nats://h:4222" }, args: {} }).feed.type).to.equal("none");
		expect(resolveConfig({ env: { TRANSPORTER: "nats://h:4222" }, args: { feed: "synthetic" } }).feed.type).to.equal("synthetic");
	});

	it("lists every problem, one line each, with the value given", () => {
		const p = problems(() => resolveConfig({ env: { PORT: "abc", REDIS_URL: "http://x", SYMBOLS: "OK,bad!", SERVICES: "gateway,nope", LOG_LEVEL: "loud" }, args: {} }));
		expect(p).to.have.length(5);
		const text = p.join("\n");
		expect(text).to.match(/'port'.*'abc'/);
		expect(text)
			.to.match(/redisUrl/)
			.and.match(/symbols\[1\]/)
			.and.match(/services\[1\]/)
			.and.match(/logLevel/);
	});

	it("refuses unknown keys in a config file and a file that is not JSON", () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), "rk-cfg-"));
		const f1 = path.join(dir, "a.json");
		writeFileSync(f1, JSON.stringify({ prot: 1 }));
		expect(problems(() => resolveConfig({ env: {}, args: { config: f1 } }))[0]).to.match(/prot/);
		const f2 = path.join(dir, "b.json");
		writeFileSync(f2, "{ not json");
		expect(problems(() => resolveConfig({ env: {}, args: { config: f2 } }))[0]).to.match(/not valid JSON/);
		expect(problems(() => resolveConfig({ env: {}, args: { config: path.join(dir, "missing.json") } }))[0]).to.match(/missing\.json/);
	});

	it("refuses a future-tick allowance larger than the late tolerance", () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), "rk-cfg-"));
		const f = path.join(dir, "f.json");
		writeFileSync(f, JSON.stringify({ ingest: { maxFutureMs: 10_000 }, analysis: { lateToleranceMs: 5000 } }));
		expect(problems(() => resolveConfig({ env: {}, args: { config: f } }))[0]).to.match(/maxFutureMs \(10000\) must not exceed analysis.lateToleranceMs \(5000\)/);
	});

	it("masks passwords and tokens in URLs", () => {
		const c = resolveConfig({ env: { REDIS_URL: "redis://user:s3cret@db:6379/0", TRANSPORTER: "nats://tok3n@mq:4222" }, args: {} });
		const m = maskSecrets(c);
		expect(JSON.stringify(m)).to.not.match(/s3cret|tok3n/);
		expect(m.redisUrl).to.equal("redis://user:***@db:6379/0");
		expect(m.transporter).to.equal("nats://***@mq:4222");
		expect(c.redisUrl).to.equal("redis://user:s3cret@db:6379/0");
	});
	it("agents: predecessor defaults, env URLs, a file layer that sets one field keeps the others, a forecast url", () => {
		const d = resolveConfig({ env: {}, args: {} });
		expect(d.agents.explain).to.deep.equal({ url: null, model: null, timeoutMs: 30_000, maxConcurrent: 5, queueLimit: 10, weight: 1, enabled: true });
		const c = resolveConfig({ env: { AGENT_EXPLAIN_URL: "http://llm:8000", AGENT_LLM_MODEL: "llama3" }, args: {} });
		expect(c.agents.explain).to.include({ url: "http://llm:8000", model: "llama3", timeoutMs: 30_000, maxConcurrent: 5 });
		expect(c.agents.strategy).to.include({ url: null, model: "llama3" });
		const merged = mergeConfig(defaultConfig(), { agents: { sentiment: { timeoutMs: 500 } } } as never);
		expect(merged.agents.sentiment).to.include({ timeoutMs: 500, maxConcurrent: 20 });
		expect(resolveConfig({ env: { AGENT_FORECAST_URL: "http://tft:8080/invocations" }, args: {} }).agents.forecast).to.include({ url: "http://tft:8080/invocations", timeoutMs: 15_000 });
		expect(() => validateConfig(mergeConfig(defaultConfig(), { agents: { forecast: { url: "tcp://x" } } } as never))).to.throw(/url/);
		expect(() => validateConfig(mergeConfig(defaultConfig(), { agents: { explain: { url: "ftp://x" } } } as never))).to.throw(/url/);
	});

	it("agents: an optional breaker per agent (Moleculer CircuitBreaker options), checked field by field", () => {
		const ok = validateConfig(mergeConfig(defaultConfig(), { agents: { explain: { breaker: { minRequestCount: 3, halfOpenTime: 5000 } } } } as never));
		expect(ok.agents.explain.breaker).to.deep.equal({ minRequestCount: 3, halfOpenTime: 5000 });
		expect(ok.agents.sentiment).to.not.have.property("breaker");
		expect(() => validateConfig(mergeConfig(defaultConfig(), { agents: { explain: { breaker: { threshold: 2 } } } } as never))).to.throw(/agents\.explain\.breaker\.threshold/);
		expect(() => validateConfig(mergeConfig(defaultConfig(), { agents: { explain: { breaker: { windowTime: 10 } } } } as never))).to.throw(/windowTime/);
	});

	it("docs/operations.md lists every environment variable the config reads", () => {
		const read = new Set<string>();
		fromEnv(new Proxy({}, { get: (_t, k) => (typeof k === "string" && read.add(k), undefined) }) as NodeJS.ProcessEnv);
		const line = readFileSync(new URL("../../../docs/operations.md", import.meta.url), "utf8")
			.split("\n")
			.find(l => l.startsWith("3. environment: "))!;
		expect(line.slice(line.indexOf("`") + 1, line.lastIndexOf("`")).split(" ")).to.have.members([...read]);
		expect(read.size).to.be.greaterThan(30);
	});
});
