/**
 * Vendor ingest throughput (issue 19 item 2): messages/s through the full ingest pipeline
 * (validation, volatility fields, symbol actors, KV latest + capped stream, publish) (a) from an
 * Alpaca-format WebSocket stream (local ws server → AlpacaStreamVendor) and (b) from replay of an
 * NDJSON file of as many ticks over the same 5 symbols, each next to the batch endpoint (`POST /api/v1/ticks`, 5,000-tick bodies, 4 in
 * flight) measured in the same run on a node with the same services, twice: with bodies of the
 * same trades as the Alpaca run (a vendor id each, times advancing 1 ms a hundred trades: the
 * baseline of the vendor figures), and with bare ticks (no id, one time for all, as the bench's
 * baseline was until 2026-12-08: no duplicate check, no id stored and no bar closed, so ~30 %
 * cheaper a tick than the same trades; kept as a figure of its own). Every run is timed warm: the
 * vendor runs after their first 20,000 messages, as the batch endpoint after its 4 warm-up POSTs.
 * Also the pure parse cost of
 * an Alpaca frame (tinybench). Each figure is the median of BENCH_RUNS (default 3) runs, each in a
 * process of its own (runInChild says why). Table on stdout, figures (bench/README.md) in
 * bench/results/ingest-vendors.json.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Bench } from "tinybench";
import { alpacaItem } from "../lib/vendors/alpaca-stream.ts";
import { loadReplay } from "../lib/vendors/replay.ts";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { startAlpacaServer, trade } from "../test/helpers/vendor-servers/alpaca-stream.ts";
import { figure, median, writeFigures } from "./lib/figures.ts";
import { startWindowProfile, stopWindowProfile } from "./lib/window-profile.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const csv = readFileSync(path.join(ROOT, "test/fixtures/goog-daily.csv"), "utf8");
const SYMBOLS = ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA"];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Alpaca trades measured per run; the batch endpoint gets 5,000-tick POSTs, 4 in flight, BATCH.posts of them. */
const N = Number(process.env.BENCH_VENDOR_MESSAGES ?? 50_000);
const BATCH = { ticks: 5000, inFlight: 4, posts: 40, warmup: 4 };
/**
 * Messages each vendor run sends before its clock starts: as many as the batch endpoint's warm-up
 * POSTs hold, so both are timed warm (each run is a fresh node: its first messages pay for the
 * symbols' activation and the JIT).
 */
const WARMUP = BATCH.ticks * BATCH.warmup;
/** Replay ticks per run (warm-up included), from a generated NDJSON file (replayFile). */
const REPLAY_TICKS = WARMUP + N;
/** Vendor messages sent and not yet written, at most: what the batch endpoint's POSTs in flight hold. */
const IN_FLIGHT = BATCH.ticks * BATCH.inFlight;
/** The nodes' workers.bufferLimit (startNode says why twice IN_FLIGHT). */
const BUFFER_LIMIT = Number(process.env.BENCH_BUFFER_LIMIT ?? 2 * IN_FLIGHT);
if (!Number.isInteger(BUFFER_LIMIT) || BUFFER_LIMIT < 1) throw new Error(`BENCH_BUFFER_LIMIT must be a positive integer, got ${process.env.BENCH_BUFFER_LIMIT}`);
/**
 * Only these measures (comma list of parse, batch, trades, bare, alpaca, replay; `batch` is both
 * trades and bare; e.g. to profile one with BENCH_CPU_PROFILE=<dir>: bench/lib/window-profile.ts).
 */
const ONLY = process.env.BENCH_ONLY?.split(",");
const skip = (m: string) => ONLY !== undefined && !ONLY.includes(m) && !((m === "trades" || m === "bare") && ONLY.includes("batch"));

/** A timed run: the batch endpoint with either body, or a vendor. */
type Measure = "trades" | "bare" | "alpaca" | "replay";
const MEASURES: readonly Measure[] = ["trades", "bare", "alpaca", "replay"];
/**
 * A vendor run's cost a message written: CPU time of the process (steadier than msg/s on a loaded
 * machine), its system part, and page faults. On the Firecracker VMs this runs on a fault costs
 * ~10 µs (docs/operations.md, "No string of a whole body").
 */
interface Cost {
	cpuUs: number;
	sysUs: number;
	faults: number;
}
/** A run's rate, and a vendor run's cost (null for the batch endpoint's: the process posts too). */
interface RunResult {
	rate: number;
	cost: Cost | null;
}

type Vendors = Record<string, unknown>;

async function startNode(vendors: Vendors, chain: string[]) {
	const config = mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "fatal", feed: { type: "none" }, nodeId: "bench-vendors", symbols: SYMBOLS, services: ["gateway", "ingest", "symbols", "config"] });
	config.vendors = { ...config.vendors, ...(vendors as typeof config.vendors) };
	config.workers.chains.market_data = chain;
	config.workers.autoStart = false;
	// A replay waits while more than half the buffer is queued: with twice IN_FLIGHT it holds as much
	// work in flight as the batch endpoint's POSTs and the Alpaca run do, and neither drops any.
	// A million let the replay check and queue every tick it had before the clock started (50,000
	// queued at t0, against 25,000 now): ~1.3× the msg/s of this measure, for work left untimed.
	config.workers.bufferLimit = BUFFER_LIMIT;
	// What the GARCH refit costs shows with BENCH_GARCH_REFIT: prices between refits, by count alone
	// (no vendor-time floor); without it the config's (60 prices, and 1 s of vendor time up to 600).
	if (process.env.BENCH_GARCH_REFIT) {
		config.workers.garchRefitEvery = Number(process.env.BENCH_GARCH_REFIT);
		config.workers.garchRefitMinMs = 0;
	}
	const node = await createNode(config);
	await node.start();
	return node;
}

type Ingest = { pipeline: { stats: { written: number } }; workers: Map<string, { start(): void }>; activateOwned(): Promise<number> };

/** Messages/s written (stored and published) from the WARMUP-th until `expected` are, and their cost. */
async function vendorRun(name: string, vendors: Vendors, chain: string[], expected: number, drive: (written: () => number) => Promise<void>): Promise<RunResult> {
	const node = await startNode(vendors, chain);
	try {
		const ingest = node.broker.getLocalService("ingest") as unknown as Ingest;
		const written = () => ingest.pipeline.stats.written;
		// Only market_data: the other workers would add their synthetic messages to the count.
		ingest.workers.get("market_data")!.start();
		await ingest.activateOwned();
		let t0 = NaN;
		let cpu0 = process.cpuUsage();
		let ru0 = process.resourceUsage();
		let from = 0;
		const clock = (async () => {
			while (written() < WARMUP) await new Promise(r => setTimeout(r, 1));
			await startWindowProfile();
			[t0, cpu0, ru0, from] = [performance.now(), process.cpuUsage(), process.resourceUsage(), written()];
		})();
		await drive(written);
		await clock;
		while (written() < expected) await new Promise(r => setTimeout(r, 1));
		const [cpu, ru, n, seconds] = [process.cpuUsage(cpu0), process.resourceUsage(), written() - from, (performance.now() - t0) / 1000];
		// After the window's figures: stopping and writing a profile takes up to a second.
		await stopWindowProfile(name);
		return { rate: n / seconds, cost: { cpuUs: (cpu.user + cpu.system) / n, sysUs: (ru.systemCPUTime - ru0.systemCPUTime) / n, faults: (ru.minorPageFault - ru0.minorPageFault) / n } };
	} finally {
		await node.stop();
	}
}

function post(agent: http.Agent, port: number, body: Buffer): Promise<number> {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: "127.0.0.1", port, path: "/api/v1/ticks", method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } }, res => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => {
				const text = Buffer.concat(chunks).toString();
				if (res.statusCode !== 200) return reject(new Error(`POST → ${res.statusCode}: ${text.slice(0, 200)}`));
				resolve((JSON.parse(text) as { accepted: number }).accepted);
			});
		});
		req.on("error", reject);
		req.end(body);
	});
}

/**
 * The batch endpoint's bodies, all different. `trades`: the Alpaca run's trades as ticks (its
 * prices and size, an id `alpaca:V<n>` each, 100 a millisecond, ending before the node's clock as
 * the Alpaca run's do), a body for each POST, as ids repeated would be dropped as duplicates.
 * `bare`: no id, one time for every tick, 8 bodies in turn.
 */
function batchBodies(kind: "trades" | "bare"): Buffer[] {
	const ts = Date.now();
	const body = (ticks: object[]) => Buffer.from(JSON.stringify({ ticks }));
	const n = kind === "trades" ? BATCH.warmup + BATCH.posts : 8;
	const start = ts - 1000 - Math.ceil((n * BATCH.ticks) / 100);
	return Array.from({ length: n }, (_, k) =>
		body(
			Array.from({ length: BATCH.ticks }, (_, i) => {
				const g = k * BATCH.ticks + i;
				const symbol = SYMBOLS[i % SYMBOLS.length];
				return kind === "trades" ? { symbol, price: 100 + (g % 50) / 100, size: 100, ts: start + Math.floor(g / 100), id: `alpaca:V${g}` } : { symbol, price: 100 + (g % 1000) / 100, size: 1 + (i % 500), ts };
			}),
		),
	);
}

/** Accepted ticks/s through the batch endpoint on a node configured like the vendor runs. */
async function batchRun(kind: "trades" | "bare", name: string): Promise<RunResult> {
	const node = await startNode({}, ["synthetic"]);
	const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH.inFlight });
	try {
		const bodies = batchBodies(kind);
		let next = 0;
		const loop = async (last: number) => {
			let accepted = 0;
			while (next < last) accepted += await post(agent, node.port()!, bodies[next++ % bodies.length]);
			return accepted;
		};
		await Promise.all(Array.from({ length: BATCH.inFlight }, () => loop(BATCH.warmup)));
		await startWindowProfile();
		const t0 = performance.now();
		const accepted = (await Promise.all(Array.from({ length: BATCH.inFlight }, () => loop(BATCH.warmup + BATCH.posts)))).reduce((a, b) => a + b, 0);
		// Every timed tick is new work (no duplicate, none late): else the baseline measured less.
		if (accepted !== BATCH.posts * BATCH.ticks) throw new Error(`${name}: ${accepted} ticks accepted of ${BATCH.posts * BATCH.ticks} posted`);
		const rate = accepted / ((performance.now() - t0) / 1000);
		await stopWindowProfile(name);
		return { rate, cost: null };
	} finally {
		agent.destroy();
		await node.stop();
	}
}

async function alpacaRun(name: string): Promise<RunResult> {
	const srv = await startAlpacaServer();
	try {
		// The frames are built before the clock starts, as UTF-8 bytes, as the batch endpoint's bodies are.
		const now = Date.now();
		const frames: Buffer[] = [];
		for (let i = 0; i < WARMUP + N; i += 100)
			frames.push(Buffer.from(JSON.stringify(Array.from({ length: 100 }, (_, k) => trade(SYMBOLS[(i + k) % 5], 100 + ((i + k) % 50) / 100, i + k, new Date(now - 1000 + Math.floor((i + k) / 100)).toISOString())))));
		return await vendorRun(name, { alpaca: { type: "alpaca-stream", url: srv.url, key: "k", secret: "s", channels: ["trades"] } }, ["alpaca"], WARMUP + N, async written => {
			while (srv.subscriptions.length === 0) await new Promise(r => setTimeout(r, 1));
			// At most IN_FLIGHT trades sent and not yet written, as many as the batch endpoint's 4
			// POSTs of 5,000 hold: the same work in flight for both, not a 50,000-trade backlog.
			for (let i = 0; i < frames.length; i++) {
				while ((i + 1) * 100 - written() > IN_FLIGHT) await new Promise(r => setImmediate(r));
				srv.pushRaw(frames[i]);
			}
		});
	} finally {
		await srv.close();
	}
}

/**
 * An NDJSON file of REPLAY_TICKS ticks over the 5 symbols, in the past, one a millisecond. At speed
 * Infinity the replay hands the buffer 5,000 ticks at a time as fast as the buffer takes them, and
 * waits while IN_FLIGHT are queued (startNode's bufferLimit): flushes are full 5,000-message batches
 * from the start. The GOOG daily file (1,047 bars, 4,188 ticks, one symbol) took ~0.3 s: it measured
 * the node's first activation and JIT rather than the replay's rate, and it cannot loop (a later pass
 * is in the future).
 */
function replayFile(): string {
	const file = path.join(mkdtempSync(path.join(os.tmpdir(), "rk-replay-")), "ticks.ndjson");
	const t0 = Date.now() - REPLAY_TICKS - 60_000;
	const lines: string[] = [];
	for (let i = 0; i < REPLAY_TICKS; i++) lines.push(JSON.stringify({ symbol: SYMBOLS[i % SYMBOLS.length], ts: t0 + i, price: 100 + (i % 50) / 100, size: 1 + (i % 7), id: `r${i}` }));
	writeFileSync(file, lines.join("\n") + "\n");
	return file;
}

function replayRun(file: string, name: string): Promise<RunResult> {
	return vendorRun(name, { replay: { type: "replay", file, symbol: "GOOG", speed: Infinity } }, ["replay"], REPLAY_TICKS, async () => {});
}

/** One run of a measure in this process: a child's whole job. The window profiles are named `<measure>-run<n>`. */
function runHere(m: Measure, run: number, replay: string): Promise<RunResult> {
	const name = `${m}-run${run}`;
	return m === "alpaca" ? alpacaRun(name) : m === "replay" ? replayRun(replay, name) : batchRun(m, name);
}

/**
 * A run in a process of its own, with this one's node flags. Runs in one process shared V8's
 * state: the JIT's code and the allocation sites' pretenuring decisions, taken on whatever ran
 * first. Alpaca after the batch endpoint fed the same trades took 11.6 µs of CPU a message, against
 * 8–9 µs run alone (2026-12-08).
 */
function runInChild(m: Measure, run: number, replay: string): Promise<RunResult> {
	return new Promise((resolve, reject) => {
		const proc = spawn(process.execPath, [...process.execArgv, process.argv[1]], {
			env: { ...process.env, BENCH_CHILD: m, BENCH_CHILD_RUN: String(run), BENCH_REPLAY_FILE: replay },
			stdio: ["ignore", "pipe", "inherit"],
		});
		let out = "";
		proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
		proc.on("error", reject);
		// `close`, not `exit`: stdout may still hold the result when the process has exited.
		proc.on("close", (code, signal) => {
			const failed = (why: string) => reject(new Error(`${m} run ${run} ${why}; its output: ${out.slice(-300) || "none"}`));
			if (code !== 0) return failed(signal ? `was killed by ${signal}` : `exited with ${code}`);
			try {
				resolve(JSON.parse(out.trim().split("\n").at(-1)!) as RunResult);
			} catch {
				failed("printed no result");
			}
		});
	});
}

async function main() {
	process.stderr.write(`ingest-vendors: ${RUNS} runs of the batch endpoint (same trades, bare ticks), Alpaca and replay (${N} messages each after ${WARMUP} of warm-up)…\n`);
	const frame = JSON.stringify(Array.from({ length: 100 }, (_, i) => trade(SYMBOLS[i % 5], 100 + i / 100, i, "2025-06-10T14:30:00.123456Z")));
	const bench = new Bench({ time: 500 });
	bench.add("parse Alpaca frame (100 trades)", () => {
		for (const m of JSON.parse(frame) as Array<Record<string, unknown>>) alpacaItem("alpaca", m);
	});
	bench.add("load replay CSV (1047 GOOG rows)", () => void loadReplay(csv, "csv", "GOOG"));
	if (!skip("parse")) await bench.run();
	const parse = bench.tasks.map(t => ({ task: t.name, "msgs/s": Math.round((t.result?.throughput.mean ?? NaN) * (t.name.startsWith("parse") ? 100 : 1047)) }));

	const runs = { trades: [] as number[], bare: [] as number[], alpaca: [] as number[], replay: [] as number[] };
	/** Each vendor run's cost, in run order. */
	const costs: Cost[] = [];
	const replay = replayFile();
	process.on("exit", () => rmSync(path.dirname(replay), { recursive: true, force: true }));
	for (let r = 0; r < RUNS; r++) {
		/** This round's vendor runs' cost a message, as "alpaca 8.1 µs CPU, 0.31 system, 0.22 faults". */
		const said: string[] = [];
		for (const m of MEASURES) {
			const result = skip(m) ? null : await runInChild(m, r + 1, replay);
			runs[m].push(result?.rate ?? NaN);
			if (!result?.cost) continue;
			const c = result.cost;
			costs.push(c);
			said.push(`${m} ${c.cpuUs.toFixed(1)} µs CPU, ${c.sysUs.toFixed(2)} system, ${c.faults.toFixed(2)} faults`);
		}
		const rate = (m: Measure) => Math.round(runs[m][r]);
		process.stderr.write(`  run ${r + 1}: batch endpoint ${rate("trades")} (same trades), ${rate("bare")} (bare ticks), Alpaca ${rate("alpaca")}, replay ${rate("replay")} msg/s; a message: ${said.join("; ")}\n`);
	}
	const trades = { name: "batch endpoint POST /api/v1/ticks, same trades", unit: "ticks/s", runs: runs.trades };
	const bare = { name: "batch endpoint POST /api/v1/ticks, bare ticks", unit: "ticks/s", runs: runs.bare };
	const goal = (of: string) => ({ text: `≥ 0.5× batch endpoint, ${of}`, ratioMin: 0.5 });
	const alpaca = `Alpaca stream → ingest (${N} trades, warm)`;
	const replayed = `replay → ingest (${N} ticks, warm)`;
	const figures = [
		figure({ name: alpaca, unit: "msg/s", runs: runs.alpaca, baseline: trades, goal: goal("same trades") }),
		figure({ name: replayed, unit: "msg/s", runs: runs.replay, baseline: trades, goal: goal("same trades") }),
		figure({ name: `${alpaca}, vs bare ticks`, unit: "msg/s", runs: runs.alpaca, baseline: bare, goal: goal("bare ticks") }),
		figure({ name: `${replayed}, vs bare ticks`, unit: "msg/s", runs: runs.replay, baseline: bare, goal: goal("bare ticks") }),
		// What a trade's id and advancing time cost the batch endpoint itself (reported, no goal).
		figure({ name: "batch endpoint, same trades", unit: "ticks/s", runs: runs.trades, baseline: bare }),
	];
	console.table([
		...parse,
		{ task: "batch endpoint, bare ticks (median)", "msgs/s": Math.round(median(runs.bare)) },
		...figures.map(f => ({ task: `${f.name} (median)`, "msgs/s": Math.round(f.value), ratio: f.ratio, goal: f.goal === null ? "" : `${f.goal} ${f.met ? "MET" : "NOT MET"}` })),
	]);
	writeFigures(ROOT, "ingest-vendors", figures, { node: process.version, parse, runs, cpuUsPerMessage: costs.map(c => c.cpuUs), systemUsPerMessage: costs.map(c => c.sysUs), pageFaultsPerMessage: costs.map(c => c.faults) });
}

const childMeasure = process.env.BENCH_CHILD as Measure | undefined;
const job = childMeasure ? runHere(childMeasure, Number(process.env.BENCH_CHILD_RUN), process.env.BENCH_REPLAY_FILE ?? "").then(r => void process.stdout.write(`${JSON.stringify(r)}\n`)) : main();
await job.catch(err => {
	console.error(err);
	process.exit(1);
});
process.exit(0);
