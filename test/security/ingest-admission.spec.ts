/**
 * Issue 13 item 4: one `POST /api/v1/ticks` of 5,000 ticks for 5,000 new symbols blocked a node's
 * event loop for 9-11 s, every lease lapsed and nothing was stored. Now activations are admitted
 * a few per event-loop turn (lib/symbols/activation-gate.ts), so during that POST a real node
 * (a child process) keeps answering `/health/live`, loses no lease, and its answer says exactly
 * which symbols were written.
 *
 * Latency is measured by the probes themselves: one `/health/live` every 10 ms whatever the
 * earlier ones are doing (open loop, so a stall delays every probe sent during it), each timed
 * from its own send to its answer, over connections opened before the POST. The bound is 100 ms
 * over the same probes' p99 just before the POST, so a busy test machine does not fail it. The
 * nodes log at `error`: piping thousands of warnings into this process would slow the probes here.
 */
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { startRedis, type TestServer } from "../helpers/servers.ts";

const SYMBOLS = 5000;
const PROBE_EVERY_MS = 10;

/** The symbols a batch of `n` new symbols uses; unique per call so every one is new. */
let batches = 0;
const newSymbols = (n: number) => {
	const prefix = `N${batches++}X`;
	return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
};

function quantile(sorted: number[], q: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Open-loop probes of `/health/live` until stopped; each records its own latency. */
function probe(url: string, agent: http.Agent) {
	const latencies: number[] = [];
	const pending = new Set<Promise<void>>();
	const once = () => {
		const sent = performance.now();
		const p = new Promise<void>((resolve, reject) => {
			const req = http.get(`${url}/health/live`, { agent }, res => {
				res.resume();
				res.on("end", () => {
					latencies.push(performance.now() - sent);
					resolve();
				});
			});
			req.on("error", reject);
		});
		pending.add(p);
		void p.finally(() => pending.delete(p)).catch(() => {});
	};
	const timer = setInterval(once, PROBE_EVERY_MS);
	return {
		async stop() {
			clearInterval(timer);
			await Promise.all(pending);
			return latencies.sort((a, b) => a - b);
		},
	};
}

async function postTicks(url: string, symbols: string[]): Promise<{ status: number; body: any; retryAfter: string | null }> {
	const now = Date.now();
	const res = await fetch(`${url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(symbols.map((symbol, i) => ({ symbol, price: 10 + (i % 7), size: 1, ts: now }))) });
	return { status: res.status, body: await res.json(), retryAfter: res.headers.get("retry-after") };
}

/** Every symbol the node lists as written (paged). */
async function listed(url: string): Promise<Set<string>> {
	const out = new Set<string>();
	for (let offset = 0; ; offset += 1000) {
		const page = (await (await fetch(`${url}/api/v1/symbols?limit=1000&offset=${offset}`)).json()) as { items: Array<{ symbol: string }> };
		for (const i of page.items) out.add(i.symbol);
		if (page.items.length < 1000) return out;
	}
}

const metric = (text: string, name: string) => {
	const line = text.split("\n").find(l => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
	return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
};

/**
 * The measured property on one node: returns the numbers for the assertion messages. The answer
 * is 200 listing every symbol, or (on a slow machine, past the request deadline) 503 listing which
 * were written and which not; either way what it says was written is exactly what is stored.
 */
async function burstAndMeasure(node: RookeryNodeProcess, symbols: string[]) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	try {
		// Connections opened first: the probes measure the node, not connection set-up.
		await Promise.all(Array.from({ length: 32 }, () => fetch(`${node.url}/health/live`).then(r => r.text())));
		const baseline = probe(node.url, agent);
		await new Promise(r => setTimeout(r, 500));
		const base = await baseline.stop();
		const during = probe(node.url, agent);
		const t0 = performance.now();
		const answer = await postTicks(node.url, symbols);
		const postMs = performance.now() - t0;
		const lat = await during.stop();
		const metrics = await (await fetch(`${node.url}/metrics`)).text();
		return { answer, postMs, lat, base, metrics };
	} finally {
		agent.destroy();
	}
}

function checkAnswer(answer: { status: number; body: any }, symbols: string[], stored: Set<string>) {
	const posted = new Set(symbols);
	let accepted: string[];
	if (answer.status === 200) {
		accepted = answer.body.symbols.map((s: { symbol: string }) => s.symbol);
		expect(answer.body.accepted).to.equal(symbols.length);
	} else {
		expect(answer.status, JSON.stringify(answer.body).slice(0, 500)).to.equal(503);
		const { details } = answer.body.error;
		accepted = details.accepted.map((s: { symbol: string }) => s.symbol);
		const failed: string[] = details.failed.map((f: { symbol: string }) => f.symbol);
		expect(new Set([...accepted, ...failed]).size, "every symbol is listed once").to.equal(symbols.length);
		expect([...accepted, ...failed].every(s => posted.has(s))).to.equal(true);
		for (const f of details.failed) expect(f).to.include.keys("symbol", "ticks", "code", "reason");
	}
	expect(new Set(accepted).size).to.equal(accepted.length);
	// Exactly the symbols the answer calls written are stored.
	expect([...posted].filter(s => stored.has(s)).sort()).to.deep.equal([...accepted].sort());
	return accepted.length;
}

describe("security: admission control for a burst of new symbols", function () {
	this.timeout(90_000);
	let dir: string;
	let configFile: string;

	before(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), "rk-admission-"));
		configFile = path.join(dir, "config.json");
		// A light analysis (the gate's behaviour does not depend on it) keeps activations cheap, so
		// the test takes seconds; a 1.5 s lease is lost after a 1 s stall (renewed every 0.5 s).
		writeFileSync(configFile, JSON.stringify({ analysis: { timeframes: ["1m"], indicators: ["sma:5"], strategies: [] }, symbolActor: { leaseMs: 1500 } }));
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	async function runOn(node: RookeryNodeProcess, n: number, check = { latency: true }) {
		const symbols = newSymbols(n);
		const { answer, postMs, lat, base, metrics } = await burstAndMeasure(node, symbols);
		const p99 = quantile(lat, 0.99);
		const baseP99 = quantile(base, 0.99);
		const written = checkAnswer(answer, symbols, await listed(node.url));
		const report = `POST ${answer.status} in ${Math.round(postMs)} ms, ${written}/${n} written; /health/live p99 ${p99.toFixed(1)} ms (max ${lat.at(-1)!.toFixed(1)}, ${lat.length} probes; before the POST p99 ${baseP99.toFixed(1)} ms); node's loop delay p99 ${(metric(metrics, 'rookery_event_loop_delay_seconds{node="' + node.nodeId + '",quantile="0.99"}') * 1000).toFixed(1)} ms`;
		console.log(`      ${report}`);
		expect(lat.length, report).to.be.above(postMs / PROBE_EVERY_MS / 2);
		if (check.latency) expect(p99, report).to.be.below(100 + baseP99);
		expect(metric(metrics, "rookery_symbols_lease_lost"), report).to.equal(0);
		expect(written, report).to.be.above(0);
	}

	describe("one embedded node (memory store)", () => {
		let node: RookeryNodeProcess;
		before(async () => {
			node = await startNode({ services: "gateway,ingest,symbols,monitor", logLevel: "error", readyTimeoutMs: 60_000, env: { ROOKERY_CONFIG: configFile } });
		});
		after(() => node?.stop());

		it(`keeps /health/live under 100 ms p99 and every lease during a ${SYMBOLS}-new-symbol POST, and lists what it wrote`, async () => {
			await runOn(node, SYMBOLS);
		});
	});

	describe("one node on Redis (the cluster store and its lease scripts)", () => {
		let redis: TestServer;
		let node: RookeryNodeProcess;
		before(async () => {
			redis = await startRedis();
			node = await startNode({ services: "gateway,ingest,symbols,monitor", redisUrl: redis.url, logLevel: "error", readyTimeoutMs: 60_000, env: { ROOKERY_CONFIG: configFile } });
		});
		after(async () => {
			await node?.stop();
			await redis?.stop();
		});

		// The latency bound is asserted on the embedded node only: here the store's round trips share
		// the machine with a redis-server, and the number is reported rather than judged.
		it("loses no lease during a 2,000-new-symbol POST and lists exactly what it wrote", async () => {
			await runOn(node, 2000, { latency: false });
		});
	});
});
