/**
 * Alert delivery benchmark (`npx tsx bench/alert-delivery.ts`; BENCH_N deliveries per case, default
 * 3000). One node in-process running `alert-delivery` (and a stand-in for `alerts.recordDelivery`),
 * a local webhook receiver answering 200 at once, a real redis-server:
 * - deliveries/s: N signed webhook POSTs from sendToChannel to the receiver's 200 and the delivered
 *   record, in cluster mode (Redis Streams channel + Redis KV) at maxInFlight 16 and 64, and
 *   embedded (in-process channel, memory KV) at 16; with p50/p99 from send to the receiver;
 * - the baselines of the same run: Redis XADD of the same message (one awaited at a time, and 16 at
 *   a time), the floor each delivery pays once on the way in; and bare POSTs of the same body to
 *   the same receiver, 16 at a time over keep-alive (node:http, as the sender), the ceiling.
 * Ratios to the XADD baseline are what to compare. Results: a table on stdout and JSON in
 * bench/results/alert-delivery.json.
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
import { figure, writeFigures, type Figure } from "./lib/figures.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const N = Number(process.env.BENCH_N ?? 3000);

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

type Row = { case: string; "ops/s": number; "p50 ms": number | null; "p99 ms": number | null; "× XADD (1 at a time)": number };
const rows: Row[] = [];

async function deliveries(label: string, redisUrl: string | null, maxInFlight: number): Promise<{ rate: number; p50: number; p99: number }> {
	const base = defaultConfig();
	const results: DeliveryResult[] = [];
	const node = await createNode(
		mergeConfig(base, {
			port: 0,
			host: "127.0.0.1",
			logLevel: "fatal",
			feed: { type: "none" },
			nodeId: `bench-delivery-${rows.length}`,
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
	await node.stop();
	return out;
}

async function xadd(concurrency: number): Promise<number> {
	const client = new Redis(redis.url);
	const payload = JSON.stringify(deliveryMessage("xadd-baseline", { type: "webhook", url, secret: "bench-secret" }));
	const stream = `bench.xadd.${concurrency}`;
	let next = 0;
	const t0 = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next++ < N) await client.xadd(stream, "*", "payload", payload);
		}),
	);
	const rate = N / ((performance.now() - t0) / 1000);
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

const posts16 = await barePosts(16);
const xadd1 = await xadd(1);
const xadd16 = await xadd(16);
const cases: Array<[string, string | null, number]> = [
	["webhook deliveries, Redis Streams + Redis KV, maxInFlight 16", redis.url, 16],
	["webhook deliveries, Redis Streams + Redis KV, maxInFlight 64", redis.url, 64],
	["webhook deliveries, embedded (in-process channel, memory KV), maxInFlight 16", null, 16],
];
rows.push({ case: "Redis XADD of one delivery message, 1 at a time", "ops/s": Math.round(xadd1), "p50 ms": null, "p99 ms": null, "× XADD (1 at a time)": 1 });
rows.push({ case: "bare POST to the receiver, 16 at a time (no signing, no state)", "ops/s": Math.round(posts16), "p50 ms": null, "p99 ms": null, "× XADD (1 at a time)": +(posts16 / xadd1).toFixed(2) });
rows.push({ case: "Redis XADD, 16 at a time", "ops/s": Math.round(xadd16), "p50 ms": null, "p99 ms": null, "× XADD (1 at a time)": +(xadd16 / xadd1).toFixed(2) });
const figures: Figure[] = [];
const xaddBaseline = { name: "Redis XADD of one delivery message, awaited one at a time", unit: "msg/s", runs: [xadd1] };
// BENCH_ONLY=embedded|redis runs only those delivery cases (for profiling).
for (const [label, redisUrl, inFlight] of cases.filter(([, r]) => !process.env.BENCH_ONLY || (process.env.BENCH_ONLY === "embedded") === (r === null))) {
	const r = await deliveries(label, redisUrl, inFlight);
	rows.push({ case: label, "ops/s": Math.round(r.rate), "p50 ms": +r.p50.toFixed(2), "p99 ms": +r.p99.toFixed(2), "× XADD (1 at a time)": +(r.rate / xadd1).toFixed(3) });
	figures.push(figure({ name: `${label} (${N})`, unit: "deliveries/s", runs: [r.rate], baseline: xaddBaseline }));
}
figures.push(figure({ name: "bare POSTs to the same receiver, 16 at a time (the ceiling)", unit: "req/s", runs: [posts16], baseline: xaddBaseline }));
console.table(rows);
const file = writeFigures(ROOT, "alert-delivery", figures, {
	node: process.version,
	cpus: os.cpus().length,
	cpu: os.cpus()[0]?.model,
	loadavg: os.loadavg(),
	n: N,
	note: "deliveries/s counts from the first send to the last delivered record; sends are awaited one at a time (XADD each); p50/p99 in rows include the wait behind queued messages",
	rows,
});
console.log(`written ${path.relative(ROOT, file)}`);
receiver.closeAllConnections();
receiver.close();
await redis.stop();
