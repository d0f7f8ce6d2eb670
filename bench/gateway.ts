/**
 * Gateway benchmark, each against a bare baseline in the same run:
 *  1. REST `GET /api/v1/symbols/AAPL/latest` (auth + in-memory rate limit + routing + action) vs a
 *     bare node:http server answering the same JSON: req/s and p99 over keep-alive connections.
 *  2. WS fan-out of one topic to 2,000 connections vs a bare `ws` broadcast loop: deliveries/s and
 *     p99 publish→receive latency.
 *  3. Idle WS connections: memory per connection, and how many fit in 1 GB.
 * Load generator and server share this process (2 cores): numbers are for comparison, not capacity.
 * Run: npx tsx --expose-gc bench/gateway.ts
 */
import http from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { createNode } from "../services/node.ts";
import { defaultConfig, mergeConfig } from "../lib/config/config.ts";
import { DEFAULT_TIERS } from "../lib/auth/tiers.ts";

const REST_SECONDS = Number(process.env.REST_SECONDS ?? 4);
const CONCURRENCY = 32;
const CLIENTS = Number(process.env.CLIENTS ?? 2000);
const FANOUT_MESSAGES = 100;

const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function restLoad(url: string): Promise<{ rps: number; p99: number }> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	const lat: number[] = [];
	const end = performance.now() + REST_SECONDS * 1000;
	let errors = 0;
	const one = () =>
		new Promise<void>(resolve => {
			const t0 = performance.now();
			http.get(url, { agent }, res => {
				if (res.statusCode !== 200) errors++;
				res.resume();
				res.on("end", () => {
					lat.push(performance.now() - t0);
					resolve();
				});
			}).on("error", () => (errors++, resolve()));
		});
	const t0 = performance.now();
	await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
		while (performance.now() < end) await one();
	}));
	agent.destroy();
	if (errors) throw new Error(`${errors} failed requests`);
	return { rps: lat.length / ((performance.now() - t0) / 1000), p99: pct(lat, 99) };
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

async function fanout(publish: (seq: number, t: number) => void, expected: () => number, lat: number[]): Promise<{ perSec: number; p99: number }> {
	const t0 = performance.now();
	for (let seq = 1; seq <= FANOUT_MESSAGES; seq++) {
		publish(seq, performance.now());
		await new Promise(r => setTimeout(r, 5));
	}
	while (lat.length < expected()) await new Promise(r => setTimeout(r, 5));
	return { perSec: lat.length / ((performance.now() - t0) / 1000), p99: pct(lat, 99) };
}

async function main() {
	const tiers = structuredClone(DEFAULT_TIERS);
	tiers.internal = { ...tiers.internal, ratePerSecond: 1e7, burst: 1e8 }; // the limiter runs, never refuses
	const node = await createNode(mergeConfig(defaultConfig(), { port: 0, host: "127.0.0.1", logLevel: "warn", feed: { type: "none" }, nodeId: "bench-gw", services: ["gateway", "ingest", "symbols", "monitor"], auth: { tiers } as never }));
	await node.start();
	const base = `http://127.0.0.1:${node.port()}`;
	await fetch(`${base}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ symbol: "AAPL", price: 190.5, size: 100, ts: Date.now() }) });
	const latest = await (await fetch(`${base}/api/v1/symbols/AAPL/latest`)).text();
	const bare = http.createServer((_req, res) => {
		res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
		res.end(latest);
	});
	await new Promise<void>(r => bare.listen(0, "127.0.0.1", r));
	const barePort = (bare.address() as { port: number }).port;

	// 1. REST
	await restLoad(`http://127.0.0.1:${barePort}/`); // warm-up both
	await restLoad(`${base}/api/v1/symbols/AAPL/latest`);
	const restBare = await restLoad(`http://127.0.0.1:${barePort}/`);
	const restGw = await restLoad(`${base}/api/v1/symbols/AAPL/latest`);

	// 2. WS fan-out
	const gwLat: number[] = [];
	const gwClients = await openClients(`ws://127.0.0.1:${node.port()}/ws`, CLIENTS, text => {
		if (text.includes('"update"')) gwLat.push(performance.now() - JSON.parse(text).data.t);
	}, "ticks:FAN");
	await new Promise(r => setTimeout(r, 500));
	const wsGw = await fanout((seq, t) => node.deps.bus.publish("rookery.ticks.FAN", { v: 1, seq, symbol: "FAN", t }), () => CLIENTS * FANOUT_MESSAGES, gwLat);
	for (const ws of gwClients) ws.terminate();

	const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
	await new Promise(r => wss.once("listening", r));
	const bareLat: number[] = [];
	const bareClients = await openClients(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, CLIENTS, text => bareLat.push(performance.now() - JSON.parse(text).data.t));
	const wsBare = await fanout((seq, t) => {
		const frame = JSON.stringify({ type: "update", topic: "ticks:FAN", seq, data: { v: 1, seq, symbol: "FAN", t } });
		for (const c of wss.clients) c.send(frame);
	}, () => CLIENTS * FANOUT_MESSAGES, bareLat);
	for (const ws of bareClients) ws.terminate();
	wss.close();

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

	const r = (x: number) => Math.round(x).toLocaleString("en-US");
	const f = (x: number) => x.toFixed(2);
	console.log("\n| measure | gateway | bare | ratio |\n|---|---|---|---|");
	console.log(`| REST latest req/s (${CONCURRENCY} keep-alive conns) | ${r(restGw.rps)} | ${r(restBare.rps)} | ${f(restGw.rps / restBare.rps)}× |`);
	console.log(`| REST latest p99 ms | ${f(restGw.p99)} | ${f(restBare.p99)} | ${f(restGw.p99 / restBare.p99)}× |`);
	console.log(`| WS fan-out deliveries/s (${CLIENTS} conns, ${FANOUT_MESSAGES} msgs) | ${r(wsGw.perSec)} | ${r(wsBare.perSec)} | ${f(wsGw.perSec / wsBare.perSec)}× |`);
	console.log(`| WS fan-out p99 ms | ${f(wsGw.p99)} | ${f(wsBare.p99)} | ${f(wsGw.p99 / wsBare.p99)}× |`);
	console.log(`| idle WS connection, heap + external bytes (server + client side) | ${r(perConn)} | | ≥ ${r((1 << 30) / perConn)} per GB |`);
	bare.close();
	await node.stop();
	process.exit(0);
}

void main().catch(err => {
	console.error(err);
	process.exit(1);
});
