/**
 * Events speed (issue 15, docs/events.md "Benchmark"), every server node a child process
 * (test/helpers/node-process.ts) and this process only the client (pre-built POST bodies, the WS
 * reader), each figure the median of RUNS runs against a baseline measured in the same run:
 * - events accepted/s through `POST /api/v1/events` (5,000-event batches, 4 in flight) on an embedded
 *   node (memory store, no feed), against ticks accepted/s through `POST /api/v1/ticks` (5,000-tick
 *   batches) on the same kind of node; each run on fresh nodes; the node's CPU µs per accepted item;
 * - the same into node A of a 2-node cluster over real NATS + Redis (both nodes run every service, as
 *   in bench/ingest.ts), events against ticks, alternated on the same nodes;
 * - event → WS latency at 10,000 events/s (100-event batches every 10 ms, open loop), embedded and in
 *   the cluster (POST to A, WS client on B), against tick → WS at the same rate on the same nodes.
 * Warm-ups are discarded. Writes bench/results/events.json (figures shape, bench/README.md).
 * Knobs (env): BENCH_RUNS (default 3), BENCH_SECONDS (measured seconds per phase, default 5),
 * BENCH_CLUSTER=0 skips the cluster.
 */
import os from "node:os";
import { startNode, ROOT, type RookeryNodeProcess } from "../test/helpers/node-process.ts";
import { startNats, startRedis, type TestServer } from "../test/helpers/servers.ts";
import { figure, median, writeFigures, type Figure } from "./lib/figures.ts";
import { CpuMeter, findPid, round2 } from "./lib/cpu.ts";
import { saturate, ticksBody, type Posted, type Throughput } from "./lib/load.ts";
import { postToWs, tickRanges, type Latency, type SeqRange } from "./lib/ws-latency.ts";
import { activate, waitForRing, type Member } from "./lib/cluster.ts";
import { benchNodeArgs } from "./lib/node-args.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WITH_CLUSTER = process.env.BENCH_CLUSTER !== "0";
const EMBEDDED_SERVICES = "gateway,monitor,ingest,symbols,events,analytics";
/** Throughput: the largest batch either endpoint takes, 4 POSTs in flight. */
const TP = { batch: 5000, concurrency: 4, warmupMs: 2000, seconds: SECONDS };
/** Latency: 10,000 items/s as 100-item batches every 10 ms; a longer warm-up for fresh cluster nodes. */
const LAT = { batch: 100, intervalMs: 10, warmupMs: 2000, clusterWarmupMs: 3000, durationMs: SECONDS * 1000 };
const LAT_RATE = (LAT.batch * 1000) / LAT.intervalMs;
const SYMBOLS = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);
const EVENT_TOPIC = "events:performance_metric";

const say = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

// ---------------------------------------------------------------------------------------------
// Bodies and answers

function eventsBody(n: number, ts: number, seed: number): Buffer {
	const events = [];
	for (let i = 0; i < n; i++) {
		const k = seed + i;
		events.push({ type: "performance_metric", entity: `svc${k % 10}`, ts, data: { metric_name: `lat.svc${k % 10}`, value: (k * 7919) % 1000 } });
	}
	return Buffer.from(JSON.stringify(events));
}

const eventsAccepted = (r: Posted) => (r.status === 201 ? (JSON.parse(r.text) as { items: unknown[] }).items.length : 0);
const ticksAccepted = (r: Posted) => (r.status === 200 ? (JSON.parse(r.text) as { accepted: number }).accepted : 0);
const eventRanges = (answer: string): SeqRange[] => (JSON.parse(answer) as { items: Array<{ seq: number; type: string }> }).items.map(e => [`events:${e.type}`, e.seq, e.seq]);

/** 8 bodies of `TP.batch` items, stamped now (a run lasts far less than the 60 s retention of performance_metric). */
const eventBodies = () => Array.from({ length: 8 }, (_, k) => eventsBody(TP.batch, Date.now(), k * TP.batch));
const tickBodies = (symbols: string[]) => Array.from({ length: 8 }, (_, k) => ticksBody(symbols, TP.batch, Date.now(), k * TP.batch));

// ---------------------------------------------------------------------------------------------
// Measures

interface Pair {
	events: Throughput;
	ticks: Throughput;
	/** CPU µs per accepted event / tick, of the processes named in `cpuOf`. */
	usPerEvent: number;
	usPerTick: number;
}

const usPer = (t: Throughput, names: string[]) => (names.reduce((s, n) => s + (t.cpuSeconds[n] ?? NaN), 0) * 1e6) / t.ticks;

async function saturateEvents(port: number, cpu: CpuMeter): Promise<Throughput> {
	return saturate({ port, path: "/api/v1/events", bodies: eventBodies(), accepted: eventsAccepted, cpu, ...TP });
}

async function saturateTicks(port: number, symbols: string[], cpu: CpuMeter): Promise<Throughput> {
	return saturate({ port, path: "/api/v1/ticks", bodies: tickBodies(symbols), accepted: ticksAccepted, cpu, ...TP });
}

/** A fresh embedded node (memory store, no feed) for one measure, its CPU tracked as `node`. */
async function withEmbedded<T>(id: string, cpu: CpuMeter, fn: (node: RookeryNodeProcess) => Promise<T>): Promise<T> {
	const node = await startNode({ nodeId: id, services: EMBEDDED_SERVICES, env: { HOST: "127.0.0.1" }, nodeArgs: benchNodeArgs(id) });
	cpu.track("node", node.proc.pid!);
	try {
		return await fn(node);
	} catch (err) {
		process.stderr.write(node.output());
		throw err;
	} finally {
		cpu.untrack("node");
		await node.stop();
	}
}

function latencyRuns(opts: { postPort: number; wsPort: number; symbols: string[]; warmupMs: number; cpu: CpuMeter }) {
	const { symbols } = opts;
	let batches = 0;
	const common = { postPort: opts.postPort, wsPort: opts.wsPort, batch: LAT.batch, intervalMs: LAT.intervalMs, warmupMs: opts.warmupMs, durationMs: LAT.durationMs, cpu: opts.cpu };
	return {
		events: () => postToWs({ ...common, path: "/api/v1/events", topics: [EVENT_TOPIC], body: () => eventsBody(LAT.batch, Date.now(), batches++ * LAT.batch), ranges: eventRanges }),
		ticks: () => postToWs({ ...common, path: "/api/v1/ticks", topics: symbols.map(s => `ticks:${s}`), body: () => ticksBody(symbols, LAT.batch, Date.now(), batches++ * LAT.batch), ranges: tickRanges }),
	};
}

/** RUNS runs of event→WS and tick→WS, alternating which goes first. */
async function latencyPairs(label: string, measure: ReturnType<typeof latencyRuns>): Promise<Array<{ events: Latency; ticks: Latency }>> {
	const out: Array<{ events: Latency; ticks: Latency }> = [];
	for (let r = 0; r < RUNS; r++) {
		const run = async (what: "events" | "ticks") => {
			say(`${label}: ${what === "events" ? "event" : "tick"}→WS at ${fmt(LAT_RATE)}/s, run ${r + 1} of ${RUNS}…`);
			const l = await measure[what]();
			say(`  p50 ${l.p50} / p99 ${l.p99} ms, ${fmt(l.samples)} samples, ${l.missing} missing frames, ${l.errors} POST errors, ${fmt(l.ratePerSec)}/s accepted`);
			return l;
		};
		if (r % 2 === 0) {
			const events = await run("events");
			out.push({ events, ticks: await run("ticks") });
		} else {
			const ticks = await run("ticks");
			out.push({ events: await run("events"), ticks });
		}
	}
	return out;
}

const showTp = (what: string, t: Throughput, us: number) => say(`  ${what}: ${fmt(t.ticksPerSec)}/s (${t.errors} errors), ${us.toFixed(2)} CPU µs each; cores busy ${JSON.stringify(t.cpu)}`);

// ---------------------------------------------------------------------------------------------

async function embedded(cpu: CpuMeter) {
	const latency = await withEmbedded("bench-events-lat", cpu, node => latencyPairs("embedded", latencyRuns({ postPort: node.port, wsPort: node.port, symbols: SYMBOLS("EL"), warmupMs: LAT.warmupMs, cpu })));
	const throughput: Pair[] = [];
	for (let r = 0; r < RUNS; r++) {
		say(`embedded: events and ticks accepted/s, ${TP.batch}-item batches, ${TP.concurrency} in flight, ${TP.warmupMs / 1000} s warm-up + ${SECONDS} s, fresh nodes (run ${r + 1} of ${RUNS})…`);
		const events = await withEmbedded(`bench-events-e${r}`, cpu, node => saturateEvents(node.port, cpu));
		const ticks = await withEmbedded(`bench-events-t${r}`, cpu, node => saturateTicks(node.port, SYMBOLS("EMB"), cpu));
		const pair = { events, ticks, usPerEvent: usPer(events, ["node"]), usPerTick: usPer(ticks, ["node"]) };
		showTp("events", events, pair.usPerEvent);
		showTp("ticks", ticks, pair.usPerTick);
		throughput.push(pair);
	}
	return { latency, throughput };
}

async function cluster(cpu: CpuMeter) {
	say(`cluster: starting redis-server, nats-server -js and 2 nodes (every service on each)…`);
	const servers: TestServer[] = [];
	const nodes: RookeryNodeProcess[] = [];
	try {
		const [redis, nats] = await Promise.all([startRedis(), startNats()]);
		servers.push(redis, nats);
		nodes.push(...(await Promise.all(["bench-a", "bench-b"].map(nodeId => startNode({ nodeId, transporter: nats.url, redisUrl: redis.url, env: { HOST: "127.0.0.1" }, nodeArgs: benchNodeArgs(nodeId) })))));
		const [a, b]: Member[] = nodes.map(n => ({ id: n.nodeId, port: n.port }));
		cpu.track("nodeA", nodes[0].proc.pid!);
		cpu.track("nodeB", nodes[1].proc.pid!);
		const redisPid = findPid(`redis-server 127.0.0.1:${redis.port}`);
		const natsPid = findPid(`nats-server -a 127.0.0.1 -p ${nats.port} `);
		if (redisPid) cpu.track("redis", redisPid);
		if (natsPid) cpu.track("nats", natsPid);
		await waitForRing([a, b]);
		const latSymbols = SYMBOLS("CL");
		const tpSymbols = SYMBOLS("CT");
		const owners = { ...(await activate(a, b, latSymbols)), ...(await activate(a, b, tpSymbols)) };

		const latency = await latencyPairs(`cluster (POST to ${a.id}, WS on ${b.id})`, latencyRuns({ postPort: a.port, wsPort: b.port, symbols: latSymbols, warmupMs: LAT.clusterWarmupMs, cpu }));
		const all = ["nodeA", "nodeB", "redis", "nats"];
		const throughput: Pair[] = [];
		for (let r = 0; r < RUNS; r++) {
			say(`cluster: events and ticks accepted/s into ${a.id}, ${TP.batch}-item batches, ${TP.concurrency} in flight (run ${r + 1} of ${RUNS})…`);
			const first = r % 2 === 0 ? "events" : "ticks";
			const one = (what: string) => (what === "events" ? saturateEvents(a.port, cpu) : saturateTicks(a.port, tpSymbols, cpu));
			const x = await one(first);
			const y = await one(first === "events" ? "ticks" : "events");
			const [events, ticks] = first === "events" ? [x, y] : [y, x];
			const pair = { events, ticks, usPerEvent: usPer(events, all), usPerTick: usPer(ticks, all) };
			showTp("events", events, pair.usPerEvent);
			showTp("ticks", ticks, pair.usPerTick);
			throughput.push(pair);
		}
		return { owners, latency, throughput };
	} catch (err) {
		for (const n of nodes) process.stderr.write(n.output());
		throw err;
	} finally {
		await Promise.all(nodes.map(n => n.stop()));
		await Promise.all(servers.map(s => s.stop()));
	}
}

// ---------------------------------------------------------------------------------------------

type LatPairs = Array<{ events: Latency; ticks: Latency }>;

function latencyFigures(mode: string, pairs: LatPairs, maxP99: number): Figure[] {
	// The goal counts only if every run carried the offered rate and lost no frame.
	const whole = pairs.every(p => p.events.ratePerSec >= 0.95 * LAT_RATE && p.events.missing === 0);
	return (["p50", "p99"] as const).map(k =>
		figure({
			name: `${mode}: event→WS ${k} @${fmt(LAT_RATE)} events/s (${LAT.batch}-event POSTs every ${LAT.intervalMs} ms)`,
			unit: "ms",
			runs: pairs.map(p => p.events[k]),
			baseline: { name: `tick→WS ${k}, same rate, same nodes`, unit: "ms", runs: pairs.map(p => p.ticks[k]) },
			...(k === "p99" ? { goal: { text: `p99 < ${maxP99} ms`, valueMax: whole ? maxP99 : -1 } } : {}),
		}),
	);
}

function throughputFigures(mode: string, pairs: Pair[], goal: Parameters<typeof figure>[0]["goal"], cpuOf: string): Figure[] {
	return [
		figure({
			name: `${mode}: events accepted/s, POST /api/v1/events (${fmt(TP.batch)}-event batches, ${TP.concurrency} in flight)`,
			unit: "events/s",
			runs: pairs.map(p => p.events.ticksPerSec),
			baseline: { name: `ticks accepted/s, POST /api/v1/ticks (${fmt(TP.batch)}-tick batches), same way`, unit: "ticks/s", runs: pairs.map(p => p.ticks.ticksPerSec) },
			goal,
		}),
		figure({
			name: `${mode}: CPU µs per accepted event (${cpuOf})`,
			unit: "µs",
			runs: pairs.map(p => p.usPerEvent),
			baseline: { name: "CPU µs per accepted tick", unit: "µs", runs: pairs.map(p => p.usPerTick) },
		}),
	];
}

async function main(): Promise<void> {
	const started = performance.now();
	const load0 = round2(os.loadavg()[0]);
	say(`events bench: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}; load average ${load0}`);
	const cpu = new CpuMeter();
	const emb = await embedded(cpu);
	const cl = WITH_CLUSTER ? await cluster(cpu) : null;
	const figures = [
		...throughputFigures("embedded", emb.throughput, { text: "≥ 200,000 events/s", valueMin: 200_000 }, "the node process"),
		...latencyFigures("embedded", emb.latency, 10),
		...(cl ? [...throughputFigures("cluster, into A", cl.throughput, { text: "≥ 0.5× cluster tick ingest", ratioMin: 0.5 }, "nodes A + B, Redis, NATS"), ...latencyFigures("cluster, POST to A, WS on B", cl.latency, 20)] : []),
	];
	for (const f of figures)
		say(`${f.name}: ${f.value} ${f.unit} (runs ${f.runs.join(", ")})${f.baseline ? `; ${f.baseline.name} ${f.baseline.value} ${f.baseline.unit}, ratio ${f.ratio}` : ""}${f.goal ? `; ${f.goal} ${f.met ? "MET" : "NOT MET"}` : ""}`);
	const load1 = round2(os.loadavg()[0]);
	const lat = (pairs: LatPairs) => pairs.map(p => ({ events: p.events, ticks: p.ticks }));
	const file = writeFigures(ROOT, "events", figures, {
		machine: { cpus: os.cpus().length, node: process.version, loadavg1m: load0, loadavg1mEnd: load1 },
		settings: { runs: RUNS, throughput: TP, latency: { ...LAT, ratePerSec: LAT_RATE }, embeddedServices: EMBEDDED_SERVICES },
		embedded: { throughput: emb.throughput, latency: lat(emb.latency), medianUsPerEvent: median(emb.throughput.map(p => p.usPerEvent)) },
		...(cl ? { cluster: { owners: cl.owners, throughput: cl.throughput, latency: lat(cl.latency) } } : {}),
		wallSeconds: round2((performance.now() - started) / 1000),
	});
	say(`load average ${load0} → ${load1}; wrote ${file}`);
}

main().then(
	() => process.exit(0),
	err => {
		process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
		process.exit(1);
	},
);
