/**
 * The entry point's flags, spawned as a user would run them: `--show-config` (merge order, masked
 * secrets), `--validate-only` (config and connectivity, one line per problem), bad config and
 * unknown flags (exit codes 1 and 2).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runRookery } from "../helpers/node-process.ts";
import { SERVICE_NAMES } from "../../lib/config/config.ts";
import { helpServices } from "../helpers/help-text.ts";
import { freePort } from "../helpers/ports.ts";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";

const lines = (text: string) => text.split("\n").filter(l => l.trim() !== "");

describe("bin/rookery.ts command line", function () {
	this.timeout(30_000);
	let dir: string;

	before(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), "rk-cli-"));
	});
	after(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it("--show-config prints the resolved config: flags over env over file, secrets masked", async () => {
		const file = path.join(dir, "rookery.json");
		writeFileSync(file, JSON.stringify({ port: 1111, logLevel: "debug", symbols: ["FILE"], nodeId: "from-file", feed: { ticksPerSecond: 7 }, store: { maxLen: 5000 } }));
		const r = await runRookery(["--config", file, "--port", "3333", "--log-level", "trace", "--show-config"], {
			PORT: "2222",
			LOG_LEVEL: "error",
			SYMBOLS: "ENV1,ENV2",
			NODE_ID: "from-env",
			REDIS_URL: "redis://admin:s3cretpw@redis.internal:6380/2",
			TRANSPORTER: "nats://n4tstoken@nats.internal:4222",
		});
		expect(r.code, r.stderr).to.equal(0);
		expect(r.stderr).to.equal("");
		const cfg = JSON.parse(r.stdout);
		expect(cfg.port, "flag over env over file").to.equal(3333);
		expect(cfg.logLevel, "flag over env over file").to.equal("trace");
		expect(cfg.symbols, "env over file").to.deep.equal(["ENV1", "ENV2"]);
		expect(cfg.nodeId, "env over file").to.equal("from-env");
		expect(cfg.store.maxLen, "file over default").to.equal(5000);
		expect(cfg.store.latestTtlMs, "file objects merge key by key").to.equal(3_600_000);
		expect(cfg.feed.ticksPerSecond).to.equal(7);
		expect(cfg.feed.type, "cluster mode: no synthetic feed unless asked").to.equal("none");
		expect(r.stdout).to.not.include("s3cretpw");
		expect(r.stdout).to.not.include("n4tstoken");
		expect(cfg.redisUrl).to.equal("redis://admin:***@redis.internal:6380/2");
		expect(cfg.transporter).to.equal("nats://***@nats.internal:4222");
	});

	it("--help lists all services and exits 0", async () => {
		const r = await runRookery(["--help"]);
		expect(r.code, r.stderr).to.equal(0);
		expect(helpServices(r.stdout)).to.deep.equal([...SERVICE_NAMES]);
	});

	it("--show-config with only defaults is embedded mode with the synthetic feed", async () => {
		const r = await runRookery(["--show-config"]);
		expect(r.code, r.stderr).to.equal(0);
		const cfg = JSON.parse(r.stdout);
		expect(cfg).to.include({ transporter: null, redisUrl: null, port: 3000 });
		expect(cfg.feed.type).to.equal("synthetic");
	});

	it("--validate-only with unreachable Redis and NATS exits non-zero fast, one masked line per problem", async () => {
		const [rp, np] = await Promise.all([freePort(), freePort()]);
		const r = await runRookery(["--validate-only"], { REDIS_URL: `redis://:hunter2@127.0.0.1:${rp}`, TRANSPORTER: `nats://127.0.0.1:${np}` });
		expect(r.code).to.equal(1);
		expect(r.stdout).to.equal("");
		const errs = lines(r.stderr).sort();
		expect(errs, r.stderr).to.have.length(2);
		// Each line names the server, the (masked) URL and the cause.
		expect(errs[0]).to.match(new RegExp(`^nats: cannot reach nats://127\\.0\\.0\\.1:${np}: .*refused`, "i"));
		expect(errs[1]).to.match(new RegExp(`^redis: cannot reach redis://:\\*\\*\\*@127\\.0\\.0\\.1:${rp}: .*ECONNREFUSED`));
		expect(r.stderr).to.not.include("hunter2");
		// Both checks run at once under a 2 s connect timeout; refused connections fail at once.
		expect(r.ms, "run time").to.be.lessThan(8000);
	});

	it("--validate-only with a bad config exits 1 with one line per problem and does not connect", async () => {
		const r = await runRookery(["--validate-only"], { PORT: "abc", SYMBOLS: "AAPL,bad!", REDIS_URL: "http://127.0.0.1:1" });
		expect(r.code).to.equal(1);
		expect(r.stdout).to.equal("");
		const errs = lines(r.stderr);
		expect(errs, r.stderr).to.have.length(3);
		expect(errs.every(l => l.startsWith("config: "))).to.equal(true);
		expect(
			errs.filter(l => /'port'/.test(l) && l.includes("abc")),
			r.stderr,
		).to.have.length(1);
		expect(
			errs.filter(l => /'symbols\[1\]'/.test(l) && l.includes("bad!")),
			r.stderr,
		).to.have.length(1);
		expect(
			errs.filter(l => /'redisUrl'/.test(l) && l.includes("redis|rediss")),
			r.stderr,
		).to.have.length(1);
	});

	it("a bad config without flags also exits 1 before starting anything", async () => {
		const port = await freePort();
		const r = await runRookery([], { PORT: String(port), LOG_LEVEL: "loud", FEED: "none" });
		expect(r.code).to.equal(1);
		const errs = lines(r.stderr);
		expect(errs, r.stderr).to.have.length(1);
		expect(errs[0]).to.match(/^config: .*'logLevel'.*loud/);
	});

	it("an unknown flag exits 2 with the usage text", async () => {
		const r = await runRookery(["--bogus-flag"]);
		expect(r.code).to.equal(2);
		expect(r.stdout).to.equal("");
		expect(r.stderr).to.include("--bogus-flag");
		expect(r.stderr).to.include("Usage:");
		expect(r.stderr).to.include("--validate-only");
	});

	describe("against a real Redis and NATS", () => {
		let redis: TestServer | undefined;
		let nats: TestServer | undefined;
		before(async () => {
			const started = await Promise.allSettled([startRedis(), startNats()]);
			[redis, nats] = started.map(r => (r.status === "fulfilled" ? r.value : undefined));
			for (const r of started) if (r.status === "rejected") throw r.reason;
		});
		after(async () => {
			await Promise.allSettled([redis?.stop(), nats?.stop()]);
		});

		it("--validate-only exits 0 and says what it reached", async () => {
			const r = await runRookery(["--validate-only"], { REDIS_URL: redis!.url, TRANSPORTER: nats!.url });
			expect(r.code, r.stderr).to.equal(0);
			expect(r.stderr).to.equal("");
			expect(lines(r.stdout)).to.deep.equal(["config OK; redis reachable; nats reachable"]);
		});

		it("--validate-only names only the server that is down", async () => {
			const port = await freePort();
			const r = await runRookery(["--validate-only"], { REDIS_URL: redis!.url, TRANSPORTER: `nats://127.0.0.1:${port}` });
			expect(r.code).to.equal(1);
			expect(lines(r.stderr), r.stderr).to.have.length(1);
			expect(r.stderr).to.match(/^nats: cannot reach/);
		});
	});
});
