/**
 * Gateway benchmark, each against a bare baseline in the same run:
 *  1. REST `GET /api/v1/symbols/AAPL/latest` (auth + in-memory rate limit + routing; answered from
 *     the gateway's quote cache, as in production) vs a bare node:http server answering the same
 *     JSON: req/s, p50 and p99 over keep-alive connections. The load comes from a separate process
 *     (bench/http-load.ts), the same for every server; REST_RUNS runs each (default 5), rotating
 *     which goes first, median reported. Also the gateway with the quote cache off (every read
 *     calls the symbol's actor), and moleculer-web alone (default broker, trivial action). Meanwhile
 *     TICK_RATE ticks/s (default 100) go into AAPL on both gateway nodes, as a live symbol gets them:
 *     each one empties the gateway's cached quote, so some reads are misses.
 *  2. WS fan-out of one topic (100 messages, 5 ms apart) to 2,000 connections vs a bare `ws`
 *     broadcast loop: deliveries/s and p99 publish→receive latency. Both sets of clients stay open;
 *     after one unmeasured fan-out of each (warm-up), WS_RUNS rounds (default BENCH_RUNS, 3) of one
 *     fan-out each, rotating which goes first; the figure keeps each round, with the round's bare
 *     server as the baseline.
 *  3. Idle WS connections: memory per connection, and how many fit in 1 GB.
 * WS clients share this process with the servers (2 cores): numbers are for comparison, not capacity.
 * Run: npm run bench:gateway (ONLY=rest for the REST part; REST_SECONDS, REST_RUNS, CONCURRENCY,
 * CLIENTS, WS_RUNS). About 2.5 min with the defaults on 2 shared cores: REST ~1.5 min (4 servers ×
 * 6 loads of 3 s, each in a fresh process), WS ~50 s (4,000 clients opened, the warm-up, then 3
 * rounds of one 200,000-delivery fan-out per server, 6–10 s each). One WS round took ~20 s, the
 * whole bench ~2 min.
 * Results: a table on stdout and JSON in bench/results/gateway.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocket, WebSocketServer } from "ws";
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { createNode } from "../runtime/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { DEFAULT_TIERS } from "../lib/auth/tiers.ts";
import { figure, pairedRatio, spread } from "./lib/figures.ts";

const REST_SECONDS = Number(process.env.REST_SECONDS ?? 3);
const REST_RUNS = Number(process.env.REST_RUNS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const LOAD_SCRIPT = fileURLToPath(new URL("./http-load.ts", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/gateway.json", import.meta.url));
const CLIENTS = Number(process.env.CLIENTS ?? 2000);
/** Ticks per second into AAPL on both gateway nodes while REST is measured: each one empties the quote cache. */
const TICK_RATE = Number(process.env.TICK_RATE ?? 100);
const FANOUT_MESSAGES = 100;
/** Rounds of WS fan-out, each one of the gateway and one of the bare server (rotating which goes first). */
const WS_RUNS = Number(process.env.WS_RUNS ?? process.env.BENCH_RUNS ?? 3);

const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface LoadResult {
	rps: number;
	p50: number;
	p99: number;
	errors: number;
	/** CPU time of this process (where the servers run) per request answered: robust to other load on the machine. */
	cpuUs: number;
}

/** One run of the load generator in its own process (bench/http-load.ts) against `url`. */
function restLoad(url: string): Promise<LoadResult> {
	const cpu0 = process.cpuUsage();
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ["--import", "tsx", LOAD_SCRIPT, url, String(CONCURRENCY), String(REST_SECONDS)], { stdio: ["ignore", "pipe", "inherit"] });
		let out = "";
		child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
		child.on("error", reject);
		child.on("close", code => {
			if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
			const r = JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult & { requests: number; statuses: Record<string, number> };
			if (r.errors) return reject(new Error(`${r.errors} failed requests against ${url}: ${JSON.stringify(r.statuses)}`));
			const cpu = process.cpuUsage(cpu0);
			resolve({ ...r, cpuUs: (cpu.user + cpu.system) / r.requests });
		});
	});
}

const median = (xs: number[]) => pct(xs, 50);

type Target = "gw" | "bare" | "nocache" | "mweb";
const TARGET_NAMES: Record<Target, string> = { gw: "gateway", bare: "bare", nocache: "gateway, quote cache off", mweb: "moleculer-web alone" };

/** Each server's median of every measure, and the rounds they come from (one run of each server a round). */
type RestResult = Record<Target, LoadResult> & { runs: Array<Record<Target, LoadResult>> };

/** `REST_RUNS` runs per server, rotating which goes first; the median of each measure. */
async function restCompare(urls: Record<Target, string>): Promise<RestResult> {
	const targets = Object.keys(urls) as Target[];
	for (const t of targets) await restLoad(urls[t]); // warm-up (JIT, connection pools)
	const runs: Array<Record<Target, LoadResult>> = [];
	for (let i = 0; i < REST_RUNS; i++) {
		const run = {} as Record<Target, LoadResult>;
		for (let k = 0; k < targets.length; k++) {
			const t = targets[(i + k) % targets.length];
			run[t] = await restLoad(urls[t]);
		}
		runs.push(run);
		const line = (x: LoadResult) => `${Math.round(x.rps)} req/s p99 ${x.p99.toFixed(2)} ms ${x.cpuUs.toFixed(0)} µs CPU/req`;
		console.error(`  run ${i + 1}: ${targets.map(t => `${TARGET_NAMES[t]} ${line(run[t])}`).join(" | ")}`);
	}
	const med = (t: Target): LoadResult => ({ rps: median(runs.map(r => r[t].rps)), p50: median(runs.map(r => r[t].p50)), p99: median(runs.map(r => r[t].p99)), errors: 0, cpuUs: median(runs.map(r => r[t].cpuUs)) });
	return Object.assign(Object.fromEntries(targets.map(t => [t, med(t)])) as Record<Target, LoadResult>, { runs });
}

/**
 * The floor for any Moleculer gateway: moleculer-web on a default broker (no metrics, no timeout)
 * calling an action that returns the same object.
 */
async function moleculerWebAlone(body: unknown): Promise<{ url: string; stop(): Promise<void> }> {
	const broker = new ServiceBroker({ logger: false, nodeID: "bench-mweb" });
	broker.createService({ name: "quotes", actions: { latest: { params: { symbol: "string" }, handler: () => body } } });
	broker.createService({
		name: "api",
		mixins: [ApiGateway as never],
		settings: { port: 0, ip: "127.0.0.1", logRequest: false, logResponse: false, routes: [{ path: "/api/v1", mappingPolicy: "restrict", aliases: { "GET symbols/:symbol/latest": "quotes.latest" } }] },
	});
	await broker.start();
	const port = ((broker.getLocalService("api") as unknown as { server: http.Server }).server.address() as { port: number }).port;
	return { url: `http://127.0.0.1:${port}/api/v1/symbols/AAPL/latest`, stop: () => broker.stop() };
}

async function openClients(url: string, n: number, onMessage: (text: string) => void, subscribe?: string): Promise<WebSocket[]> {
	const out: WebSocket[] = [];
	for (let i = 0; i < n; i += 200) {
		await Promise.all(
			Array.from({ length: Math.min(200, n - i) }, async () => {
				const ws = new WebSocket(url, { perMessageDeflate: false });
				ws.on("message", d => onMessage(d.toString()));
				await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
				if (subscribe) ws.send(JSON.stringify({ op: "subscribe", topics: [subscribe] }));
				out.push(ws);
			}),
		);
	}
	return out;
}

interface FanoutResult {
	perSec: number;
	p99: number;
}

/** `messages` publishes 5 ms apart, until every client has every one: `lat` gets each delivery's latency. */
async function fanout(publish: (t: number) => void, messages: number, lat: number[]): Promise<FanoutResult> {
	const t0 = performance.now();
	for (let i = 0; i < messages; i++) {
		publish(performance.now());
		await new Promise(r => setTimeout(r, 5));
	}
	while (lat.length < CLIENTS * messages) await new Promise(r => setTimeout(r, 5));
	return { perSec: lat.length / ((performance.now() - t0) / 1000), p99: pct(lat, 99) };
}

type WsTarget = "gw" | "bare";
/** Each server's median deliveries/s and p99, and the rounds they come from (one fan-out of each a round). */
type WsResult = Record<WsTarget, FanoutResult> & { runs: Array<Record<WsTarget, FanoutResult>>; idleBytesPerConn: number };

const r = (x: number) => Math.round(x).toLocaleString("en-US");
const f = (x: number) => x.toFixed(2);

function printRest(rest: Record<Target, LoadResult>): void {
	const { gw, bare } = rest;
	console.log(`\n| measure | gateway | bare | ratio | gateway, quote cache off (ratio to bare) | moleculer-web alone (ratio to bare) |\n|---|---|---|---|---|---|`);
	const row = (name: string, k: "rps" | "p50" | "p99" | "cpuUs", fmt: (x: number) => string) =>
		console.log(`| ${name} | ${fmt(gw[k])} | ${fmt(bare[k])} | ${f(gw[k] / bare[k])}× | ${fmt(rest.nocache[k])} (${f(rest.nocache[k] / bare[k])}×) | ${fmt(rest.mweb[k])} (${f(rest.mweb[k] / bare[k])}×) |`);
	row(`REST latest req/s (${CONCURRENCY} keep-alive conns, median of ${REST_RUNS})`, "rps", r);
	row("REST latest p50 ms", "p50", f);
	row("REST latest p99 ms", "p99", f);
	row("REST server CPU µs per request", "cpuUs", r);
}

function writeResults(rest: RestResult, quoteCacheHitRatio: number, ws?: WsResult): void {
	mkdirSync(path.dirname(RESULTS), { recursive: true });
	const ratios = {
		restRps: rest.gw.rps / rest.bare.rps,
		restP99: rest.gw.p99 / rest.bare.p99,
		restNoCacheRps: rest.nocache.rps / rest.bare.rps,
		moleculerWebAloneRps: rest.mweb.rps / rest.bare.rps,
		// As the figure: the median of each round's gateway ÷ the same round's bare ws server.
		...(ws
			? {
					wsDeliveries: pairedRatio(
						ws.runs.map(x => x.gw.perSec),
						ws.runs.map(x => x.bare.perSec),
					),
					wsP99: pairedRatio(
						ws.runs.map(x => x.gw.p99),
						ws.runs.map(x => x.bare.p99),
					),
				}
			: {}),
	};
	const figures = [
		figure({
			name: `REST latest req/s (${CONCURRENCY} keep-alive conns, median of ${REST_RUNS})`,
			unit: "req/s",
			// Each round's gateway against the bare server of the same round: the ratio is their median.
			runs: rest.runs.map(x => x.gw.rps),
			baseline: { name: "bare node:http", unit: "req/s", runs: rest.runs.map(x => x.bare.rps) },
			goal: { text: "≥ 0.7× bare node:http", ratioMin: 0.7 },
		}),
		figure({ name: "REST latest p99", unit: "ms", runs: rest.runs.map(x => x.gw.p99), baseline: { name: "bare node:http p99", unit: "ms", runs: rest.runs.map(x => x.bare.p99) } }),
		...(ws
			? [
					figure({
						name: `WebSocket deliveries (${CLIENTS} conns × ${FANOUT_MESSAGES} msgs, median of ${WS_RUNS})`,
						unit: "msg/s",
						// Each round's gateway against the bare ws server of the same round.
						runs: ws.runs.map(x => x.gw.perSec),
						baseline: { name: "bare ws", unit: "msg/s", runs: ws.runs.map(x => x.bare.perSec) },
					}),
				]
			: []),
	];
	writeFileSync(
		RESULTS,
		JSON.stringify(
			{
				bench: "gateway",
				figures,
				date: new Date().toISOString(),
				node: process.version,
				cpus: os.cpus().length,
				cpu: os.cpus()[0]?.model,
				concurrency: CONCURRENCY,
				restRuns: REST_RUNS,
				restSeconds: REST_SECONDS,
				clients: CLIENTS,
				fanoutMessages: FANOUT_MESSAGES,
				wsRuns: WS_RUNS,
				tickRate: TICK_RATE,
				quoteCacheHitRatio,
				rest,
				ws,
				ratios,
			},
			null,
			2,
		),
	);
	console.log(`written ${path.relative(process.cwd(), RESULTS)}`);
}

async function main() {
	const tiers = structuredClone(DEFAULT_TIERS);
	tiers.internal = { ...tiers.internal, ratePerSecond: 1e7, burst: 1e8 }; // the limiter runs, never refuses
	const startGateway = async (nodeId: string, quoteCacheMs: number) => {
		const n = await createNode(
			mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "warn", feed: { type: "none" }, nodeId, services: ["gateway", "ingest", "symbols", "monitor"], auth: { tiers } as never, http: { quoteCacheMs } as never }),
		);
		await n.start();
		const url = `http://127.0.0.1:${n.port()}`;
		await fetch(`${url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ symbol: "AAPL", price: 190.5, size: 100, ts: 1_795_000_000_000 }) });
		return { n, url };
	};
	const { n: node, url: base } = await startGateway("bench-gw", defaultConfig().http.quoteCacheMs);
	const noCache = await startGateway("bench-gw-nocache", 0);
	const latest = await (await fetch(`${base}/api/v1/symbols/AAPL/latest`)).text();
	if ((await (await fetch(`${noCache.url}/api/v1/symbols/AAPL/latest`)).text()) !== latest) throw new Error("the two gateways answer differently");
	const bare = http.createServer((_req, res) => {
		res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(latest) });
		res.end(latest);
	});
	await new Promise<void>(r => bare.listen(0, "127.0.0.1", r));
	const barePort = (bare.address() as { port: number }).port;

	// 1. REST
	const mweb = await moleculerWebAlone(JSON.parse(latest));
	let price = 190.5;
	const ticker = setInterval(() => {
		const body = [{ symbol: "AAPL", price: (price += 0.01), size: 100, ts: Date.now() }];
		for (const n of [node, noCache.n]) void n.broker.call("ingest.ticks", { body }).catch(() => {});
	}, 1000 / TICK_RATE);
	const stats = (node.broker.getLocalService("gateway") as unknown as { quotes: { stats: { hits: number; misses: number } } }).quotes.stats;
	const rest = await restCompare({ gw: `${base}/api/v1/symbols/AAPL/latest`, bare: `http://127.0.0.1:${barePort}/`, nocache: `${noCache.url}/api/v1/symbols/AAPL/latest`, mweb: mweb.url });
	clearInterval(ticker);
	await mweb.stop();
	await noCache.n.stop();
	const hitRatio = stats.hits / (stats.hits + stats.misses);
	console.error(`  gateway quote cache with ${TICK_RATE} ticks/s: ${stats.hits} hits, ${stats.misses} misses (${(100 * hitRatio).toFixed(2)} % hits)`);
	if (process.env.ONLY === "rest") {
		printRest(rest);
		writeResults(rest, hitRatio);
		bare.close();
		await node.stop();
		process.exit(0);
	}

	// 2. WS fan-out: both sets of clients open throughout, WS_RUNS rounds rotating which server goes first
	const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
	await new Promise(r => wss.once("listening", r));
	const wsT0 = performance.now();
	/** Where each server's clients record their deliveries' latencies: a fresh array every fan-out. */
	const lat: Record<WsTarget, number[]> = { gw: [], bare: [] };
	const gwClients = await openClients(
		`ws://127.0.0.1:${node.port()}/ws`,
		CLIENTS,
		text => {
			if (text.includes('"update"')) lat.gw.push(performance.now() - JSON.parse(text).data.t);
		},
		"ticks:FAN",
	);
	const bareClients = await openClients(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, CLIENTS, text => lat.bare.push(performance.now() - JSON.parse(text).data.t));
	await new Promise(r => setTimeout(r, 500));
	let gwSeq = 0;
	let bareSeq = 0;
	const publish: Record<WsTarget, (t: number) => void> = {
		gw: t => {
			const seq = ++gwSeq;
			node.deps.bus.publish("rookery.ticks.FAN", { v: 1, seq, symbol: "FAN", t });
		},
		bare: t => {
			const seq = ++bareSeq;
			const frame = JSON.stringify({ type: "update", topic: "ticks:FAN", seq, data: { v: 1, seq, symbol: "FAN", t } });
			for (const c of wss.clients) c.send(frame);
		},
	};
	const fanoutOf = (t: WsTarget, messages: number) => fanout(publish[t], messages, (lat[t] = []));
	const wsTargets: WsTarget[] = ["gw", "bare"];
	for (const t of wsTargets) await fanoutOf(t, FANOUT_MESSAGES / 5); // warm-up (JIT, the clients' buffers)
	const wsRuns: Array<Record<WsTarget, FanoutResult>> = [];
	for (let i = 0; i < WS_RUNS; i++) {
		const run = {} as Record<WsTarget, FanoutResult>;
		for (let k = 0; k < wsTargets.length; k++) {
			const t = wsTargets[(i + k) % wsTargets.length];
			run[t] = await fanoutOf(t, FANOUT_MESSAGES);
		}
		wsRuns.push(run);
		const line = (x: FanoutResult) => `${Math.round(x.perSec)} deliveries/s p99 ${x.p99.toFixed(2)} ms`;
		console.error(`  ws run ${i + 1}: gateway ${line(run.gw)} | bare ws ${line(run.bare)}`);
	}
	for (const ws of [...gwClients, ...bareClients]) ws.terminate();
	wss.close();
	console.error(`  WS fan-out: ${((performance.now() - wsT0) / 1000).toFixed(1)} s (clients opened, warm-up and ${WS_RUNS} rounds)`);
	const wsMed = (t: WsTarget): FanoutResult => ({ perSec: median(wsRuns.map(x => x[t].perSec)), p99: median(wsRuns.map(x => x[t].p99)) });
	const wsGw = wsMed("gw");
	const wsBare = wsMed("bare");

	// 3. Idle connections (both ends are in this process: the per-connection figure includes the client's side)
	await new Promise(r => setTimeout(r, 500));
	const gc = (globalThis as { gc?: () => void }).gc;
	gc?.();
	gc?.();
	const mem = () => {
		const m = process.memoryUsage();
		return m.heapUsed + m.external;
	};
	const before = mem();
	const idle = await openClients(`ws://127.0.0.1:${node.port()}/ws`, CLIENTS, () => {});
	await new Promise(r => setTimeout(r, 500));
	gc?.();
	const perConn = (mem() - before) / CLIENTS;
	for (const ws of idle) ws.terminate();

	printRest(rest);
	/** The median over rounds of gateway ÷ the same round's bare server, as the figure's ratio. */
	const wsRatio = (k: keyof FanoutResult) =>
		pairedRatio(
			wsRuns.map(x => x.gw[k]),
			wsRuns.map(x => x.bare[k]),
		);
	const span = (t: WsTarget, k: keyof FanoutResult, fmt: (x: number) => string) =>
		spread(
			wsRuns.map(x => x[t][k]),
			fmt,
		);
	console.log(
		`| WS fan-out deliveries/s (${CLIENTS} conns, ${FANOUT_MESSAGES} msgs, median of ${WS_RUNS}; min–max) | ${r(wsGw.perSec)} (${span("gw", "perSec", r)}) | ${r(wsBare.perSec)} (${span("bare", "perSec", r)}) | ${f(wsRatio("perSec"))}× |`,
	);
	console.log(`| WS fan-out p99 ms (median; min–max) | ${f(wsGw.p99)} (${span("gw", "p99", f)}) | ${f(wsBare.p99)} (${span("bare", "p99", f)}) | ${f(wsRatio("p99"))}× |`);
	console.log(`| idle WS connection, heap + external bytes (server + client side) | ${r(perConn)} | | ≥ ${r((1 << 30) / perConn)} per GB |`);
	writeResults(rest, hitRatio, { gw: wsGw, bare: wsBare, runs: wsRuns, idleBytesPerConn: perConn });
	bare.close();
	await node.stop();
	process.exit(0);
}

void main().catch(err => {
	console.error(err);
	process.exit(1);
});
