/**
 * Failover with real processes (issue 5, "Prove it"): three (then four) Rookery nodes over a real
 * NATS and a real Redis (append-only, fsync always, so a killed Redis comes back with every write it
 * acknowledged), a load generator posting through every gateway, and then the faults: SIGKILL of a
 * node, a node joining, Redis killed for 5 s, NATS restarted, and a node frozen past its lease.
 *
 * The load generator: WORKERS workers, each the only poster of its share of the symbols, post one
 * tick per symbol per batch, round-robin over the gateways, and retry a batch (same vendor ids) on
 * 503 or a connection error until it is answered 200. So every tick a worker ever sent is
 * acknowledged in the end, and the logs must hold exactly the acknowledged ticks: no loss, no
 * duplicate, seqs 1..n, each symbol's ticks in the order they were posted.
 *
 * Numbers (recovery times, moved/total, 503 latencies) are printed with a `[failover]` prefix.
 */
import { expect } from "chai";
import type { ServiceBroker } from "moleculer";
import { Redis } from "ioredis";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson } from "../helpers/http.ts";
import type { Tick } from "../../lib/protocol/tick.ts";
import { startObserver } from "../helpers/node.ts";
import { analysisFor, defaultConfig } from "../../lib/config/config.ts";
import { SymbolAnalysis } from "../../lib/symbols/symbol-analysis.ts";
import { rendezvousOwner } from "../../lib/routing/rendezvous.ts";
import { RedisStore } from "../../lib/store/redis-store.ts";
import { FencedError } from "../../lib/protocol/errors.ts";

const SYMBOLS = Array.from({ length: 200 }, (_, i) => `FO${String(i).padStart(3, "0")}`);
const WORKERS = 8;
/** Tick time: starts 12 h ago and moves 5 s per tick and symbol, so 1-minute bars close every 12 ticks. */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 12 * 3_600_000;
const STEP_MS = 5000;

const log = (msg: string) => console.log(`      [failover] ${msg}`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Acked {
	symbol: string;
	/** Per-symbol counter: the order the tick was posted in. */
	n: number;
	/** Known when the answer accepted it (a duplicate answer does not say where the first write went). */
	seq: number | null;
}
interface Attempt {
	worker: number;
	gateway: string;
	sentAt: number;
	answeredAt: number;
	/** HTTP status, or 0 for a connection error / timeout. */
	status: number;
	retryAfter: string | null;
	code?: string;
}

/** Per-symbol tick source: increasing time, a random walk price, ids that say symbol and order. */
class TickSource {
	n = new Map<string, number>();
	price = new Map<string, number>();
	next(symbol: string): Tick {
		const n = (this.n.get(symbol) ?? 0) + 1;
		this.n.set(symbol, n);
		const p = Math.max(1, (this.price.get(symbol) ?? 100) + Math.round((Math.random() - 0.5) * 100) / 100);
		this.price.set(symbol, p);
		return { symbol, price: Math.round(p * 100) / 100, size: 1 + Math.floor(Math.random() * 100), ts: T0 + n * STEP_MS + Math.floor(Math.random() * 1000), id: `${symbol}#${n}` };
	}
}

class LoadGenerator {
	readonly acked = new Map<string, Acked>();
	readonly attempts: Attempt[] = [];
	/** Per worker: when its batches were sent and answered 200. */
	readonly successes: Array<Array<{ sentAt: number; answeredAt: number }>> = Array.from({ length: WORKERS }, () => []);
	readonly errors: string[] = [];
	#stop = false;
	#running: Promise<void>[] = [];
	#rr = 0;

	constructor(
		readonly source: TickSource,
		readonly gateways: () => RookeryNodeProcess[],
	) {}

	start(): void {
		this.#stop = false;
		this.#running = Array.from({ length: WORKERS }, (_, w) => this.#worker(w));
	}

	/** Stop after each worker's current batch is answered (bounded: a batch gives up after 30 s). */
	async stop(): Promise<void> {
		this.#stop = true;
		await Promise.all(this.#running);
		this.#running = [];
		if (this.errors.length > 0) throw new Error(`load generator: ${this.errors.slice(0, 5).join("; ")}`);
	}

	/** When every worker's first batch sent at or after `t` was answered 200: the max of those, minus t. */
	recoveredAfter(t: number): { maxMs: number; perWorker: number[] } {
		const perWorker = this.successes.map(s => {
			const first = s.find(x => x.sentAt >= t);
			return first ? first.answeredAt - t : Infinity;
		});
		return { maxMs: Math.max(...perWorker), perWorker };
	}

	async #worker(w: number): Promise<void> {
		const mine = SYMBOLS.filter((_, i) => i % WORKERS === w);
		while (!this.#stop) {
			const batch = mine.map(s => this.source.next(s));
			const giveUpAt = Date.now() + 30_000;
			for (;;) {
				const nodes = this.gateways();
				const gw = nodes[this.#rr++ % nodes.length];
				const sentAt = Date.now();
				let status = 0;
				let body: any = null;
				let retryAfter: string | null = null;
				try {
					const res = await fetch(`${gw.url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch), signal: AbortSignal.timeout(15_000) });
					status = res.status;
					retryAfter = res.headers.get("retry-after");
					const text = await res.text();
					body = text ? JSON.parse(text) : null;
				} catch {
					status = 0; // connection refused / reset / timed out: retryable for the client
				}
				const answeredAt = Date.now();
				this.attempts.push({ worker: w, gateway: gw.nodeId, sentAt, answeredAt, status, retryAfter, code: body?.error?.code });
				if (status === 200) {
					this.successes[w].push({ sentAt, answeredAt });
					this.#record(batch, body);
					break;
				}
				if (status !== 0 && status !== 503) {
					this.errors.push(`worker ${w}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
					return;
				}
				if (Date.now() > giveUpAt) {
					this.errors.push(`worker ${w}: batch not accepted within 30 s (last ${status} ${JSON.stringify(body).slice(0, 300)})`);
					return;
				}
				await sleep(50); // shorter than Retry-After (1 s), to measure recovery finely
			}
		}
	}

	#record(batch: Tick[], body: { accepted: number; duplicates: number; late: number; symbols: Array<{ symbol: string; accepted: number; duplicates: number; late: number; firstSeq: number | null }> }): void {
		const bySymbol = new Map(body.symbols.map(r => [r.symbol, r]));
		for (const t of batch) {
			const r = bySymbol.get(t.symbol);
			if (!r || r.late !== 0 || r.accepted + r.duplicates !== 1) {
				this.errors.push(`answer for ${t.id} does not account for it: ${JSON.stringify(r)}`);
				continue;
			}
			this.acked.set(t.id!, { symbol: t.symbol, n: Number(t.id!.split("#")[1]), seq: r.accepted === 1 ? r.firstSeq : null });
		}
	}
}

interface LoggedTick extends Tick {
	seq: number;
}

describe("failover: nodes, Redis and NATS failing under load (real processes)", function () {
	this.timeout(60_000);

	let nats: TestServer | undefined;
	let redis: TestServer | undefined;
	const nodes: RookeryNodeProcess[] = [];
	let observer: ServiceBroker | undefined;
	let rc: Redis | undefined;
	const source = new TickSource();
	let load: LoadGenerator;
	const alive = () => nodes.filter(n => n.running);
	const outputs = () => nodes.map(n => n.output(1500)).join("\n");
	const withOutput = (err: unknown): never => {
		throw new Error(`${(err as Error).message}\n${outputs()}`);
	};

	const common = () => ({ transporter: nats!.url, redisUrl: redis!.url });
	let nodeNo = 0;
	const addNode = async () => {
		const n = await startNode({ ...common(), nodeId: `rk-fo${++nodeNo}-${process.pid}` });
		nodes.push(n);
		return n;
	};

	/** Every live node routes `symbols.*` over exactly the live nodes. */
	const waitReady = (what: string, timeoutMs = 15_000) => {
		const want = alive()
			.map(n => n.nodeId)
			.sort();
		return waitFor(
			async () => {
				for (const node of alive()) {
					const actions = await observer!.call<Array<{ name: string; endpoints?: Array<{ nodeID: string; available: boolean }> }>, object>(
						"$node.actions",
						{ onlyAvailable: true, skipInternal: true, withEndpoints: true },
						{ nodeID: node.nodeId, timeout: 2000 },
					);
					const eps = actions.find(x => x.name === "symbols.ingest")?.endpoints ?? [];
					const seen = eps
						.filter(e => e.available)
						.map(e => e.nodeID)
						.sort();
					if (JSON.stringify(seen) !== JSON.stringify(want)) return false;
				}
				return true;
			},
			{ timeoutMs, intervalMs: 100, what },
		).catch(withOutput);
	};

	const actorsOn = (node: RookeryNodeProcess) => observer!.call<Array<{ symbol: string; node: string; seq: number }>, object>("symbols.actors", {}, { nodeID: node.nodeId, timeout: 5000 });

	const metric = async (node: RookeryNodeProcess, name: string, labels: string) => {
		const r = await getJson<string>(`${node.url}/metrics`);
		const line = r.body.split("\n").find(l => l.startsWith(`${name}{`) && l.includes(labels));
		return line ? Number(line.split(" ").at(-1)) : 0;
	};

	/** A symbol's whole log, straight from Redis. */
	const readLog = async (symbol: string): Promise<LoggedTick[]> => {
		const rows = await rc!.xrange(`rk:{${symbol}}:ticks`, "-", "+");
		return rows.map(([id, fields]) => ({ seq: Number(id.split("-")[0]), ...(JSON.parse(fields[1]) as Tick) }));
	};

	/**
	 * The logs hold exactly the acknowledged ticks: seqs 1..n, no id twice, every acknowledged id
	 * once (at the seq its answer gave, when it gave one), nothing unacknowledged, posting order kept.
	 */
	const verifyLogs = async (): Promise<Map<string, LoggedTick[]>> => {
		const logs = new Map<string, LoggedTick[]>();
		const ackedBySymbol = new Map<string, number>();
		for (const a of load.acked.values()) ackedBySymbol.set(a.symbol, (ackedBySymbol.get(a.symbol) ?? 0) + 1);
		const problems: string[] = [];
		let total = 0;
		for (const symbol of SYMBOLS) {
			const entries = await readLog(symbol);
			logs.set(symbol, entries);
			total += entries.length;
			const ids = new Set<string>();
			let prevN = 0;
			entries.forEach((e, i) => {
				if (e.seq !== i + 1) problems.push(`${symbol}: entry ${i} has seq ${e.seq} (gap or reorder)`);
				if (ids.has(e.id!)) problems.push(`${symbol}: ${e.id} logged twice`);
				ids.add(e.id!);
				const a = load.acked.get(e.id!);
				if (!a) problems.push(`${symbol}: ${e.id} in the log but never acknowledged`);
				else if (a.seq !== null && a.seq !== e.seq) problems.push(`${symbol}: ${e.id} acknowledged as seq ${a.seq}, logged as ${e.seq}`);
				const n = Number(e.id!.split("#")[1]);
				if (n <= prevN) problems.push(`${symbol}: ${e.id} logged after #${prevN} (posting order broken)`);
				prevN = n;
			});
			if (entries.length !== (ackedBySymbol.get(symbol) ?? 0)) problems.push(`${symbol}: ${entries.length} logged, ${ackedBySymbol.get(symbol) ?? 0} acknowledged`);
		}
		log(`logs: ${total} entries over ${SYMBOLS.length} symbols, ${load.acked.size} acknowledged ticks, ${problems.length} problems`);
		expect(problems.slice(0, 20), `${problems.length} log problems`).to.deep.equal([]);
		expect(total).to.equal(load.acked.size);
		return logs;
	};

	/** Bars and indicators (1m) of every symbol equal a single-process replay of its log. */
	const verifyAnalysis = async (logs: Map<string, LoggedTick[]>) => {
		const cfg = defaultConfig();
		const gws = alive();
		const mismatches: string[] = [];
		let finals = 0;
		for (const [i, symbol] of SYMBOLS.entries()) {
			const local = new SymbolAnalysis(analysisFor(cfg, symbol));
			for (const t of logs.get(symbol)!) local.apply(t, () => {});
			const gw = gws[i % gws.length];
			const [bars, ind] = await Promise.all([getJson(`${gw.url}/api/v1/symbols/${symbol}/bars?tf=1m&limit=5000`), getJson(`${gw.url}/api/v1/symbols/${symbol}/indicators?tf=1m`)]);
			expect(bars.status, `${symbol} bars: ${JSON.stringify(bars.body)}`).to.equal(200);
			expect(ind.status, `${symbol} indicators: ${JSON.stringify(ind.body)}`).to.equal(200);
			const want = JSON.parse(JSON.stringify({ bars: local.bars("1m", 5000), ind: local.indicators("1m") }));
			const seq = logs.get(symbol)!.length;
			if (bars.body.seq !== seq || ind.body.seq !== seq) mismatches.push(`${symbol}: seq ${bars.body.seq}/${ind.body.seq}, log has ${seq}`);
			if (JSON.stringify(bars.body.bars) !== JSON.stringify(want.bars)) mismatches.push(`${symbol}: 1m bars differ`);
			const { symbol: _s, seq: _q, ...got } = ind.body;
			if (JSON.stringify(got) !== JSON.stringify(want.ind)) mismatches.push(`${symbol}: 1m indicators differ: ${JSON.stringify(got).slice(0, 200)} vs ${JSON.stringify(want.ind).slice(0, 200)}`);
			if (want.ind.final.time !== null) finals++;
		}
		log(`analysis: ${SYMBOLS.length} symbols compared with a one-process replay, ${finals} with final 1m indicators, ${mismatches.length} mismatches`);
		expect(mismatches.slice(0, 10)).to.deep.equal([]);
		expect(finals, "symbols with final 1m indicators (the comparison must cover finals)").to.equal(SYMBOLS.length);
	};

	const summarize = (attempts: Attempt[]) => {
		const by = new Map<number, number>();
		for (const a of attempts) by.set(a.status, (by.get(a.status) ?? 0) + 1);
		return [...by].map(([s, n]) => `${s === 0 ? "conn-error" : s}×${n}`).join(" ");
	};

	before(async function () {
		this.timeout(60_000);
		const servers = await Promise.allSettled([startNats(), startRedis({ persistent: true })]);
		[nats, redis] = servers.map(r => (r.status === "fulfilled" ? r.value : undefined));
		for (const r of servers) if (r.status === "rejected") throw r.reason;
		const started = await Promise.allSettled([addNode(), addNode(), addNode()]);
		for (const r of started) if (r.status === "rejected") throw r.reason;
		observer = await startObserver(nats!.url, `rk-fo-observer-${process.pid}`, { maxReconnectAttempts: -1, reconnectTimeWait: 250 });
		await waitReady("three nodes to route over each other");
		rc = new Redis(redis!.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
		rc.on("error", () => {});
		await rc.connect();
		load = new LoadGenerator(source, alive);
	});

	after(async function () {
		this.timeout(30_000);
		for (const n of nodes) if (n.running) n.proc.kill("SIGCONT");
		await load?.stop().catch(() => {});
		rc?.disconnect();
		await observer?.stop().catch(() => {});
		await Promise.allSettled(nodes.map(n => n.stop(8000)));
		await Promise.allSettled(nodes.map(n => n.kill()));
		await Promise.allSettled([nats?.stop(), redis?.stop()]);
	});

	it("SIGKILL of one of three nodes under load: every acknowledged tick logged once, in order; analysis identical; every symbol answers again within 5 s", async function () {
		load.start();
		let killedAt = 0;
		try {
			await waitFor(() => load.acked.size >= SYMBOLS.length * 8, { timeoutMs: 20_000, what: "8 ticks per symbol acknowledged before the kill" });
			const victim = nodes[1];
			const owned = (await actorsOn(victim)).length;
			const ackedBefore = load.acked.size;
			killedAt = Date.now();
			await victim.kill("SIGKILL");
			log(`SIGKILL ${victim.nodeId} (owner of ${owned} active symbols) after ${ackedBefore} acknowledged ticks`);
			await waitFor(() => load.recoveredAfter(killedAt).maxMs < Infinity, { timeoutMs: 20_000, intervalMs: 50, what: "every worker to get a batch sent after the kill accepted" }).catch(() => {});
			await sleep(Math.max(0, killedAt + 6000 - Date.now())); // keep posting a few seconds past the recovery
		} finally {
			await load.stop();
		}
		const rec = load.recoveredAfter(killedAt);
		const after = load.attempts.filter(a => a.sentAt >= killedAt && a.status !== 200);
		log(`after the kill: ${summarize(after)} before success; per worker first success after the kill (ms): ${rec.perWorker.join(", ")}`);
		log(`RECOVERY after SIGKILL: every symbol answered again within ${rec.maxMs} ms (limit 5000)`);
		const logs = await verifyLogs();
		await verifyAnalysis(logs);
		expect(rec.maxMs, "max time until every symbol answered again after the kill").to.be.below(5000);
	});

	it("a 4th node joins under load: nothing lost or duplicated, only moved symbols re-activated (its share of them)", async function () {
		await waitReady("the two survivors to route over each other only");
		const old = alive();
		load.start();
		let moved = 0;
		let activeBefore = 0;
		let joined: RookeryNodeProcess;
		try {
			await waitFor(() => load.successes.every(s => s.length > 0 && s.at(-1)!.answeredAt > Date.now() - 1000), { timeoutMs: 15_000, what: "load flowing" });
			const before = await Promise.all(old.map(n => actorsOn(n)));
			activeBefore = before.flat().length;
			const movedBefore = await Promise.all(old.map(n => metric(n, "rookery_symbols_passivated_total", 'reason="moved"')));
			joined = await addNode();
			await waitReady("all three nodes to route over each other");
			// Exactly the symbols whose rendezvous owner became the new node, no others.
			const oldIds = old.map(n => n.nodeId);
			const shouldMove = SYMBOLS.filter(s => rendezvousOwner(s, [...oldIds, joined.nodeId]) !== rendezvousOwner(s, oldIds));
			expect(shouldMove.every(s => rendezvousOwner(s, [...oldIds, joined.nodeId]) === joined.nodeId)).to.equal(true);
			// Each old owner passivates its moved symbols as the membership change reaches it: wait for
			// the count (a fixed 3 s passed 80 of 83 on a loaded 2-core box), then look for extras.
			const movedSince = async () => (await Promise.all(old.map(n => metric(n, "rookery_symbols_passivated_total", 'reason="moved"')))).reduce((s, x, i) => s + x - movedBefore[i], 0);
			await waitFor(async () => (await movedSince()) >= shouldMove.length || null, { timeoutMs: 15_000, intervalMs: 200, what: `${shouldMove.length} symbols passivated as moved` }).catch(() => {});
			moved = await movedSince();
			const after = await Promise.all(alive().map(n => actorsOn(n)));
			const holders = new Map<string, string[]>();
			for (const a of after.flat()) holders.set(a.symbol, [...(holders.get(a.symbol) ?? []), a.node]);
			const twice = [...holders].filter(([, h]) => h.length > 1);
			const onNew = after[alive().indexOf(joined)].length;
			expect(moved, `passivated as moved vs symbols whose owner changed (${shouldMove.length})`).to.equal(shouldMove.length);
			const other = await Promise.all(old.map(n => metric(n, "rookery_symbols_passivated_total", 'reason="idle"')));
			expect(
				other.reduce((a, b) => a + b, 0),
				"idle passivations",
			).to.equal(0);
			log(`JOIN: ${moved} of ${activeBefore} active symbols moved (${((100 * moved) / activeBefore).toFixed(1)} %, ideal ${(100 / (old.length + 1)).toFixed(1)} %); the new node holds ${onNew}; symbols held by two nodes: ${twice.length}`);
			expect(twice, "symbols with an actor on two nodes").to.deep.equal([]);
			expect(onNew, "actors on the new node").to.be.at.most(moved);
		} finally {
			await load.stop();
		}
		await verifyLogs();
		expect(activeBefore).to.equal(SYMBOLS.length);
		// The new node's rendezvous share of the symbols: 1 / (nodes after the join) on average, but
		// node ids carry the test's pid, so the count is binomial (200 symbols, 3 nodes: 66.7 ± 6.7; the
		// ids of 5,000 pids gave 66.5 ± 6.6, 44–90). Within 5 standard deviations: the fixed 10–40 % it
		// replaces failed in 1.8 % of those pids, and once in CI (87 of 200).
		const share = 1 / (old.length + 1);
		const sd = Math.sqrt(activeBefore * share * (1 - share));
		expect(moved, "symbols passivated as moved")
			.to.be.at.least(activeBefore * share - 5 * sd)
			.and.at.most(activeBefore * share + 5 * sd);
	});

	it("Redis killed for 5 s under load: quick retryable 503s, no half-written batch, recovery by itself", async function () {
		load.start();
		let downAt = 0;
		let upAt = 0;
		try {
			await waitFor(() => load.successes.every(s => s.length > 0 && s.at(-1)!.answeredAt > Date.now() - 1000), { timeoutMs: 15_000, what: "load flowing" });
			downAt = Date.now();
			await redis!.kill();
			await sleep(5000);
			upAt = Date.now();
			await redis!.restart();
			await waitFor(() => load.recoveredAfter(upAt).maxMs < Infinity, { timeoutMs: 20_000, intervalMs: 50, what: "every worker to get a batch accepted after Redis came back" }).catch(() => {});
			await sleep(2000);
		} finally {
			await load.stop();
		}
		const during = load.attempts.filter(a => a.sentAt >= downAt + 500 && a.answeredAt <= upAt);
		const e503 = during.filter(a => a.status === 503);
		const lat = e503.map(a => a.answeredAt - a.sentAt).sort((x, y) => x - y);
		const rec = load.recoveredAfter(upAt);
		const codes = [...new Set(e503.map(a => a.code))].join(",");
		log(`REDIS DOWN 5 s: ${summarize(during)} (codes ${codes}); 503 latency p50 ${lat[Math.floor(lat.length / 2)]} ms, max ${lat.at(-1)} ms; Retry-After on ${e503.filter(a => a.retryAfter !== null).length}/${e503.length}`);
		log(`REDIS BACK: every worker accepted again within ${rec.maxMs} ms of the restart (per worker ${rec.perWorker.join(", ")})`);
		expect(e503.length, "503s while Redis was down").to.be.greaterThan(0);
		expect(
			during.filter(a => a.status !== 503),
			"answers other than 503 while Redis was down",
		).to.deep.equal([]);
		expect(
			e503.every(a => a.retryAfter !== null),
			"503s carry Retry-After",
		).to.equal(true);
		expect(lat.at(-1)!, "slowest 503 (ms)").to.be.below(3000);
		expect(rec.maxMs, "recovery after Redis restart (ms)").to.be.below(10_000);
		await verifyLogs();
	});

	it("NATS restarted under load: nodes reconnect and routing resumes, nothing lost or duplicated", async function () {
		load.start();
		let upAt = 0;
		let downAt = 0;
		try {
			await waitFor(() => load.successes.every(s => s.length > 0 && s.at(-1)!.answeredAt > Date.now() - 1000), { timeoutMs: 15_000, what: "load flowing" });
			downAt = Date.now();
			await nats!.kill();
			await sleep(2000);
			upAt = Date.now();
			await nats!.restart();
			await waitFor(() => load.recoveredAfter(upAt).maxMs < Infinity, { timeoutMs: 25_000, intervalMs: 50, what: "every worker to get a batch accepted after NATS came back" }).catch(() => {});
			await sleep(2000);
		} finally {
			await load.stop();
		}
		const rec = load.recoveredAfter(upAt);
		log(`NATS DOWN 2 s: answers from the kill until every worker recovered: ${summarize(load.attempts.filter(a => a.sentAt >= downAt && a.sentAt < upAt + rec.maxMs))}`);
		log(`NATS BACK: every worker accepted again within ${rec.maxMs} ms of the restart (per worker ${rec.perWorker.join(", ")})`);
		expect(rec.maxMs, "recovery after NATS restart (ms)").to.be.below(15_000);
		await waitReady("all nodes to route over each other again");
		await verifyLogs();
		// Routing resumed: each symbol has one actor, and reads on every gateway reach it.
		const holders = new Map<string, number>();
		for (const a of (await Promise.all(alive().map(n => actorsOn(n)))).flat()) holders.set(a.symbol, (holders.get(a.symbol) ?? 0) + 1);
		expect([...holders].filter(([, n]) => n > 1)).to.deep.equal([]);
		const logs = await verifyLogs();
		await verifyAnalysis(logs);
	});

	it("a frozen owner (SIGSTOP past its lease) that wakes up believing it owns a symbol is fenced; the log stays intact", async function () {
		const [x, y] = alive();
		const symbol = (await actorsOn(x))[0]?.symbol;
		expect(symbol, `an active symbol on ${x.nodeId}`).to.be.a("string");
		const oldToken = await rc!.get(`rk:{${symbol}}:owner`);
		expect(oldToken).to.match(new RegExp(`^${x.nodeId}:\\d+$`));
		const lostBefore = await metric(x, "rookery_symbols_lease_lost_total", "");
		x.proc.kill("SIGSTOP");
		try {
			// Another node takes the symbol over once X's lease lapsed, and writes.
			const takeover = Date.now();
			let takenBy = "";
			await waitFor(
				async () => {
					const t = source.next(symbol);
					for (;;) {
						const r = await fetch(`${y.url}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([t]), signal: AbortSignal.timeout(15_000) });
						const body = (await r.json()) as { symbols: Array<{ firstSeq: number }> };
						if (r.status === 200) {
							load.acked.set(t.id!, { symbol, n: Number(t.id!.split("#")[1]), seq: body.symbols[0].firstSeq });
							return true;
						}
						if (Date.now() - takeover > 20_000) throw new Error(`no takeover: ${r.status} ${JSON.stringify(body)}`);
						await sleep(100);
					}
				},
				{ timeoutMs: 25_000, what: `another node to take ${symbol} over` },
			);
			const newToken = (await rc!.get(`rk:{${symbol}}:owner`))!;
			takenBy = newToken.replace(/:\d+$/, "");
			log(`FENCING: ${x.nodeId} frozen; ${takenBy} took ${symbol} over in ${Date.now() - takeover} ms (lease ${oldToken} → ${newToken})`);
			expect(takenBy).to.not.equal(x.nodeId);
			expect(Number(newToken.split(":").at(-1))).to.be.greaterThan(Number(oldToken!.split(":").at(-1)));
			// A write carrying X's old token, however late it reaches Redis, is refused by the script.
			const store = new RedisStore({ url: redis!.url });
			await store.connect();
			try {
				const next = (await readLog(symbol)).length + 1;
				const late = source.next(symbol);
				const err = await store.append(symbol, [{ seq: next, data: late }], { v: 1, seq: next, ...late }, oldToken!).then(
					() => null,
					(e: Error) => e,
				);
				log(`FENCING: append with the stale token ${oldToken} → ${err ? `${err.name}: ${err.message}` : "written!"}`);
				expect(err, "append with the stale token").to.be.instanceOf(FencedError);
				expect((err as FencedError).holder).to.equal(takenBy);
				expect((await readLog(symbol)).map(e => e.id)).to.not.include(late.id);
			} finally {
				await store.close();
			}
			// X gets a write for the symbol while frozen (queued in its socket): its actor still holds the old lease.
			const stale = source.next(symbol);
			const staleCall = observer!.call<unknown, object>("symbols.ingest", { symbol, ticks: [stale] }, { nodeID: x.nodeId, timeout: 15_000 }).then(
				r => ({ ok: true as const, r }),
				(err: Error & { code?: number; data?: unknown }) => ({ ok: false as const, err }),
			);
			await sleep(200);
			x.proc.kill("SIGCONT");
			const res = await staleCall;
			log(`FENCING: the stale owner's write answered ${res.ok ? `OK ${JSON.stringify(res.r)}` : `${res.err.code} ${res.err.message} ${JSON.stringify(res.err.data)}`}`);
			const entries = await readLog(symbol);
			if (res.ok) {
				// Only legitimate if X took the lease again first (then it appended after the new owner's entries).
				load.acked.set(stale.id!, { symbol, n: Number(stale.id!.split("#")[1]), seq: (res.r as { firstSeq: number }).firstSeq });
				expect.fail(`the frozen owner's write succeeded: ${JSON.stringify(res.r)}; log tail ${JSON.stringify(entries.slice(-3))}`);
			}
			expect(res.err.code, res.err.message).to.equal(503);
			expect(
				entries.map(e => e.id),
				"the stale write is not in the log",
			).to.not.include(stale.id);
			expect(await metric(x, "rookery_symbols_lease_lost_total", ""), "lease_lost on the frozen node").to.be.greaterThan(lostBefore);
		} finally {
			x.proc.kill("SIGCONT");
		}
		await verifyLogs();
	});
});
