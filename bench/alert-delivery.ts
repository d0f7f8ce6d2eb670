/**
 * Alert delivery benchmark (`npx tsx bench/alert-delivery.ts`). One node in-process running
 * `alert-delivery` (and a stand-in for `alerts.recordDelivery`), a local webhook receiver answering
 * 200 at once, a real redis-server:
 * - deliveries/s: BENCH_N (default 2000) signed webhook POSTs from sendToChannel to the receiver's
 *   200 and the delivered record, in cluster mode (Redis Streams channel + Redis KV) at maxInFlight
 *   16 and 64, and embedded (in-process channel, memory KV) at 16, each run on a fresh node; with
 *   p50/p99 from send to the receiver;
 * - the baselines: Redis XADD of the same message (one awaited at a time, and 16 at a time), the
 *   floor each delivery pays once on the way in; and bare POSTs of the same body to the same
 *   receiver, 16 at a time over keep-alive (node:http, as the sender), the ceiling.
 * BENCH_RUNS (default 3) rounds: each round measures the XADD baseline (1 at a time, 4×BENCH_N) first, then
 * the other measures in an order rotated by one each round, BENCH_N operations each. Every figure is
 * the median of its runs, its ratio the median of each run's ratio to the XADD baseline of the same
 * round. 3 rounds take ~20 s on 2 shared cores (18.5 s measured), about 1.5× the former single
 * round of 3,000 operations each. Ratios to the XADD baseline are what to compare.
 * BENCH_ONLY=embedded|redis runs only those delivery cases. Results: a table on stdout (medians and
 * the runs' min–max) and JSON in bench/results/alert-delivery.json.
 */
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import * as hdr from "hdr-histogram-js";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { ALERT_DELIVERY_CHANNEL, type DeliveryResult } from "../lib/alerts/types.ts";
import { startRedis } from "../test/helpers/servers.ts";
import { alertsRecorder, deliveryMessage } from "../test/helpers/alert-delivery.ts";
import { figure, median, pairedRatio, spread, writeFigures, type Figure } from "./lib/figures.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Operations per measure in each run (deliveries, XADDs, POSTs). */
const N = Number(process.env.BENCH_N ?? 2000);
/** Rounds: each measures the XADD baseline and every case once. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const wall0 = performance.now();

const redis = await startRedis();
const sentAt = new Map<string, number>();
let onReceive: (id: string) => void = () => {};
const receiver = http.createServer((req, res) => {
	req.resume();
	req.on("end", () => {
		onReceive(String(req.headers["x-rookery-delivery"]));
		res.writeHead(200).end();
	});
});
receiver.keepAliveTimeout = 30_000;
await new Promise<void>(r => receiver.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

/** One run of one measure: operations per second and, for deliveries, send → receiver latency. */
interface Result {
	rate: number;
	p50?: number;
	p99?: number;
}
let nodes = 0;

async function deliveries(label: string, redisUrl: string | null, maxInFlight: number): Promise<Result> {
	const base = defaultConfig();
	const results: DeliveryResult[] = [];
	const node = await createNode(
		mergeConfig(base, {
			port: 0,
			host: "127.0.0.1",
			logLevel: "fatal",
			feed: { type: "none" },
			nodeId: `bench-delivery-${nodes++}`,
			services: ["alert-delivery"],
			redisUrl,
			alertDelivery: { ...base.alertDelivery, maxInFlight, allowLoopback: true },
		}),
	);
	node.broker.createService(alertsRecorder(results));
	await node.start();
	const send = (node.broker as unknown as { sendToChannel(c: string, p: unknown): Promise<void> }).sendToChannel.bind(node.broker);
	const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
	const run = `${label.replace(/\W+/g, "-")}-${Date.now()}`;
	let received = 0;
	sentAt.clear();
	const allIn = new Promise<void>(resolve => {
		onReceive = id => {
			const t = sentAt.get(id);
			if (t !== undefined) hist.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
			if (++received === N) resolve();
		};
	});
	const t0 = performance.now();
	for (let i = 0; i < N; i++) {
		const m = deliveryMessage(`${run}-${i}`, { type: "webhook", url, secret: "bench-secret" });
		sentAt.set(m.delivery_id, performance.now());
		await send(ALERT_DELIVERY_CHANNEL, m);
	}
	await allIn;
	while (results.filter(r => r.status === "delivered").length < N) await new Promise(r => setTimeout(r, 5));
	const secs = (performance.now() - t0) / 1000;
	const out = { rate: N / secs, p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000 };
	hist.destroy();
	onReceive = () => {};
	await node.stop();
	return out;
}

/** XADDs/s over `ops` XADDs (the 1-at-a-time baseline takes 4×N: N of them last ~0.1 s, too short to be steady). */
async function xadd(concurrency: number, ops = N): Promise<number> {
	const client = new Redis(redis.url);
	const payload = JSON.stringify(deliveryMessage("xadd-baseline", { type: "webhook", url, secret: "bench-secret" }));
	const stream = `bench.xadd.${concurrency}`;
	await client.del(stream); // every run appends to an empty stream
	let next = 0;
	const t0 = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next++ < ops) await client.xadd(stream, "*", "payload", payload);
		}),
	);
	const rate = ops / ((performance.now() - t0) / 1000);
	client.disconnect();
	return rate;
}

async function barePosts(concurrency: number): Promise<number> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	const body = JSON.stringify(deliveryMessage("post-baseline", { type: "webhook", url, secret: "bench-secret" }));
	const post = () =>
		new Promise<void>((resolve, reject) =>
			http
				.request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, res => res.resume().once("end", resolve))
				.once("error", reject)
				.end(body),
		);
	let next = 0;
	const t0 = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next++ < N) await post();
		}),
	);
	agent.destroy();
	return N / ((performance.now() - t0) / 1000);
}

interface Measure {
	key: string;
	label: string;
	/** In the per-round line on stderr. */
	short: string;
	run(): Promise<Result>;
}
const XADD1 = "Redis XADD of one delivery message, 1 at a time";
const POSTS = "bare POST to the receiver, 16 at a time (no signing, no state)";
const baseline: Measure = { key: "xadd1", label: XADD1, short: "XADD 1", run: async () => ({ rate: await xadd(1, 4 * N) }) };
const cases: Array<[string, string, string | null, number]> = [
	["webhook deliveries, Redis Streams + Redis KV, maxInFlight 16", "Redis 16", redis.url, 16],
	["webhook deliveries, Redis Streams + Redis KV, maxInFlight 64", "Redis 64", redis.url, 64],
	["webhook deliveries, embedded (in-process channel, memory KV), maxInFlight 16", "embedded 16", null, 16],
];
// BENCH_ONLY=embedded|redis runs only those delivery cases (for profiling).
const deliveryCases: Measure[] = cases
	.filter(([, , r]) => !process.env.BENCH_ONLY || (process.env.BENCH_ONLY === "embedded") === (r === null))
	.map(([label, short, redisUrl, inFlight]) => ({ key: label, label, short, run: () => deliveries(label, redisUrl, inFlight) }));
const others: Measure[] = [
	{ key: "posts16", label: POSTS, short: "POST 16", run: async () => ({ rate: await barePosts(16) }) },
	{ key: "xadd16", label: "Redis XADD, 16 at a time", short: "XADD 16", run: async () => ({ rate: await xadd(16) }) },
	...deliveryCases,
];

/** Each round's result of every measure, by key: the XADD baseline first, the others rotated. */
const rounds: Array<Record<string, Result>> = [];
for (let i = 0; i < RUNS; i++) {
	const t0 = performance.now();
	const round: Record<string, Result> = { [baseline.key]: await baseline.run() };
	for (let k = 0; k < others.length; k++) {
		const m = others[(i + k) % others.length];
		round[m.key] = await m.run();
	}
	rounds.push(round);
	const secs = ((performance.now() - t0) / 1000).toFixed(1);
	console.error(`  run ${i + 1} (${secs} s): ${[baseline, ...others].map(m => `${m.short} ${Math.round(round[m.key].rate)}/s`).join(" | ")}`);
}

const runsOf = (key: string, k: keyof Result = "rate") => rounds.map(r => r[key][k] as number);
const xaddRuns = runsOf(baseline.key);
/** Median over runs of the measure's rate ÷ that round's XADD baseline. */
const ratioToXadd = (key: string) => pairedRatio(runsOf(key), xaddRuns);
const row = (m: Measure) => {
	const p50 = rounds[0][m.key].p50 === undefined ? null : +median(runsOf(m.key, "p50")).toFixed(2);
	const p99 = rounds[0][m.key].p99 === undefined ? null : +median(runsOf(m.key, "p99")).toFixed(2);
	return { case: m.label, "ops/s (median)": Math.round(median(runsOf(m.key))), "min–max": spread(runsOf(m.key), x => String(Math.round(x))), "p50 ms": p50, "p99 ms": p99, "× XADD (1 at a time)": +ratioToXadd(m.key).toFixed(3) };
};
const rows = [baseline, ...others].map(row);

const figures: Figure[] = [];
const xaddBaseline = { name: "Redis XADD of one delivery message, awaited one at a time", unit: "msg/s", runs: xaddRuns };
for (const m of deliveryCases) figures.push(figure({ name: `${m.label} (${N} a run)`, unit: "deliveries/s", runs: runsOf(m.key), baseline: xaddBaseline }));
figures.push(figure({ name: "bare POSTs to the same receiver, 16 at a time (the ceiling)", unit: "req/s", runs: runsOf("posts16"), baseline: xaddBaseline }));
console.table(rows);
const file = writeFigures(ROOT, "alert-delivery", figures, {
	node: process.version,
	cpus: os.cpus().length,
	cpu: os.cpus()[0]?.model,
	loadavg: os.loadavg(),
	n: N,
	runs: RUNS,
	wallSeconds: Math.round((performance.now() - wall0) / 100) / 10,
	note: "deliveries/s counts from the first send to the last delivered record; sends are awaited one at a time (XADD each); p50/p99 in rows include the wait behind queued messages; rows are medians over runs (ops/s min–max), × XADD the median of per-run ratios",
	rows,
	rounds,
});
console.log(`written ${path.relative(ROOT, file)}`);
receiver.closeAllConnections();
receiver.close();
await redis.stop();
