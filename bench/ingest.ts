/**
 * Ingest benchmark (`npm run bench`): accepted ticks/s through `POST /api/v1/ticks` and the
 * latency from a tick's POST to its WebSocket `update` frame, in embedded mode and in a 2-node
 * cluster over real NATS + Redis. Every number is shown next to a bare baseline measured in the
 * same run on the same machine (an HTTP server whose handler does nothing or only JSON.parses the
 * body, `MemoryStore.append` alone, a raw NATS publish→subscribe hop) and as a ratio to it, so the
 * numbers say how much the pipeline costs over the floor rather than how fast this machine is.
 *
 * Phases: baselines; embedded (latency on the fresh node, then throughput); cluster (probe until
 * both gateways route to both nodes, NATS hop, latency posting to A with the WS client on B, then
 * throughput into A). About 60 s in all.
 *
 * Each latency phase also reads every node's per-hop attribution of its measured window (stage
 * histograms, GC pauses, event-loop delay: `GET /metrics/stages`, docs/architecture.md "Where a
 * tick's time goes") and prints it per node.
 *
 * Results: a table on stdout and JSON in bench/results/ingest.json.
 * Knobs (env): BENCH_SECONDS (measured seconds per throughput phase, default 5),
 * BENCH_LATENCY_SECONDS (cluster latency phase, default 10), BENCH_CLUSTER=0 skips the cluster,
 * BENCH_NODE_ARGS: node flags for the cluster nodes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`),
 * Latency stamps (lib/metrics/stages.ts, off by default in Rookery: ~7 % CPU per tick) are on for the
 * latency phases and the cluster nodes, off for the embedded throughput runs; LATENCY_STAGES=0 or =1
 * sets them for every node (to compare ticks/s with them off and on).
 */
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { writeFileSync, mkdirSync } from "node:fs";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { connect as natsConnect } from "nats";
import { createNode, type RookeryNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { MemoryStore } from "../lib/store/memory-store.ts";
import { startNats, startRedis, type TestServer } from "../test/helpers/servers.ts";
import { freePort, waitFor } from "../test/helpers/ports.ts";
import { figure, type Figure } from "./lib/figures.ts";
import { readStages, resetStages, stageTable, type NodeStages } from "./lib/stages.ts";
import { histogram, now, paced, post, recordMs, sleep, type Histogram, type Posted } from "./lib/load.ts";
import { CpuMeter, findPid, round2 } from "./lib/cpu.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(ROOT, "bench", "results", "ingest.json");

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const WITH_CLUSTER = process.env.BENCH_CLUSTER !== "0";
/** Embedded throughput and its HTTP + JSON.parse baseline: this many runs, each on a fresh node, paired. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Throughput: the largest batch the endpoint takes, spread over 10 symbols, 4 POSTs in flight. */
const TP = { batch: 5000, symbols: 10, concurrency: 4, warmupMs: 1500 };
/**
 * Latency: 5,000 ticks/s offered open-loop as 50-tick batches every 10 ms over 10 symbols. The
 * warm-up is discarded; freshly started cluster nodes need longer (JIT, Lua script load, first
 * remote calls) before they reach their steady state.
 */
const LAT = { batch: 50, intervalMs: 10, symbols: 10, warmupMs: 1000, clusterWarmupMs: 3000 };
const LAT_RATE = (LAT.batch * 1000) / LAT.intervalMs;

// ---------------------------------------------------------------------------------------------
// Load generation

function ticksBody(symbols: string[], batch: number, ts: number, seed: number): Buffer {
	const ticks = [];
	for (let i = 0; i < batch; i++) {
		const k = seed + i;
		ticks.push({ symbol: symbols[i % symbols.length], price: 100 + ((k * 7919) % 1000) / 100, size: 1 + (k % 500), ts });
	}
	return Buffer.from(JSON.stringify({ ticks }));
}

/**
 * A bare HTTP server: reads the body and answers a fixed JSON. With `parse`, it also JSON.parses
 * the body, the one piece of work no ingest path can skip.
 */
async function bareServer(parse = false): Promise<{ port: number; close: () => Promise<void> }> {
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => parse && chunks.push(c));
		req.on("end", () => {
			const n = parse ? (JSON.parse(Buffer.concat(chunks).toString()) as { ticks: unknown[] }).ticks.length : 0;
			res.setHeader("content-type", "application/json");
			res.end(`{"ok":true,"n":${n}}`);
		});
	});
	server.keepAliveTimeout = 60_000;
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as { port: number }).port;
	return { port, close: () => new Promise(resolve => (server.closeAllConnections(), server.close(() => resolve()))) };
}

interface Throughput {
	ticksPerSec: number;
	requests: number;
	ticks: number;
	errors: number;
	seconds: number;
	/** Mean CPU use over the measured window, in cores, per process. */
	cpu: Record<string, number>;
}

/** Closed loop: `concurrency` clients each POST a pre-serialised batch as soon as the last returns. */
async function saturate(opts: { port: number; path: string; bodies: Buffer[]; accepted: (r: Posted) => number; cpu: CpuMeter }): Promise<Throughput> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: TP.concurrency });
	let next = 0;
	const run = async (until: number, count: { ticks: number; requests: number; errors: number }) => {
		while (now() < until) {
			const r = await post(agent, opts.port, opts.path, opts.bodies[next++ % opts.bodies.length]);
			const n = r.status === 200 ? opts.accepted(r) : 0;
			if (n === 0) {
				count.errors++;
				if (count.errors === 1) process.stderr.write(`  POST ${opts.path} -> ${r.status}: ${r.text.slice(0, 300)}\n`);
			}
			count.ticks += n;
			count.requests++;
		}
	};
	const warm = { ticks: 0, requests: 0, errors: 0 };
	const warmUntil = now() + TP.warmupMs;
	await Promise.all(Array.from({ length: TP.concurrency }, () => run(warmUntil, warm)));
	const count = { ticks: 0, requests: 0, errors: 0 };
	opts.cpu.start();
	const t0 = now();
	await Promise.all(Array.from({ length: TP.concurrency }, () => run(t0 + SECONDS * 1000, count)));
	const seconds = (now() - t0) / 1000;
	const cpu = opts.cpu.stop();
	agent.destroy();
	return { ticksPerSec: count.ticks / seconds, requests: count.requests, ticks: count.ticks, errors: count.errors, seconds, cpu };
}

// ---------------------------------------------------------------------------------------------
// Latency

interface Latency {
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
	samples: number;
	/** Ticks accepted (or messages sent) per second over the measured window. */
	ratePerSec: number;
	missing: number;
	errors: number;
	cpu: Record<string, number>;
	/** For tick→WS: the POST's own round trip (until the ticks are accepted), p50/p99 ms. */
	postRtt?: { p50: number; p99: number };
	byGroup?: Record<string, { p50: number; p99: number; samples: number }>;
	/** Each node's per-hop attribution of the measured window (GET /metrics/stages). */
	stages?: NodeStages[];
}

function summarise(h: Histogram, extra: Omit<Latency, "p50" | "p90" | "p99" | "max" | "mean" | "samples">): Latency {
	const ms = (us: number) => Math.round(us) / 1000;
	return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue), mean: ms(h.mean), samples: h.totalCount, ...extra };
}

/** A WS client subscribed to `ticks:{sym}` for each symbol, noting when each (symbol, seq) arrives. */
async function wsClient(port: number, symbols: string[]) {
	const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
	const arrivals = new Map<string, Map<number, number>>(symbols.map(s => [s, new Map()]));
	let subscribed = false;
	ws.on("message", data => {
		const t = now();
		const f = JSON.parse(data.toString()) as { type: string; seq?: number; data?: { symbol: string } };
		if (f.type === "subscribed") subscribed = true;
		else if (f.type === "update") arrivals.get(f.data!.symbol)?.set(f.seq!, t);
	});
	await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
	ws.send(JSON.stringify({ op: "subscribe", topics: symbols.map(s => `ticks:${s}`) }));
	await waitFor(() => subscribed, { what: "WS subscribed" });
	return { arrivals, close: () => ws.close() };
}

/**
 * POST 50-tick batches at 5,000 ticks/s to `postPort` and time each tick until its update frame
 * reaches a WS client of `wsPort`. The POST answer names each symbol's firstSeq..lastSeq, so the
 * send time of every seq is known even when answers come back out of order.
 */
async function tickToWs(opts: {
	postPort: number;
	wsPort: number;
	symbols: string[];
	warmupMs: number;
	durationMs: number;
	cpu: CpuMeter;
	/** Also break the latency down by this (e.g. the symbol's owner node). */
	groupOf?: (symbol: string) => string;
	/** Gateway ports of the nodes whose stage histograms cover the measured window. */
	stagePorts?: number[];
}): Promise<Latency> {
	const { symbols } = opts;
	const ws = await wsClient(opts.wsPort, symbols);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	const sent: Array<{ t: number; rtt: number; ranges: Array<{ symbol: string; firstSeq: number | null; lastSeq: number }> | null }> = [];
	const pending = new Set<Promise<void>>();
	let errors = 0;
	const phase = (durationMs: number) =>
		paced(durationMs, LAT.intervalMs, () => {
			const body = ticksBody(symbols, LAT.batch, Date.now(), sent.length * LAT.batch);
			const rec: (typeof sent)[number] = { t: now(), rtt: 0, ranges: null };
			sent.push(rec);
			const p = post(agent, opts.postPort, "/api/v1/ticks", body)
				.then(r => {
					if (r.status !== 200) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
					rec.rtt = now() - rec.t;
					rec.ranges = (JSON.parse(r.text) as { symbols: NonNullable<typeof rec.ranges> }).symbols;
				})
				.catch((err: Error) => {
					if (errors++ === 0) process.stderr.write(`  POST failed: ${err.message}\n`);
				})
				.finally(() => pending.delete(p));
			pending.add(p);
		});
	await phase(opts.warmupMs);
	const warmBatches = sent.length;
	if (opts.stagePorts) await resetStages(opts.stagePorts);
	opts.cpu.start();
	const t0 = now();
	await phase(opts.durationMs);
	const seconds = (now() - t0) / 1000;
	const cpu = opts.cpu.stop();
	await Promise.all(pending);
	await sleep(500); // the last frames in flight
	ws.close();
	agent.destroy();
	const stages = opts.stagePorts ? await readStages(opts.stagePorts) : undefined;

	const h = histogram();
	const rtt = histogram();
	const groups = new Map<string, Histogram>();
	let accepted = 0;
	let missing = 0;
	for (const rec of sent.slice(warmBatches)) {
		if (rec.ranges) recordMs(rtt, rec.rtt);
		for (const r of rec.ranges ?? []) {
			if (r.firstSeq === null) continue;
			const got = ws.arrivals.get(r.symbol)!;
			const key = opts.groupOf?.(r.symbol);
			let gh = key === undefined ? undefined : groups.get(key);
			if (key !== undefined && !gh) groups.set(key, (gh = histogram()));
			for (let seq = r.firstSeq; seq <= r.lastSeq; seq++) {
				accepted++;
				const t = got.get(seq);
				if (t === undefined) {
					missing++;
					continue;
				}
				const us = Math.max(1, Math.round((t - rec.t) * 1000));
				h.recordValue(us);
				gh?.recordValue(us);
			}
		}
	}
	const postRtt = summarise(rtt, { ratePerSec: 0, missing: 0, errors: 0, cpu: {} });
	const byGroup = Object.fromEntries([...groups].map(([k, g]) => [k, (({ p50, p99, samples }) => ({ p50, p99, samples }))(summarise(g, { ratePerSec: 0, missing: 0, errors: 0, cpu: {} }))]));
	return { ...summarise(h, { ratePerSec: accepted / seconds, missing, errors, cpu }), postRtt: { p50: postRtt.p50, p99: postRtt.p99 }, ...(groups.size ? { byGroup } : {}), ...(stages ? { stages } : {}) };
}

/** The same paced 50-tick POSTs against the bare server: the HTTP round trip on its own. */
async function bareRoundTrip(port: number, durationMs: number, cpu: CpuMeter): Promise<Latency> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	const symbols = Array.from({ length: LAT.symbols }, (_, i) => `RT${i}`);
	const h = histogram();
	const pending = new Set<Promise<void>>();
	let measuring = false;
	let count = 0;
	const phase = (ms: number) =>
		paced(ms, LAT.intervalMs, i => {
			const body = ticksBody(symbols, LAT.batch, Date.now(), i * LAT.batch);
			const t = now();
			const counted = measuring;
			const p = post(agent, port, "/", body)
				.then(() => {
					if (!counted) return;
					recordMs(h, now() - t);
					count += LAT.batch;
				})
				.finally(() => pending.delete(p));
			pending.add(p);
		});
	await phase(LAT.warmupMs);
	measuring = true;
	cpu.start();
	const t0 = now();
	await phase(durationMs);
	const seconds = (now() - t0) / 1000;
	const usage = cpu.stop();
	await Promise.all(pending);
	agent.destroy();
	return summarise(h, { ratePerSec: count / seconds, missing: 0, errors: 0, cpu: usage });
}

/** Raw NATS: one tick-sized JSON message per tick at the same rate, publisher → subscriber on two connections. */
async function natsHop(url: string, durationMs: number, cpu: CpuMeter): Promise<Latency> {
	const pub = await natsConnect({ servers: url });
	const sub = await natsConnect({ servers: url });
	const h = histogram();
	let measuring = false;
	let received = 0;
	sub.subscribe("bench.hop", {
		callback: (_err, m) => {
			const t = now();
			const msg = JSON.parse(new TextDecoder().decode(m.data)) as { sent: number };
			if (!measuring) return;
			recordMs(h, t - msg.sent);
			received++;
		},
	});
	await sub.flush();
	const phase = (ms: number) =>
		paced(ms, LAT.intervalMs, () => {
			for (let k = 0; k < LAT.batch; k++) {
				pub.publish("bench.hop", new TextEncoder().encode(JSON.stringify({ v: 1, seq: k, ts: Date.now(), symbol: "HOP", price: 101.25, size: 100, sent: now() })));
			}
		});
	await phase(LAT.warmupMs);
	await pub.flush();
	measuring = true;
	cpu.start();
	const t0 = now();
	await phase(durationMs);
	const seconds = (now() - t0) / 1000;
	const usage = cpu.stop();
	await pub.flush();
	await sleep(200);
	await pub.close();
	await sub.close();
	return summarise(h, { ratePerSec: received / seconds, missing: 0, errors: 0, cpu: usage });
}

// ---------------------------------------------------------------------------------------------
// Embedded mode

/** A node with latency stamps as `stamps` says unless LATENCY_STAGES sets them for every node. */
async function embeddedNode(stamps: boolean): Promise<RookeryNode> {
	const latencyStages = process.env.LATENCY_STAGES === undefined ? stamps : process.env.LATENCY_STAGES !== "0";
	const config = mergeConfig(defaultConfig(), { nodeId: "bench-embedded", port: 0, host: "127.0.0.1", logLevel: "warn", feed: { type: "none" }, symbols: [], latencyStages });
	const node = await createNode(config);
	await node.start();
	return node;
}

function memoryStoreAppend(seconds: number, cpu: CpuMeter): Throughput {
	// What one 5,000-tick POST costs the store: one append of 500 entries per symbol, plus latest.
	const store = new MemoryStore();
	const symbols = Array.from({ length: TP.symbols }, (_, i) => `MS${i}`);
	const per = TP.batch / TP.symbols;
	const seqs = new Map(symbols.map(s => [s, 0]));
	const ts = Date.now();
	let ticks = 0;
	let requests = 0;
	const once = () => {
		for (const symbol of symbols) {
			let seq = seqs.get(symbol)!;
			const entries = [];
			for (let i = 0; i < per; i++) entries.push({ seq: ++seq, data: { symbol, price: 100 + (i % 1000) / 100, size: 1 + i, ts } });
			void store.append(symbol, entries, { v: 1, ...entries[per - 1].data, seq });
			seqs.set(symbol, seq);
			ticks += per;
		}
		requests++;
	};
	const warmUntil = now() + 300;
	while (now() < warmUntil) once();
	ticks = requests = 0;
	cpu.start();
	const t0 = now();
	while (now() - t0 < seconds * 1000) once();
	const s = (now() - t0) / 1000;
	return { ticksPerSec: ticks / s, requests, ticks, errors: 0, seconds: s, cpu: cpu.stop() };
}

// ---------------------------------------------------------------------------------------------
// Cluster mode

interface ChildNode {
	id: string;
	port: number;
	proc: ChildProcess;
	output: () => string;
	stop: () => Promise<void>;
}

async function startClusterNode(id: string, nats: string, redis: string): Promise<ChildNode> {
	const port = await freePort();
	const env: NodeJS.ProcessEnv = { ...process.env, TRANSPORTER: nats, REDIS_URL: redis, NODE_ID: id, PORT: String(port), HOST: "127.0.0.1", FEED: "none", LOG_LEVEL: "warn", LATENCY_STAGES: process.env.LATENCY_STAGES ?? "1" };
	for (const k of ["SERVICES", "SYMBOLS", "ROOKERY_CONFIG", "FEED_RATE", "FEED_SEED"]) delete env[k];
	const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
	const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "bin/rookery.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
	let out = "";
	proc.stdout!.on("data", d => (out += d));
	proc.stderr!.on("data", d => (out += d));
	const exited = new Promise<void>(resolve => proc.once("exit", () => resolve()));
	const stop = async () => {
		if (proc.exitCode !== null || proc.signalCode !== null) return;
		proc.kill("SIGTERM");
		const killer = setTimeout(() => proc.kill("SIGKILL"), 8000);
		await exited;
		clearTimeout(killer);
	};
	try {
		await waitFor(
			async () => {
				if (proc.exitCode !== null) throw new Error(`node ${id} exited with ${proc.exitCode}: ${out}`);
				const r = await fetch(`http://127.0.0.1:${port}/health`);
				return r.ok;
			},
			{ timeoutMs: 30_000, intervalMs: 100, what: `node ${id} /health` },
		);
	} catch (err) {
		await stop();
		throw err;
	}
	return { id, port, proc, output: () => out, stop };
}

type SymbolPage = { items: Array<{ symbol: string; node: string | null }> };
const symbolList = (n: ChildNode) =>
	fetch(`http://127.0.0.1:${n.port}/api/v1/symbols?limit=1000`)
		.then(res => res.json() as Promise<SymbolPage>)
		.then(p => p.items);

async function postOnce(port: number, symbols: string[]): Promise<void> {
	const agent = new http.Agent();
	const r = await post(agent, port, "/api/v1/ticks", ticksBody(symbols, symbols.length, Date.now(), 0));
	agent.destroy();
	if (r.status !== 200) throw new Error(`POST: ${r.status} ${r.text}`);
}

/**
 * Both nodes must know each other before load starts, or the Shard ring would move symbols to
 * another owner mid-run (the old owner's actor would also stay listed). Probe with throwaway
 * symbols: post a few through each gateway until its symbol list shows both nodes as owners.
 */
async function waitForRing(nodes: ChildNode[]): Promise<void> {
	let round = 0;
	for (const [k, via] of nodes.entries()) {
		await waitFor(
			async () => {
				const probes = Array.from({ length: 8 }, (_, i) => `PROBE${k}R${round}S${i}`);
				round++;
				await postOnce(via.port, probes);
				const owners = new Set((await symbolList(via)).filter(x => probes.includes(x.symbol)).map(x => x.node));
				return nodes.every(n => owners.has(n.id));
			},
			{ timeoutMs: 15_000, intervalMs: 200, what: `${via.id} to route symbols to every node` },
		);
	}
}

/** Activate the symbols with one tick each; returns each symbol's owner, as both gateways agree. */
async function activate(a: ChildNode, b: ChildNode, symbols: string[]): Promise<Record<string, string>> {
	await postOnce(a.port, symbols);
	let owners: Record<string, string> = {};
	await waitFor(
		async () => {
			const views = (await Promise.all([a, b].map(symbolList))).map(v => v.filter(x => symbols.includes(x.symbol)));
			const keyed = views.map(v => JSON.stringify(v.map(x => [x.symbol, x.node]).sort()));
			if (views[0].length !== symbols.length || views[0].some(x => !x.node) || keyed[0] !== keyed[1]) return false;
			owners = Object.fromEntries(views[0].map(x => [x.symbol, x.node!]));
			return true;
		},
		{ timeoutMs: 10_000, intervalMs: 100, what: "both gateways to agree on the owners" },
	);
	return owners;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
	mode: string;
	measure: string;
	value: string;
	baseline: string;
	ratio: string;
	target: string;
}

const fmtInt = (x: number) => Math.round(x).toLocaleString("en-US");
const fmtMs = (x: number) => `${x.toFixed(2)}`;
const fmtCpu = (c: Record<string, number>) =>
	Object.entries(c)
		.map(([k, v]) => `${k} ${v.toFixed(2)}`)
		.join(", ");

function printTable(rows: Row[]): void {
	const cols: Array<keyof Row> = ["mode", "measure", "value", "baseline", "ratio", "target"];
	const width = Object.fromEntries(cols.map(c => [c, Math.max(c.length, ...rows.map(r => r[c].length))])) as Record<keyof Row, number>;
	const line = (r: Record<keyof Row, string>) => cols.map(c => r[c].padEnd(width[c])).join(" │ ");
	const header = Object.fromEntries(cols.map(c => [c, c])) as Record<keyof Row, string>;
	process.stdout.write("\n" + line(header) + "\n" + cols.map(c => "─".repeat(width[c])).join("─┼─") + "\n");
	for (const r of rows) process.stdout.write(line(r) + "\n");
}

function machine() {
	const version = (cmd: string, args: string[]) => {
		try {
			return execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n")[0];
		} catch {
			return null;
		}
	};
	return {
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model ?? "unknown",
		memoryGiB: round2(os.totalmem() / 2 ** 30),
		platform: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.version,
		redis: version("redis-server", ["--version"]),
		nats: version("nats-server", ["--version"]),
		loadavg1m: round2(os.loadavg()[0]),
	};
}

/** The headline numbers in the shape bench/summary.ts reads (bench/README.md). */
function figuresOf(results: Record<string, unknown>, parseRuns: Throughput[], embRuns: Throughput[], bareRtt: Latency): Figure[] {
	const emb = (results.embedded as { tickToWs: Latency }).tickToWs;
	const rtt = (k: "p50" | "p99") => ({ name: `bare HTTP POST round trip ${k}`, unit: "ms", runs: [bareRtt[k]] });
	const figures = [
		figure({
			name: `embedded: accepted ticks/s, POST batch endpoint (${TP.batch}-tick bodies, ${TP.concurrency} in flight)`,
			unit: "ticks/s",
			runs: embRuns.map(t => t.ticksPerSec),
			baseline: { name: "bare HTTP POST + JSON.parse", unit: "ticks/s", runs: parseRuns.map(t => t.ticksPerSec) },
			goal: { text: "≥ 0.3× HTTP + JSON.parse", ratioMin: 0.3 },
		}),
		figure({ name: `embedded: tick→WS p99 @${fmtInt(LAT_RATE)}/s`, unit: "ms", runs: [emb.p99], baseline: rtt("p99") }),
	];
	const cl = results.cluster as { tickToWs: Latency; throughput: Throughput; natsHop: Latency } | undefined;
	if (cl) {
		const ok = cl.tickToWs.ratePerSec >= 0.95 * LAT_RATE;
		figures.push(
			figure({
				name: `cluster: tick→WS p99 @${fmtInt(LAT_RATE)}/s, POST to A, WS on B`,
				unit: "ms",
				runs: [cl.tickToWs.p99],
				baseline: { name: "raw NATS hop p99", unit: "ms", runs: [cl.natsHop.p99] },
				goal: { text: "< 10 ms", valueMax: ok ? 10 : -1 },
			}),
			figure({
				name: `cluster: tick→WS p50 @${fmtInt(LAT_RATE)}/s, POST to A, WS on B`,
				unit: "ms",
				runs: [cl.tickToWs.p50],
				baseline: { name: "raw NATS hop p50", unit: "ms", runs: [cl.natsHop.p50] },
				goal: { text: "< 2 ms", valueMax: ok ? 2 : -1 },
			}),
			figure({ name: "cluster: accepted ticks/s, POST batch endpoint (to A)", unit: "ticks/s", runs: [cl.throughput.ticksPerSec], baseline: { name: "bare HTTP POST + JSON.parse", unit: "ticks/s", runs: [parseRuns[0].ticksPerSec] } }),
		);
	}
	return figures;
}

async function main(): Promise<void> {
	const started = now();
	const facts = machine();
	process.stdout.write(`machine: ${facts.cpus} × ${facts.cpuModel}, ${facts.memoryGiB} GiB, ${facts.platform}, node ${facts.node}; load average ${facts.loadavg1m}\n`);
	const results: Record<string, unknown> = {};
	const rows: Row[] = [];
	const cpu = new CpuMeter();
	const tpSymbols = (p: string) => Array.from({ length: TP.symbols }, (_, i) => `${p}${i}`);
	const tpBodies = (symbols: string[]) => Array.from({ length: 8 }, (_, k) => ticksBody(symbols, TP.batch, Date.now(), k * TP.batch));

	// --- Baselines on this machine ---------------------------------------------------------
	process.stdout.write(`baseline: bare HTTP POST, ${TP.batch}-tick bodies, ${TP.concurrency} in flight…\n`);
	const bare = await bareServer();
	const bareTp = await saturate({ port: bare.port, path: "/", bodies: tpBodies(tpSymbols("BARE")), accepted: () => TP.batch, cpu });
	process.stdout.write(`baseline: bare HTTP POST round trip, ${LAT.batch}-tick bodies at ${fmtInt(LAT_RATE)} ticks/s…\n`);
	const bareRtt = await bareRoundTrip(bare.port, 3000, cpu);
	await bare.close();
	const parseOnce = async () => {
		process.stdout.write(`baseline: bare HTTP POST + JSON.parse, ${TP.batch}-tick bodies, ${TP.concurrency} in flight…\n`);
		const parsing = await bareServer(true);
		const tp = await saturate({ port: parsing.port, path: "/", bodies: tpBodies(tpSymbols("PARSE")), accepted: r => (JSON.parse(r.text) as { n: number }).n, cpu });
		await parsing.close();
		return tp;
	};
	const parseRuns = [await parseOnce()];
	process.stdout.write(`baseline: MemoryStore.append alone…\n`);
	const storeTp = memoryStoreAppend(1, cpu);
	results.baselines = { bareHttpThroughput: bareTp, bareHttpRoundTrip: bareRtt, memoryStoreAppend: storeTp };

	// --- Embedded ---------------------------------------------------------------------------
	process.stdout.write(`embedded: tick→WS latency at ${fmtInt(LAT_RATE)} ticks/s, 5 s…\n`);
	const node = await embeddedNode(true);
	let embLat: Latency;
	try {
		const port = node.port()!;
		// Latency first, on the fresh node: after a throughput run its MemoryStore holds ~1M ticks,
		// and scavenges over that heap (10-25 ms each here) would dominate the tail.
		embLat = await tickToWs({ postPort: port, wsPort: port, symbols: tpSymbols("EL"), warmupMs: LAT.warmupMs, durationMs: 5000, cpu, stagePorts: [port] });
	} finally {
		await node.stop();
	}
	// Throughput: each run on a fresh node, paired with its own HTTP + JSON.parse baseline.
	const embRuns: Throughput[] = [];
	for (let r = 0; r < RUNS; r++) {
		if (r > 0) parseRuns.push(await parseOnce());
		process.stdout.write(`embedded: POST /api/v1/ticks, ${TP.batch}-tick batches over ${TP.symbols} symbols, ${TP.concurrency} in flight, ${SECONDS} s (run ${r + 1} of ${RUNS})…\n`);
		const fresh = await embeddedNode(false);
		try {
			embRuns.push(await saturate({ port: fresh.port()!, path: "/api/v1/ticks", bodies: tpBodies(tpSymbols("EMB")), accepted: r => (JSON.parse(r.text) as { accepted: number }).accepted, cpu }));
		} finally {
			await fresh.stop();
		}
	}
	const byRate = (a: Throughput, b: Throughput) => a.ticksPerSec - b.ticksPerSec;
	const parseTp = [...parseRuns].sort(byRate)[parseRuns.length >> 1];
	const embTp = [...embRuns].sort(byRate)[embRuns.length >> 1];
	results.baselines = { ...(results.baselines as object), bareHttpParseThroughput: parseTp, bareHttpParseRuns: parseRuns };
	results.embedded = { throughput: embTp, throughputRuns: embRuns, tickToWs: embLat };

	rows.push(
		{ mode: "baseline", measure: "bare HTTP POST, empty handler (ticks/s)", value: fmtInt(bareTp.ticksPerSec), baseline: "", ratio: "", target: "" },
		{ mode: "baseline", measure: "bare HTTP POST + JSON.parse (ticks/s)", value: fmtInt(parseTp.ticksPerSec), baseline: "", ratio: "", target: "" },
		{ mode: "baseline", measure: "MemoryStore.append alone (ticks/s)", value: fmtInt(storeTp.ticksPerSec), baseline: "", ratio: "", target: "" },
		{ mode: "baseline", measure: `bare HTTP POST round trip @${fmtInt(LAT_RATE)}/s p50 / p99 (ms)`, value: `${fmtMs(bareRtt.p50)} / ${fmtMs(bareRtt.p99)}`, baseline: "", ratio: "", target: "" },
		{
			mode: "embedded",
			measure: "accepted ticks/s, POST batch endpoint",
			value: fmtInt(embTp.ticksPerSec),
			baseline: `HTTP+parse ${fmtInt(parseTp.ticksPerSec)}; store ${fmtInt(storeTp.ticksPerSec)}`,
			ratio: `${(embTp.ticksPerSec / parseTp.ticksPerSec).toFixed(2)} of HTTP+parse; ${(embTp.ticksPerSec / storeTp.ticksPerSec).toFixed(2)} of store`,
			target: `≥ 100,000 ${embTp.ticksPerSec >= 100_000 ? "MET" : "NOT MET"}`,
		},
		{
			mode: "embedded",
			measure: `tick→WS p50 / p99 @${fmtInt(embLat.ratePerSec)}/s (ms)`,
			value: `${fmtMs(embLat.p50)} / ${fmtMs(embLat.p99)}`,
			baseline: `HTTP RTT ${fmtMs(bareRtt.p50)} / ${fmtMs(bareRtt.p99)}`,
			ratio: `×${(embLat.p50 / bareRtt.p50).toFixed(1)} / ×${(embLat.p99 / bareRtt.p99).toFixed(1)}`,
			target: "",
		},
	);

	// --- Cluster ----------------------------------------------------------------------------
	if (WITH_CLUSTER) {
		process.stdout.write(`cluster: starting redis-server, nats-server -js and 2 nodes…\n`);
		const servers: TestServer[] = [];
		const nodes: ChildNode[] = [];
		try {
			const [redis, nats] = await Promise.all([startRedis(), startNats()]);
			servers.push(redis, nats);
			nodes.push(...(await Promise.all(["bench-a", "bench-b"].map(id => startClusterNode(id, nats.url, redis.url)))));
			const [a, b] = nodes;
			cpu.track("nodeA", a.proc.pid!);
			cpu.track("nodeB", b.proc.pid!);
			const redisPid = findPid(`redis-server 127.0.0.1:${redis.port}`);
			const natsPid = findPid(`nats-server -a 127.0.0.1 -p ${nats.port} `);
			if (redisPid) cpu.track("redis", redisPid);
			if (natsPid) cpu.track("nats", natsPid);
			await waitForRing(nodes);
			const latSymbols = tpSymbols("CL");
			const owners = await activate(a, b, latSymbols);

			process.stdout.write(`cluster: raw NATS publish→subscribe at ${fmtInt(LAT_RATE)} msg/s, 3 s…\n`);
			const hop = await natsHop(nats.url, 3000, cpu);
			process.stdout.write(`cluster: tick→WS latency, POST to ${a.id}, WS on ${b.id}, ${fmtInt(LAT_RATE)} ticks/s, ${LATENCY_SECONDS} s…\n`);
			const clLat = await tickToWs({ postPort: a.port, wsPort: b.port, symbols: latSymbols, warmupMs: LAT.clusterWarmupMs, durationMs: LATENCY_SECONDS * 1000, cpu, groupOf: sym => `owner ${owners[sym]}`, stagePorts: [a.port, b.port] });
			process.stdout.write(`cluster: POST /api/v1/ticks to ${a.id}, ${TP.batch}-tick batches, ${TP.concurrency} in flight, ${SECONDS} s…\n`);
			const clSymbols = tpSymbols("CT");
			await activate(a, b, clSymbols);
			const clTp = await saturate({ port: a.port, path: "/api/v1/ticks", bodies: tpBodies(clSymbols), accepted: r => (JSON.parse(r.text) as { accepted: number }).accepted, cpu });
			const ownedBy = (id: string) => Object.values(owners).filter(n => n === id).length;
			results.cluster = { owners, natsHop: hop, tickToWs: clLat, throughput: clTp };

			rows.push(
				{ mode: "baseline", measure: `raw NATS pub→sub hop @${fmtInt(hop.ratePerSec)}/s p50 / p99 (ms)`, value: `${fmtMs(hop.p50)} / ${fmtMs(hop.p99)}`, baseline: "", ratio: "", target: "" },
				{
					mode: "cluster",
					measure: `tick→WS p50 / p99 @${fmtInt(clLat.ratePerSec)}/s (ms), A→B`,
					value: `${fmtMs(clLat.p50)} / ${fmtMs(clLat.p99)}`,
					baseline: `HTTP RTT ${fmtMs(bareRtt.p50)} / ${fmtMs(bareRtt.p99)}`,
					ratio: `×${(clLat.p50 / bareRtt.p50).toFixed(1)} / ×${(clLat.p99 / bareRtt.p99).toFixed(1)}`,
					target: `p99 < 10 ms ${clLat.p99 < 10 && clLat.ratePerSec >= 0.95 * LAT_RATE ? "MET" : "NOT MET"}`,
				},
				{
					mode: "cluster",
					measure: "accepted ticks/s, POST batch endpoint (to A)",
					value: fmtInt(clTp.ticksPerSec),
					baseline: `HTTP+parse ${fmtInt(parseTp.ticksPerSec)}`,
					ratio: `${(clTp.ticksPerSec / parseTp.ticksPerSec).toFixed(2)} of HTTP+parse`,
					target: "",
				},
			);
			process.stdout.write(`cluster: latency symbols owned ${ownedBy(a.id)} by ${a.id}, ${ownedBy(b.id)} by ${b.id}; missing WS frames: ${clLat.missing}; POST errors: ${clLat.errors}\n`);
			for (const [k, g] of Object.entries(clLat.byGroup ?? {})) process.stdout.write(`cluster: tick→WS for symbols with ${k}: p50 ${fmtMs(g.p50)} / p99 ${fmtMs(g.p99)} ms (${fmtInt(g.samples)} ticks)\n`);
		} catch (err) {
			for (const n of nodes) process.stderr.write(`--- ${n.id} output ---\n${n.output()}\n`);
			throw err;
		} finally {
			await Promise.all(nodes.map(n => n.stop()));
			await Promise.all(servers.map(s => s.stop()));
		}
	}

	printTable(rows);
	const attributed = (label: string, l: Latency | undefined) => {
		if (!l?.stages) return;
		process.stdout.write(
			`\n${label}: tick→WS p50 ${fmtMs(l.p50)} / p99 ${fmtMs(l.p99)} ms end to end (bench clock: POST sent → frame read); per node, each stage's time since the request reached the gateway (cumulative) and since the stage before (incremental), ms:`,
		);
		process.stdout.write(stageTable(l.stages));
	};
	attributed("embedded (the node runs in the bench's own process)", embLat);
	attributed("cluster (POST to A, WS on B)", (results.cluster as { tickToWs?: Latency } | undefined)?.tickToWs);
	const cpuLines: string[] = [
		`embedded ingest: ${fmtCpu(embTp.cpu)}`,
		`embedded latency: ${fmtCpu(embLat.cpu)}`,
		...(results.cluster ? [`cluster latency: ${fmtCpu((results.cluster as { tickToWs: Latency }).tickToWs.cpu)}`, `cluster ingest: ${fmtCpu((results.cluster as { throughput: Throughput }).throughput.cpu)}`] : []),
	];
	process.stdout.write(`\nCPU (cores busy, per process): ${cpuLines.join("; ")}\n`);
	process.stdout.write(`embedded: missing WS frames ${embLat.missing}, POST errors ${embTp.errors + embLat.errors}\n`);
	const answered = (l: Latency) => (l.postRtt ? `${fmtMs(l.postRtt.p50)} / ${fmtMs(l.postRtt.p99)}` : "-");
	process.stdout.write(`POST answered (ingest acknowledged) p50 / p99 ms: embedded ${answered(embLat)}${results.cluster ? `; cluster ${answered((results.cluster as { tickToWs: Latency }).tickToWs)}` : ""}\n`);
	const loadEnd = round2(os.loadavg()[0]);
	process.stdout.write(`load average (1 min) at start ${facts.loadavg1m}, at end ${loadEnd} on ${facts.cpus} cores (anything else running here skews absolute numbers; ratios less so)\n`);

	const report = {
		when: new Date().toISOString(),
		commit: (() => {
			try {
				return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
			} catch {
				return null;
			}
		})(),
		machine: { ...facts, loadavg1mEnd: loadEnd },
		settings: { throughput: { ...TP, seconds: SECONDS }, latency: { ...LAT, ticksPerSec: LAT_RATE, clusterSeconds: LATENCY_SECONDS, embeddedSeconds: 5 } },
		table: rows,
		results,
		wallSeconds: round2((now() - started) / 1000),
	};
	mkdirSync(path.dirname(RESULTS), { recursive: true });
	writeFileSync(RESULTS, JSON.stringify({ bench: "ingest", figures: figuresOf(results, parseRuns, embRuns, bareRtt), ...report }, null, 2) + "\n");
	process.stdout.write(`\nwrote ${path.relative(ROOT, RESULTS)} (${report.wallSeconds} s)\n`);
}

main().then(
	() => process.exit(0),
	err => {
		process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
		process.exit(1);
	},
);
