/**
 * Two ingest nodes as real child processes over a real NATS and Redis (docs/ingestion.md):
 * - no double polling: 20 instruments polled every second from a local Yahoo chart server; the
 *   server's request log shows each symbol polled once per interval, and the stored messages show
 *   one node per symbol; after a SIGKILL the survivor takes the dead node's symbols over once their
 *   leases lapse (the time is measured and printed with an `[ingest-cluster]` prefix);
 * - NATS push in: a tick on `rookery.ingest.ticks` lands in the symbol's log once (queue group),
 *   an invalid one is answered on `rookery.ingest.rejected` with the reason and changes nothing;
 * - latency stages: a POSTed tick's stamps cross to its owner on another node (lib/metrics/stages.ts).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { connect, JSONCodec, type NatsConnection } from "nats";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { waitFor } from "../helpers/ports.ts";
import { getJson, postJson, requestJson } from "../helpers/http.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import type { StageSummary } from "../../lib/metrics/stages.ts";
import { startYahooServer, type YahooServer } from "../helpers/vendor-servers/yahoo-chart.ts";
import { rendezvousOwner } from "../../lib/routing/rendezvous.ts";
import { DATA_TYPES } from "../../lib/vendors/vendor.ts";

const SYMBOLS = Array.from({ length: 20 }, (_, i) => `LS${String(i).padStart(2, "0")}`);
const INTERVAL_MS = 1000;
/** The lease TTL the data worker sets: 2 × interval + 5 s. */
const TTL_MS = 2 * INTERVAL_MS + 5000;
const log = (msg: string) => console.log(`      [ingest-cluster] ${msg}`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const codec = JSONCodec();

/** Per symbol: requests in [from, to) and the smallest gap between two of them. */
function pollsBetween(yahoo: YahooServer, from: number, to: number): Map<string, { count: number; minGap: number }> {
	const out = new Map<string, { count: number; minGap: number; last: number }>();
	for (const r of yahoo.requests) {
		if (r.at < from || r.at >= to) continue;
		const s = out.get(r.symbol) ?? { count: 0, minGap: Infinity, last: -Infinity };
		s.minGap = Math.min(s.minGap, r.at - s.last);
		s.count++;
		s.last = r.at;
		out.set(r.symbol, s);
	}
	return out;
}

describe("ingest on two nodes (real processes, NATS, Redis, local Yahoo server)", function () {
	this.timeout(90_000);
	let nats: TestServer;
	let redis: TestServer;
	let yahoo: YahooServer;
	let rc: Redis;
	let nc: NatsConnection;
	let dir: string;
	const nodes: RookeryNodeProcess[] = [];
	const outputs = () => nodes.map(n => n.output(1500)).join("\n");
	const holderOf = async (sym: string) => JSON.parse((await rc.get(`rk:ingest:lease:market_data:${sym}`)) ?? "null") as string | null;

	before(async () => {
		[nats, redis, yahoo] = await Promise.all([startNats(), startRedis(), startYahooServer()]);
		rc = new Redis(redis.url);
		nc = await connect({ servers: nats.url });
		// Only market data is polled; the other workers stay disabled (an operator's setting in the KV).
		for (const dt of DATA_TYPES) if (dt !== "market_data") await rc.hset("rk:config:cadences", dt, JSON.stringify({ enabled: false }));
		dir = mkdtempSync(path.join(os.tmpdir(), "rk-ingest-"));
		const file = path.join(dir, "config.json");
		writeFileSync(
			file,
			JSON.stringify({
				vendors: { yahoo: { type: "http-poll", baseUrl: yahoo.url }, synthetic: { type: "synthetic" } },
				workers: {
					autoStart: true,
					chains: { market_data: ["yahoo"], news: ["synthetic"], fundamentals: ["synthetic"], analytics: ["synthetic"], insider_data: ["synthetic"] },
					intervals: { market_data: INTERVAL_MS / 1000, news: 300, fundamentals: 3600, analytics: 600, insider_data: 1800 },
					retryAttempts: 1,
				},
			}),
		);
		const start = (i: number) =>
			startNode({ nodeId: `rk-ing${i}-${process.pid}`, transporter: nats.url, redisUrl: redis.url, services: "gateway,ingest,symbols,monitor,config", env: { ROOKERY_CONFIG: file, SYMBOLS: SYMBOLS.join(","), LATENCY_STAGES: "1" } });
		nodes.push(...(await Promise.all([start(1), start(2)])));
	});

	after(async () => {
		await Promise.all(nodes.map(n => n.stop().catch(() => n.kill())));
		await nc?.close();
		rc?.disconnect();
		await Promise.all([yahoo?.close(), nats?.stop(), redis?.stop()]);
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it("polls each instrument from exactly one node per interval, spread by rendezvous", async () => {
		const ids = nodes.map(n => n.nodeId);
		const preferred = new Map(SYMBOLS.map(s => [s, rendezvousOwner(`market_data:${s}`, ids)!]));
		// Once both nodes see each other, every lease sits with its preferred node (hand-over done).
		const settledAt = Date.now();
		await waitFor(async () => (await Promise.all(SYMBOLS.map(async s => (await holderOf(s)) === preferred.get(s)))).every(Boolean), { timeoutMs: 30_000, intervalMs: 200, what: "leases with their preferred nodes" }).catch(err => {
			throw new Error(`${(err as Error).message}\n${outputs()}`);
		});
		log(`leases settled ${Date.now() - settledAt} ms after both nodes were up; node 1 holds ${SYMBOLS.filter(s => preferred.get(s) === ids[0]).length}, node 2 ${SYMBOLS.filter(s => preferred.get(s) === ids[1]).length}`);

		// 6.5 intervals: over a whole number of them the bound below would demand zero delivery jitter
		// (a 7th poll arriving 1 ms early fits in [from, from + 6 s)); over 6.5 a 7th is expected, an 8th is not.
		const from = Date.now();
		await sleep(6500);
		const to = Date.now();
		const polls = pollsBetween(yahoo, from, to);
		const windows = (to - from) / INTERVAL_MS;
		for (const s of SYMBOLS) {
			const p = polls.get(s);
			expect(p, `${s} polled`).to.not.equal(undefined);
			// Once per interval: two nodes polling it would give ~2 per interval and gaps below half of it.
			expect(p!.count, `${s} polls in ${windows} intervals`).to.be.within(Math.floor(windows) - 1, Math.ceil(windows));
			expect(p!.minGap, `${s} smallest gap between polls`).to.be.at.least(INTERVAL_MS / 2);
			expect(await holderOf(s), `${s} lease holder`).to.equal(preferred.get(s));
		}
		const total = [...polls.values()].reduce((n, p) => n + p.count, 0);
		log(
			`steady state: ${total} polls of ${SYMBOLS.length} symbols in ${(to - from) / 1000} s = ${(total / SYMBOLS.length / windows).toFixed(2)} per symbol and interval; smallest gap ${Math.min(...[...polls.values()].map(p => p.minGap))} ms`,
		);

		// The stored messages say which node polled: one node per symbol, the lease holder.
		for (const s of SYMBOLS) {
			const msgs = (await getJson(`${nodes[0].url}/api/v1/messages/market_data/${s}?limit=40`)).body as Array<{ metadata: { node: string; received_at: string } }>;
			const byNode = new Set(msgs.filter(m => Date.parse(m.metadata.received_at) >= from && Date.parse(m.metadata.received_at) < to).map(m => m.metadata.node));
			expect([...byNode], `${s} polled by`).to.deep.equal([preferred.get(s)]);
		}
	});

	it("a NATS tick on rookery.ingest.ticks lands in the log once; an invalid one is rejected with the reason and changes nothing", async () => {
		const rejected: Array<{ source: string; reason: string; payload: unknown }> = [];
		const sub = nc.subscribe("rookery.ingest.rejected", { callback: (_e, m) => rejected.push(codec.decode(m.data) as never) });
		await nc.flush();
		const sym = "NATSIN";
		nc.publish("rookery.ingest.ticks", codec.encode({ symbol: sym, price: 101.5, size: 7, ts: Date.now(), id: "nats-1" }));
		const history = async () => ((await getJson(`${nodes[1].url}/api/v1/symbols/${sym}/history?limit=100`)).body as { items: Array<{ seq: number; price: number; id: string }> }).items;
		await waitFor(async () => (await getJson(`${nodes[0].url}/api/v1/symbols/${sym}/history`)).status === 200, { timeoutMs: 10_000, what: "the NATS tick in the log" });
		await sleep(500); // a second node taking it too would have written by now
		expect((await history()).map(t => ({ seq: t.seq, price: t.price, id: t.id }))).to.deep.equal([{ seq: 1, price: 101.5, id: "nats-1" }]);

		nc.publish("rookery.ingest.ticks", codec.encode({ symbol: sym, price: -3, size: 1, ts: Date.now(), id: "nats-bad" }));
		await waitFor(() => rejected.length > 0, { timeoutMs: 10_000, what: "a message on rookery.ingest.rejected" });
		await sleep(500);
		sub.unsubscribe();
		expect(rejected, "one rejection (one node of the queue group took it)").to.have.length(1);
		expect(rejected[0]).to.include({ source: "nats" });
		expect(rejected[0].reason).to.match(/price/);
		expect(rejected[0].payload).to.deep.include({ id: "nats-bad", price: -3 });
		expect((await history()).map(t => t.id)).to.deep.equal(["nats-1"]);
	});

	it("a POSTed tick's latency stages: its HTTP and ingest stages on the node it reached, the rest on its owner, another node", async () => {
		const ids = nodes.map(n => n.nodeId);
		const sym = Array.from({ length: 64 }, (_, i) => `HOP${i}`).find(s => rendezvousOwner(s, ids) === ids[1])!;
		const ws = await WsTestClient.connect(nodes[1].wsUrl);
		ws.subscribe(`ticks:${sym}`);
		await ws.waitForFrame(f => f.type === "subscribed", "subscribed");
		for (const n of nodes) expect((await requestJson("DELETE", `${n.url}/metrics/stages`)).status).to.equal(200);
		const r = await postJson(`${nodes[0].url}/api/v1/ticks`, { symbol: sym, price: 12.5, size: 3, ts: Date.now() });
		expect(r.status).to.equal(200);
		const update = await ws.waitForFrame(f => f.type === "update", "the update on the owner's gateway", 10_000);
		ws.terminate();
		expect(update.data).to.have.all.keys("v", "seq", "symbol", "price", "size", "ts");
		const [a, b] = await Promise.all(nodes.map(async n => (await getJson(`${n.url}/metrics/stages`)).body as { stages: StageSummary[] }));
		const counts = (s: { stages: StageSummary[] }) => Object.fromEntries(s.stages.filter(x => x.count > 0).map(x => [x.stage, x.count]));
		expect(counts(a), "the node the POST reached").to.deep.equal({ "http.parsed": 1, "ingest.checked": 1, "owner.sent": 1 });
		expect(counts(b), "the owner, whose gateway has the client").to.deep.equal({ "owner.received": 1, "actor.turn": 1, "append.done": 1, published: 1, "gateway.received": 1, fanout: 1, "ws.send": 1 });
		const sent = a.stages.find(x => x.stage === "owner.sent")!;
		const received = b.stages.find(x => x.stage === "owner.received")!;
		expect(received.cumulative.max).to.be.at.least(sent.cumulative.max);
		expect(received.incremental.max, "the NATS hop alone").to.be.at.most(received.cumulative.max);
	});

	it("after a SIGKILL the survivor takes the dead node's instruments over once their leases lapse", async () => {
		const [victim, survivor] = nodes;
		const theirs: string[] = [];
		for (const s of SYMBOLS) if ((await holderOf(s)) === victim.nodeId) theirs.push(s);
		expect(theirs.length, "the victim polls some symbols").to.be.greaterThan(0);
		await victim.kill("SIGKILL");
		const killedAt = Date.now();
		const takenAt = new Map<string, number>();
		await waitFor(
			() => {
				for (const r of yahoo.requests) if (r.at >= killedAt && !takenAt.has(r.symbol)) takenAt.set(r.symbol, r.at);
				return theirs.every(s => takenAt.has(s));
			},
			{ timeoutMs: 30_000, intervalMs: 50, what: "the survivor polling the dead node's symbols" },
		).catch(err => {
			throw new Error(`${(err as Error).message}\n${outputs()}`);
		});
		const delays = theirs.map(s => takenAt.get(s)! - killedAt).sort((a, b) => a - b);
		log(`takeover of ${theirs.length} symbols after SIGKILL: first ${delays[0]} ms, median ${delays[Math.floor(delays.length / 2)]} ms, last ${delays.at(-1)} ms (lease TTL ${TTL_MS} ms, interval ${INTERVAL_MS} ms)`);
		// The leases lapse at most TTL after the victim's last refresh; the survivor takes a free lease on its second sighting.
		expect(delays.at(-1)!).to.be.at.most(TTL_MS + 3 * INTERVAL_MS);
		for (const s of theirs) expect(await holderOf(s)).to.equal(survivor.nodeId);

		// Now the survivor alone polls all 20, still once per interval.
		// A window of exactly 4 intervals holds 3–5 runs: the cadence timer may start a run a few ms
		// early (gaps of 992 ms seen), so runs at from+5 … from+3973 are five. Two nodes polling one
		// symbol would give ~8, and a gap under half an interval fails the second check.
		const from = Date.now();
		await sleep(4000);
		const polls = pollsBetween(yahoo, from, from + 4 * INTERVAL_MS);
		for (const s of SYMBOLS) {
			expect(polls.get(s)?.count ?? 0, s).to.be.within(3, 5);
			expect(polls.get(s)!.minGap, s).to.be.at.least(INTERVAL_MS / 2);
		}
	});
});
