import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveConfig } from "../../../lib/config/config.ts";
import { configProblems } from "./problems.ts";

const problems = configProblems;

describe("lib/config: the predecessors' env and seed 004's config file", () => {
	let dir: string;
	const file = (json: unknown) => {
		const p = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
		writeFileSync(p, JSON.stringify(json));
		return p;
	};
	const withFile = (json: unknown) => resolveConfig({ env: {}, args: { config: file(json) } });
	before(() => (dir = mkdtempSync(path.join(os.tmpdir(), "rk-seedcfg-"))));
	after(() => rmSync(dir, { recursive: true, force: true }));

	it("seed 004 env: WATCHLIST_SYMBOLS, DATA_PROVIDER (mock = synthetic), REDIS_STREAMS_MAXLEN; ours win", () => {
		const c = resolveConfig({ env: { WATCHLIST_SYMBOLS: "SPY, QQQ,IWM", DATA_PROVIDER: "mock", REDIS_STREAMS_MAXLEN: "5000" }, args: {} });
		expect(c.symbols).to.deep.equal(["SPY", "QQQ", "IWM"]);
		expect(c.workers.chains.market_data).to.deep.equal(["synthetic"]);
		expect(c.workers.chains.news, "other chains kept").to.deep.equal(["synthetic"]);
		expect(c.store.maxLen).to.equal(5000);
		expect(c.workers.streamMaxLen).to.equal(5000);
		expect(resolveConfig({ env: { WATCHLIST_SYMBOLS: "SPY", SYMBOLS: "AAPL" }, args: {} }).symbols).to.deep.equal(["AAPL"]);
		expect(problems({ DATA_PROVIDER: "yahoo" })).to.deep.equal(["workers.chains.market_data: unknown vendor 'yahoo'"]);
		expect(problems({ REDIS_STREAMS_MAXLEN: "lots" })).to.deep.equal(["REDIS_STREAMS_MAXLEN must be a whole number (got 'lots')"]);
	});

	it("ENABLE_ALERTS is validated and switches the built-in system alerts", () => {
		expect(resolveConfig({ env: { ENABLE_ALERTS: "false" }, args: {} }).alerts.system.enabled).to.equal(false);
		expect(resolveConfig({ env: { ENABLE_ALERTS: "true" }, args: {} }).alerts.system.enabled).to.equal(true);
		expect(resolveConfig({ env: {}, args: {} }).alerts.system.enabled).to.equal(true);
		expect(problems({ ENABLE_ALERTS: "maybe" })).to.deep.equal(["ENABLE_ALERTS must be true or false (got 'maybe')"]);
	});

	it("seed 002 env: REDIS_ENABLED (with REDIS_HOST/PORT), STREAMING_ENABLED, AUTO_START_WORKERS", () => {
		expect(resolveConfig({ env: { REDIS_ENABLED: "true", REDIS_HOST: "cache", REDIS_PORT: "6380" }, args: {} }).redisUrl).to.equal("redis://cache:6380");
		expect(resolveConfig({ env: { REDIS_ENABLED: "false", REDIS_HOST: "cache" }, args: { config: file({ redisUrl: "redis://f:6379" }) } }).redisUrl).to.equal(null);
		expect(problems({ REDIS_ENABLED: "false", REDIS_URL: "redis://r:6379" })).to.deep.equal(["REDIS_ENABLED=false and REDIS_URL contradict each other"]);
		expect(problems({ REDIS_ENABLED: "true" })).to.deep.equal(["REDIS_ENABLED=true needs REDIS_URL (or REDIS_HOST/REDIS_PORT)"]);
		expect(resolveConfig({ env: { AUTO_START_WORKERS: "true" }, args: {} }).workers.autoStart).to.equal(true);
		expect(resolveConfig({ env: { AUTO_START_WORKERS: "0" }, args: {} }).workers.autoStart).to.equal(false);
		expect(resolveConfig({ env: { STREAMING_ENABLED: "false" }, args: {} }).workers.autoStart).to.equal(false);
		expect(resolveConfig({ env: {}, args: {} }).workers.autoStart).to.equal(null);
		expect(problems({ STREAMING_ENABLED: "false", AUTO_START_WORKERS: "true" })).to.deep.equal(["STREAMING_ENABLED=false and AUTO_START_WORKERS=true contradict each other"]);
	});

	it("seed 004 env: DATA_UPDATE_INTERVAL and CALCULATION_WORKERS, as its file's system section", () => {
		const c = resolveConfig({ env: { DATA_UPDATE_INTERVAL: "1", CALCULATION_WORKERS: "6" }, args: {} });
		expect(c.workers.intervals).to.deep.include({ market_data: 1, news: 300 });
		expect(c.workers.concurrency).to.equal(6);
		expect(resolveConfig({ env: { CALCULATION_WORKERS: "6", MAX_WORKERS: "6" }, args: {} }).workers.concurrency).to.equal(6);
		expect(problems({ CALCULATION_WORKERS: "6", MAX_WORKERS: "2" })).to.deep.equal(["MAX_WORKERS and CALCULATION_WORKERS contradict each other (both set workers.concurrency)"]);
		expect(problems({ DATA_UPDATE_INTERVAL: "0.5" })).to.deep.equal(["DATA_UPDATE_INTERVAL must be a whole number (got '0.5')"]);
		expect(problems({ DATA_UPDATE_INTERVAL: "0" }).join()).to.match(/workers\.intervals\.market_data/);
	});

	it("log levels as the seeds write them: seed 000's LOG_LEVEL=INFO, seed 004's --log-level DEBUG, Python's WARNING", () => {
		// seed 000's documented environment, verbatim
		const c = resolveConfig({ env: { REDIS_URL: "redis://redis:6379", LOG_LEVEL: "INFO", ENVIRONMENT: "production", MAX_WORKERS: "1" }, args: {} });
		expect(c).to.deep.include({ logLevel: "info", environment: "production", redisUrl: "redis://redis:6379" });
		expect(c.workers.concurrency).to.equal(1);
		expect(resolveConfig({ env: {}, args: { "log-level": "DEBUG" } }).logLevel).to.equal("debug");
		expect(resolveConfig({ env: { LOG_LEVEL: "WARNING" }, args: {} }).logLevel).to.equal("warn");
		expect(resolveConfig({ env: { LOG_LEVEL: "Critical" }, args: {} }).logLevel).to.equal("fatal");
		expect(problems({ LOG_LEVEL: "LOUD" }).join()).to.match(/logLevel.*got 'LOUD'/);
	});

	it("seed 000 env: ENVIRONMENT (validated), MAX_WORKERS → workers.concurrency", () => {
		const c = resolveConfig({ env: { ENVIRONMENT: "Production", MAX_WORKERS: "2" }, args: {} });
		expect(c.environment).to.equal("production");
		expect(c.workers.concurrency).to.equal(2);
		expect(resolveConfig({ env: {}, args: {} }).environment).to.equal(null);
		expect(resolveConfig({ env: { ENVIRONMENT: "prod" }, args: {} }).environment).to.equal("production");
		expect(problems({ ENVIRONMENT: "qa" })).to.deep.equal(["ENVIRONMENT must be one of development, staging, production, test (got 'qa')"]);
		expect(problems({ MAX_WORKERS: "0" }).join()).to.match(/workers\.concurrency/);
	});

	it("seed 004's JSON config file: indicators, strategies and system become Rookery settings", () => {
		const c = withFile({
			indicators: [
				{ name: "sma_50", enabled: true, parameters: { period: 50 }, update_frequency_seconds: 1, ttl_seconds: 300 },
				{ name: "rsi_14", enabled: true, parameters: { period: 14 }, update_frequency_seconds: 2, ttl_seconds: 600 },
				{ name: "ema_20", parameters: {} },
				{ name: "macd", parameters: { fast_period: 8, slow_period: 21, signal_period: 5 } },
				{ name: "bollinger_bands", parameters: { period: 20, std_dev: 2.5 } },
				{ name: "atr_14", enabled: false, parameters: { period: 14 } },
			],
			strategies: [
				{ name: "macd_rsi_strategy", enabled: true, parameters: { rsi_overbought: 70, rsi_oversold: 30, fast_period: 12, slow_period: 26, signal_period: 9, rsi_period: 14 }, required_indicators: ["rsi_14", "macd"] },
				{ name: "ma_crossover", parameters: { fast_period: 5, slow_period: 20 } },
			],
			system: { max_concurrent_calculations: 100, data_update_interval_seconds: 5, calculation_workers: 4 },
			port: 4000,
		});
		expect(c.analysis.indicators).to.deep.equal(["sma:50", "rsi:14", "ema:20", "macd:8:21:5", "bbands:20:2.5"]);
		expect(c.analysis.strategies).to.deep.equal(["macd-rsi:12:26:9:14:70:30", "ma-cross:5:20"]);
		expect(c.analysis.publishEveryMs).to.equal(1000);
		expect(c.analysis.maxBars, "other analysis settings kept").to.equal(500);
		expect(c.store.latestTtlMs).to.equal(600_000);
		expect(c.workers.concurrency).to.equal(4);
		expect(c.workers.intervals).to.deep.include({ market_data: 5, news: 300 });
		expect(c.port, "Rookery's own keys in the same file").to.equal(4000);
	});

	it("seed 004's README config file, verbatim; parameters it leaves out take their defaults", () => {
		const c = withFile({
			indicators: [
				{ name: "sma_50", enabled: true, parameters: { period: 50 }, update_frequency_seconds: 1, ttl_seconds: 300 },
				{ name: "rsi_14", enabled: true, parameters: { period: 14 }, update_frequency_seconds: 1, ttl_seconds: 300 },
			],
			strategies: [{ name: "macd_rsi_strategy", enabled: true, parameters: { rsi_overbought: 70, rsi_oversold: 30 }, required_indicators: ["rsi_14", "macd"] }],
			system: { max_concurrent_calculations: 100, data_update_interval_seconds: 1, calculation_workers: 4 },
		});
		expect(c.analysis.indicators).to.deep.equal(["sma:50", "rsi:14"]);
		expect(c.analysis.strategies).to.deep.equal(["macd-rsi:12:26:9:14:70:30"]);
		expect(c.analysis.publishEveryMs).to.equal(1000);
		expect(c.store.latestTtlMs).to.equal(300_000);
		expect(c.workers.concurrency).to.equal(4);
		expect(c.workers.intervals.market_data).to.equal(1);
		// not the defaults by chance: a later parameter given, the earlier ones defaulted
		const d = withFile({
			indicators: [
				{ name: "macd", parameters: { slow_period: 30 } },
				{ name: "stochastic", parameters: { d_period: 5 } },
			],
			strategies: [
				{ name: "macd_rsi", parameters: { rsi_oversold: 25 } },
				{ name: "rsi_trend_following", parameters: { trend_period: 100 } },
			],
		});
		expect(d.analysis.indicators, "trailing defaults left to the spec").to.deep.equal(["macd:12:30", "stoch:14:3:5"]);
		expect(d.analysis.strategies).to.deep.equal(["macd-rsi:12:26:9:14:70:25", "rsi-trend:14:100"]);
	});

	it("a bad seed 004 file is refused with every problem named", () => {
		const p = problems(
			{},
			{
				config: file({
					indicators: [{ name: "ichimoku" }, { name: "sma", parameters: { period: 20, colour: "red" } }, { name: "macd", parameters: { slow_period: "26" } }, { name: "rsi", parameters: { period: "14" }, ttl_seconds: -1 }],
					strategies: [{ name: "moon_strategy" }],
					system: { gpu: true },
				}),
			},
		).map(x => x.replace(/^config file \S+: /, ""));
		expect(p).to.include.members([
			"indicators[1].parameters.colour is not a parameter of sma (known: period, window, length)",
			"indicators[2].parameters.slow_period must be a number",
			"indicators[3].parameters.period must be a number",
			"indicators[3].ttl_seconds must be a positive number",
			"system.gpu is not a setting of seed 004's system section",
		]);
		expect(p.join("\n"))
			.to.match(/indicators\[0\]\.name 'ichimoku' is not a known indicator/)
			.and.match(/strategies\[0\]\.name 'moon_strategy' is not a known strategy/);
	});

	it("names Object's own properties as unknown instead of throwing a TypeError", () => {
		const p = problems({}, { config: file({ indicators: [{ name: "constructor" }], strategies: [{ name: "__proto__" }] }) }).join("\n");
		expect(p)
			.to.match(/indicators\[0\]\.name 'constructor' is not a known indicator/)
			.and.match(/strategies\[0\]\.name '__proto__' is not a known strategy/);
	});
});
