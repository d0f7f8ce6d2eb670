/**
 * Alerts benchmark (`npx tsx --expose-gc bench/alerts.ts`; BENCH_SECONDS per timed case, default 5).
 *
 * 1. Rule checks per second on one core: 100,000 price rules over 1,000 symbols (100 a symbol, ops
 *    and thresholds mixed), fed ticks of random symbols through AlertEngine.observe; baseline in the
 *    same run: a bare loop comparing the same 100 numbers a tick with a threshold (the least work a
 *    check can be). Memory per rule: heap growth over the 100,000 rules (after gc).
 * 2. Tick → alert on a WebSocket client, embedded and in a 2-node cluster over real NATS and Redis
 *    (BENCH_ALERTS_CLUSTER=0 skips it): 10,000 rules active (100 symbols × 100),
 *    5,000 ticks/s posted over HTTP in batches every 10 ms; one probe rule crosses on every other
 *    probe tick; latency from the POST of its tick to the alert frame on a client of `alerts:{id}`.
 *    Baseline in the same run: the same ticks' own frames on a client of `ticks:{probe}`.
 * Timings on a shared, loaded machine are noisy: compare the same-run ratios. JSON: bench/results/alerts.json.
 */
import os from "node:os";
import path from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as hdr from "hdr-histogram-js";
import { AlertEngine } from "../lib/alerts/engine.ts";
import { OPS, type AlertRule } from "../lib/alerts/rule.ts";
import { mulberry32 } from "../lib/feed/random.ts";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig, type ServiceName } from "../lib/config/config.ts";
import { startNats, startRedis } from "../test/helpers/servers.ts";
import { WsTestClient } from "../test/helpers/ws-client.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(ROOT, "bench", "results", "alerts.json");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
const rand = mulberry32(16);
const sym = (i: number) => `S${String(i).padStart(4, "0")}`;

// ---- 1. checks per second, memory per rule -------------------------------------------------------
const RULES = 100_000;
const SYMBOLS = 1000;
const PER = RULES / SYMBOLS;
const rule = (id: number, symbol: string): AlertRule => ({
	id: `r${id}`,
	name: `r${id}`,
	owner: "bench",
	condition: { source: "price", symbol, field: "price", op: OPS[id % OPS.length], value: 90 + rand() * 20 },
	severity: "low",
	cooldown_ms: 60_000,
	channels: [{ type: "ws" }],
	created_at: 0,
});
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const engine = new AlertEngine();
let firings = 0;
engine.sink = () => firings++;
for (let i = 0; i < RULES; i++) engine.put(rule(i, sym(i % SYMBOLS)));
gc?.();
const bytesPerRule = (process.memoryUsage().heapUsed - heapBefore) / RULES;

const prices = new Float64Array(SYMBOLS).fill(100);
const ticks = Array.from({ length: 100_000 }, (_, i) => {
	const s = Math.floor(rand() * SYMBOLS);
	prices[s] *= Math.exp((rand() - 0.5) * 0.02);
	return { v: 1, seq: i + 1, ts: i * 10, symbol: sym(s), price: prices[s], size: 1 };
});
function timed(fn: () => number): { perSecond: number } {
	let n = 0;
	const end = performance.now() + SECONDS * 1000;
	const start = performance.now();
	while (performance.now() < end) n += fn();
	return { perSecond: n / ((performance.now() - start) / 1000) };
}
const before = engine.counts.checks;
const checkStart = performance.now();
const checkEnd = checkStart + SECONDS * 1000;
while (performance.now() < checkEnd) for (const t of ticks) engine.observe(t);
const checksPerSecond = (engine.counts.checks - before) / ((performance.now() - checkStart) / 1000);
// Baseline: the same number of comparisons a tick, on a flat array, nothing else.
const thresholds = Float64Array.from({ length: PER }, () => 90 + rand() * 20);
let sink = 0;
const baseline = timed(() => {
	for (const t of ticks) for (let k = 0; k < PER; k++) if (t.price > thresholds[k]) sink++;
	return ticks.length * PER;
});
console.log(
	`rule checks: ${(checksPerSecond / 1e6).toFixed(2)} M/s on one core (${RULES} rules over ${SYMBOLS} symbols; ${firings} firings); bare comparisons: ${(baseline.perSecond / 1e6).toFixed(1)} M/s; ratio ${(checksPerSecond / baseline.perSecond).toFixed(3)}`,
);
console.log(`memory per rule: ${gc ? `${Math.round(bytesPerRule)} B` : "(run with --expose-gc)"}`);

// ---- 2. tick → alert on a WebSocket client --------------------------------------------------------
const LIVE_SYMBOLS = 100;
const LIVE_RULES = 10_000;
const RATE = 5000;
const BATCH_MS = 10;
const PROBE = "PROBE";
const MAX_IN_FLIGHT = 16;
const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const ms = (h: hdr.Histogram, q: number) => h.getValueAtPercentile(q) / 1000;

/**
 * Embedded: one node runs everything. Cluster: node A (gateway, ingest) takes the ticks and the
 * WebSocket clients, node B (symbols, alerts) owns the symbols and checks the rules; real NATS and Redis.
 */
async function live(mode: "embedded" | "cluster") {
	const servers = mode === "cluster" ? await Promise.all([startNats(), startRedis()]) : null;
	const base = defaultConfig();
	const cfg = (nodeId: string, services: ServiceName[]) =>
		mergeConfig(base, {
			port: 0,
			host: "127.0.0.1",
			logLevel: "fatal",
			feed: { type: "none" },
			nodeId,
			services,
			alerts: { system: { ...base.alerts.system, enabled: false } },
			...(servers && { transporter: servers[0].url, redisUrl: servers[1].url }),
		});
	const nodes =
		mode === "embedded"
			? [await createNode(cfg("bench-alerts", ["gateway", "monitor", "ingest", "symbols", "alerts"]))]
			: [await createNode(cfg("bench-alerts-a", ["gateway", "monitor", "ingest"])), await createNode(cfg("bench-alerts-b", ["symbols", "alerts", "monitor"]))];
	await Promise.all(nodes.map(n => n.start()));
	const front = nodes[0];
	const owner = nodes.at(-1)!;
	while (!front.broker.registry.getActionEndpoints("symbols.ingest")?.hasAvailable()) await new Promise(r => setTimeout(r, 50));
	const url = `http://127.0.0.1:${front.port()}`;
	for (let i = 0; i < LIVE_RULES - 1; i++) {
		// Thresholds far from the prices: checked on every tick, never fired.
		await owner.broker.call("alerts.createRule", {
			body: { id: `bench-${i}`, name: `n${i}`, condition: { source: "price", symbol: i % LIVE_SYMBOLS === 0 ? PROBE : sym(i % LIVE_SYMBOLS), op: i % 2 ? "gt" : "lt", value: i % 2 ? 1e9 : -1 } },
		});
	}
	const probe = ((await owner.broker.call("alerts.createRule", { body: { id: "bench-probe", name: "probe", cooldown_ms: 0, condition: { source: "price", symbol: PROBE, op: "crosses_above", value: 100 } } })) as { id: string }).id;
	const ws = `ws://127.0.0.1:${front.port()}/ws`;
	const alertClient = await WsTestClient.connect(ws);
	const tickClient = await WsTestClient.connect(ws);
	alertClient.subscribe(`alerts:${probe}`);
	tickClient.subscribe(`ticks:${PROBE}`);
	await Promise.all([alertClient, tickClient].map(c => c.waitForFrame(f => f.type === "subscribed", "subscribed")));

	const alertLatency = histogram();
	const tickLatency = histogram();
	/** Probe prices are unique: the frame's price names the POST it came from. */
	const sentAt = new Map<number, number>();
	const onFrame = (h: hdr.Histogram, price: (d: { price?: number; inputs?: { price?: number } }) => number | undefined) => (data: Buffer) => {
		const f = JSON.parse(data.toString()) as { type: string; data?: { price?: number; inputs?: { price?: number } } };
		if (f.type !== "update" || !f.data) return;
		const p = price(f.data);
		const t = p === undefined ? undefined : sentAt.get(p);
		if (t !== undefined) h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
	};
	alertClient.ws.on(
		"message",
		onFrame(alertLatency, d => d.inputs?.price),
	);
	tickClient.ws.on(
		"message",
		onFrame(tickLatency, d => d.price),
	);

	let probeN = 0;
	let posted = 0;
	let skipped = 0;
	let inFlight = 0;
	const perBatch = (RATE * BATCH_MS) / 1000;
	let ts = Date.now();
	/** One batch every BATCH_MS whatever the answers take (at most MAX_IN_FLIGHT POSTs open; past that a batch is skipped and counted). */
	const postBatch = () => {
		if (inFlight >= MAX_IN_FLIGHT) return void skipped++;
		ts += BATCH_MS;
		const batch = Array.from({ length: perBatch - 1 }, (_, i) => ({ symbol: sym((posted + i) % LIVE_SYMBOLS), price: 100 + rand(), size: 1, ts }));
		// Every other probe tick crosses 100 upward.
		const probePrice = (probeN % 2 === 0 ? 99 : 101) + probeN * 1e-6;
		probeN++;
		batch.push({ symbol: PROBE, price: probePrice, size: 1, ts });
		sentAt.set(probePrice, performance.now());
		posted += batch.length;
		inFlight++;
		void fetch(`${url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch) })
			.then(async res => {
				if (res.status !== 200) throw new Error(`ticks: HTTP ${res.status}`);
				await res.arrayBuffer();
			})
			.finally(() => inFlight--);
	};
	const timer = setInterval(postBatch, BATCH_MS);
	await new Promise(r => setTimeout(r, SECONDS * 1000));
	clearInterval(timer);
	await new Promise(r => setTimeout(r, 500));
	const r = {
		mode,
		rules: LIVE_RULES,
		ticksPerSecond: Math.round(posted / SECONDS),
		batchesSkipped: skipped,
		alerts: alertLatency.totalCount,
		alertP50Ms: ms(alertLatency, 50),
		alertP99Ms: ms(alertLatency, 99),
		tickFrameP50Ms: ms(tickLatency, 50),
		tickFrameP99Ms: ms(tickLatency, 99),
		p99RatioToTickFrames: ms(alertLatency, 99) / ms(tickLatency, 99),
	};
	console.log(
		`tick → alert on a WS client (${mode}, ${LIVE_RULES} rules, ${r.ticksPerSecond} ticks/s achieved): p50 ${r.alertP50Ms.toFixed(2)} ms, p99 ${r.alertP99Ms.toFixed(2)} ms over ${r.alerts} alerts; the ticks' own frames: p50 ${r.tickFrameP50Ms.toFixed(2)} ms, p99 ${r.tickFrameP99Ms.toFixed(2)} ms; p99 ratio ${r.p99RatioToTickFrames.toFixed(2)}`,
	);
	alertClient.ws.terminate();
	tickClient.ws.terminate();
	for (const n of nodes.reverse()) await n.stop();
	if (servers) await Promise.all(servers.map(x => x.stop()));
	return r;
}

const liveResults = [await live("embedded"), ...(process.env.BENCH_ALERTS_CLUSTER === "0" ? [] : [await live("cluster")])];

mkdirSync(path.dirname(RESULTS), { recursive: true });
writeFileSync(
	RESULTS,
	JSON.stringify(
		{
			date: new Date().toISOString(),
			node: process.version,
			cpus: os.cpus().length,
			cpu: os.cpus()[0]?.model,
			seconds: SECONDS,
			checks: {
				rules: RULES,
				symbols: SYMBOLS,
				checksPerSecond: Math.round(checksPerSecond),
				bareComparisonsPerSecond: Math.round(baseline.perSecond),
				ratio: checksPerSecond / baseline.perSecond,
				bytesPerRule: gc ? Math.round(bytesPerRule) : null,
				sink,
			},
			live: liveResults,
		},
		null,
		2,
	),
);
console.log(`results: ${path.relative(ROOT, RESULTS)}`);
process.exit(0);
