/**
 * Two Rookery nodes as child processes over a real NATS and a real Redis: a tick posted to any
 * gateway reaches the symbol's single owner, any gateway answers reads for any symbol, WS clients
 * of either node get every update in seq order, and teams see plain JSON on `rookery.ticks.{SYM}`.
 *
 * An observer broker in the test process joins the cluster (same namespace) only to look inside:
 * which `symbols` endpoints each node sees (readiness) and which actors each node holds.
 */
import { expect } from "chai";
import type { ServiceBroker } from "moleculer";
import { connect, type NatsConnection, type Msg } from "nats";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { waitFor } from "../helpers/ports.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { WsTestClient, type Frame } from "../helpers/ws-client.ts";
import type { Tick } from "../../lib/protocol/tick.ts";
import { startObserver } from "../helpers/node.ts";

interface ActorSummary {
	symbol: string;
	node: string;
	seq: number;
}
interface ListedSymbol {
	symbol: string;
	node: string | null;
	seq: number | null;
}
/** What the test posted (the protocol's Tick). */
type SentTick = Tick;

const DOTTED = "BRK.B";

function throwFirst(results: PromiseSettledResult<unknown>[]): void {
	for (const r of results) if (r.status === "rejected") throw r.reason;
}
const SYMBOLS = [...Array.from({ length: 38 }, (_, i) => `CL${String(i).padStart(2, "0")}`), DOTTED, "BTC-USD"];

describe("cluster: two nodes over real NATS + Redis", function () {
	this.timeout(30_000);

	let nats: TestServer | undefined;
	let redis: TestServer | undefined;
	let a: RookeryNodeProcess | undefined;
	let b: RookeryNodeProcess | undefined;
	let observer: ServiceBroker | undefined;
	let wsClients: WsTestClient[] = [];
	let natsConns: NatsConnection[] = [];
	/** Owner node id of every symbol, from the first test. */
	const owner = new Map<string, string>();
	let tickNo = 0;

	const A = () => a!;
	const B = () => b!;
	const nodes = () => [A(), B()];
	const tick = (symbol: string, extra: Partial<SentTick> = {}): SentTick => {
		tickNo++;
		return { symbol, price: Math.round((100 + tickNo * 0.25) * 100) / 100, size: 1 + (tickNo % 50), ts: Date.now(), id: `t-${tickNo}`, ...extra };
	};
	const post = async (node: RookeryNodeProcess, ticks: SentTick[]) => {
		const r = await postJson(`${node.url}/api/v1/ticks`, ticks);
		expect(r.status, `POST /api/v1/ticks on ${node.nodeId}: ${JSON.stringify(r.body)}`).to.equal(200);
		expect(r.body.accepted).to.equal(ticks.length);
		return r.body as { accepted: number; symbols: Array<{ symbol: string; lastSeq: number }> };
	};
	const actorsOn = (node: RookeryNodeProcess) => observer!.call<ActorSummary[], object>("symbols.actors", {}, { nodeID: node.nodeId });
	const ownedBy = (node: RookeryNodeProcess) => {
		const syms = SYMBOLS.filter(s => owner.get(s) === node.nodeId);
		if (syms.length === 0) throw new Error(`no symbol known to be owned by ${node.nodeId}: the ownership test failed`);
		return syms;
	};
	const path = (sym: string) => `/api/v1/symbols/${encodeURIComponent(sym)}`;
	const withOutput = (err: unknown): never => {
		throw new Error(`${(err as Error).message}\n${a?.output(1500) ?? ""}\n${b?.output(1500) ?? ""}`);
	};

	before(async function () {
		// allSettled, so whatever did start is kept for after() to stop even if something failed.
		const servers = await Promise.allSettled([startNats(), startRedis()]);
		[nats, redis] = servers.map(r => (r.status === "fulfilled" ? r.value : undefined));
		throwFirst(servers);
		// A quote a gateway keeps lives for a minute unless a tick drops it: the latest reads below
		// (B right after a write through A) then show that the ticks do.
		const common = { transporter: nats!.url, redisUrl: redis!.url, env: { HTTP_QUOTE_CACHE_MS: "60000" } };
		const started = await Promise.allSettled([startNode({ ...common, nodeId: `rk-a-${process.pid}` }), startNode({ ...common, nodeId: `rk-b-${process.pid}` })]);
		[a, b] = started.map(r => (r.status === "fulfilled" ? r.value : undefined));
		throwFirst(started);
		observer = await startObserver(nats!.url, `rk-observer-${process.pid}`);
		// Ready = each node routes `symbols.*` over both nodes: until then one node's Shard ring
		// would hold only itself and activate actors the other node owns.
		const both = [A().nodeId, B().nodeId].sort();
		await waitFor(
			async () => {
				for (const node of nodes()) {
					const actions = await observer!.call<Array<{ name: string; endpoints?: Array<{ nodeID: string; available: boolean }> }>, object>(
						"$node.actions",
						{ onlyAvailable: true, skipInternal: true, withEndpoints: true },
						{ nodeID: node.nodeId },
					);
					for (const name of ["symbols.ingest", "symbols.latest", "symbols.bars", "symbols.actors"]) {
						const eps = actions.find(x => x.name === name)?.endpoints ?? [];
						const seen = eps
							.filter(e => e.available)
							.map(e => e.nodeID)
							.sort();
						if (JSON.stringify(seen) !== JSON.stringify(both)) return false;
					}
				}
				return true;
			},
			{ timeoutMs: 15_000, intervalMs: 50, what: "both nodes to see both symbols services" },
		).catch(withOutput);
	});

	afterEach(async () => {
		for (const c of wsClients) c.terminate();
		wsClients = [];
		await Promise.allSettled(natsConns.map(nc => nc.close()));
		natsConns = [];
	});

	after(async () => {
		await observer?.stop().catch(() => {});
		// Graceful first (a clean Redis/NATS shutdown order), SIGKILL if that hangs.
		await Promise.allSettled([a, b].map(n => n?.stop(8000)));
		await Promise.allSettled([a, b].map(n => n?.kill()));
		await Promise.allSettled([nats?.stop(), redis?.stop()]);
	});

	it("gives every symbol exactly one owner, the same whichever gateway the tick came in on", async () => {
		const first = await post(
			A(),
			SYMBOLS.map(s => tick(s)),
		);
		expect(first.symbols.map(r => r.symbol).sort()).to.deep.equal([...SYMBOLS].sort());
		expect(first.symbols.every(r => r.lastSeq === 1)).to.equal(true);
		// The same symbols once more, through B: B must route to the same owners, not to itself.
		await post(
			B(),
			SYMBOLS.map(s => tick(s)),
		);

		const [onA, onB] = await Promise.all([actorsOn(A()), actorsOn(B())]);
		const heldBy = new Map<string, string[]>();
		for (const x of [...onA, ...onB]) heldBy.set(x.symbol, [...(heldBy.get(x.symbol) ?? []), x.node]);
		for (const sym of SYMBOLS) {
			expect(heldBy.get(sym), `actors holding ${sym}`).to.have.length(1);
			owner.set(sym, heldBy.get(sym)![0]);
		}
		expect(heldBy.size, "no actor for a symbol nobody posted").to.equal(SYMBOLS.length);
		expect(onA.every(x => x.node === A().nodeId) && onB.every(x => x.node === B().nodeId)).to.equal(true);
		expect(
			[...onA, ...onB].every(x => x.seq === 2),
			"each symbol's seq after two ticks",
		).to.equal(true);
		expect(onA.length, "symbols owned by A").to.be.greaterThan(0);
		expect(onB.length, "symbols owned by B").to.be.greaterThan(0);

		// The public list agrees, on both gateways.
		for (const node of nodes()) {
			const r = await getJson<{ items: ListedSymbol[] }>(`${node.url}/api/v1/symbols`);
			expect(r.status).to.equal(200);
			const listed = [...r.body.items].sort((x, y) => x.symbol.localeCompare(y.symbol));
			expect(listed.map(x => [x.symbol, x.node, x.seq])).to.deep.equal([...SYMBOLS].sort().map(s => [s, owner.get(s), 2]));
		}
	});

	it("a tick posted to A for a B-owned symbol reads the same on A and B (latest, history, bars)", async () => {
		for (const sym of [ownedBy(B())[0], DOTTED]) {
			const sent = tick(sym, { bid: 99.5, ask: 100.5 });
			const res = await post(A(), [sent]);
			const seq = res.symbols[0].lastSeq;
			expect(seq).to.equal(3);
			// A took the write and answers it at once; B's cached quote may trail it by the bus delay.
			const latest = [await getJson(`${A().url}${path(sym)}/latest`)];
			latest.push(
				await waitFor(
					async () => {
						const r = await getJson(`${B().url}${path(sym)}/latest`);
						return r.body?.seq === seq ? r : null;
					},
					{ timeoutMs: 1000, intervalMs: 2, what: `B's latest of ${sym}` },
				),
			);
			for (const l of latest) {
				expect(l.status, JSON.stringify(l.body)).to.equal(200);
				expect(l.body).to.deep.equal({ v: 1, seq, ...sent });
			}
			const history = await Promise.all(nodes().map(n => getJson(`${n.url}${path(sym)}/history?from_seq=1&limit=10`)));
			for (const h of history) {
				expect(h.status, JSON.stringify(h.body)).to.equal(200);
				expect(h.body.items.map((x: { seq: number }) => x.seq)).to.deep.equal([1, 2, 3]);
				expect(h.body.items[2]).to.deep.equal({ seq, ...sent });
			}
			expect(history[0].body).to.deep.equal(history[1].body);
			const bars = await Promise.all(nodes().map(n => getJson(`${n.url}${path(sym)}/bars?tf=1m`)));
			expect(bars.map(x => [x.status, x.body.seq])).to.deep.equal([
				[200, seq],
				[200, seq],
			]);
			expect(bars[0].body).to.deep.equal(bars[1].body);
		}
	});

	it("a gateway's cached latest quote follows writes made through the other gateway (bus-delay fresh)", async () => {
		// B answers A-owned quotes from its cache once read; each tick written through A must drop it.
		const sym = ownedBy(A())[0];
		const read = async (n: RookeryNodeProcess) => (await getJson(`${n.url}${path(sym)}/latest`)).body as { seq: number };
		let immediate = 0;
		const lags: number[] = [];
		for (let i = 0; i < 20; i++) {
			await read(B());
			await read(B()); // now a cache hit
			const seq = (await post(A(), [tick(sym)])).symbols[0].lastSeq;
			const t0 = performance.now();
			if ((await read(B())).seq === seq) immediate++;
			else await waitFor(async () => (await read(B())).seq === seq, { timeoutMs: 1000, intervalMs: 2, what: `B's latest of ${sym} at seq ${seq}` });
			lags.push(performance.now() - t0);
			// And through the gateway that took the write, at once (it drops its own copy on the write).
			expect((await read(A())).seq).to.equal(seq);
		}
		console.log(`      [cluster] quote cache: ${immediate}/20 reads on B fresh at once after a write through A; slowest ${Math.max(...lags).toFixed(1)} ms`);
		// The reads before each write were answered from B's cache, or this proved nothing.
		const hits = async () => Number(/rookery_http_quote_cache_total\{[^}]*result="hit"[^}]*\} (\d+)/.exec((await fetch(`${B().url}/metrics`).then(r => r.text())) ?? "")?.[1] ?? 0);
		await waitFor(async () => (await hits()) >= 10, { timeoutMs: 3000, what: "quote cache hits on B" });
	});

	it("a WS client on B gets a snapshot, then every update in seq order, for a B-owned and an A-owned symbol", async () => {
		const symB = ownedBy(B())[1] ?? ownedBy(B())[0];
		const symA = ownedBy(A())[0];
		const ws = await WsTestClient.connect(B().wsUrl);
		wsClients.push(ws);
		ws.subscribe(`ticks:${symB}`, `ticks:${symA}`);
		await ws.waitForFrame(f => f.type === "subscribed", "subscribed");
		const snapB = await ws.waitForFrame(f => f.type === "snapshot" && f.topic === `ticks:${symB}`, `snapshot of ${symB}`);
		const snapA = await ws.waitForFrame(f => f.type === "snapshot" && f.topic === `ticks:${symA}`, `snapshot of ${symA}`);
		for (const [snap, sym] of [
			[snapB, symB],
			[snapA, symA],
		] as const) {
			const latest = await getJson(`${A().url}${path(sym)}/latest`);
			expect(snap.seq).to.equal(latest.body.seq);
			expect(snap.data).to.deep.equal(latest.body);
		}

		const sent: Record<string, SentTick[]> = { [symA]: [], [symB]: [] };
		for (let i = 0; i < 5; i++) {
			const batch = [tick(symB), tick(symA)];
			sent[symB].push(batch[0]);
			sent[symA].push(batch[1]);
			await post(A(), batch);
		}
		for (const [sym, snap] of [
			[symB, snapB],
			[symA, snapA],
		] as const) {
			const topic = `ticks:${sym}`;
			const frames = await ws.waitForTopicFrames(topic, 6);
			expect(frames.map(f => [f.type, f.seq])).to.deep.equal([["snapshot", snap.seq], ...sent[sym].map((_, i) => ["update", snap.seq! + 1 + i])]);
			expect(frames.slice(1).map(f => f.data)).to.deep.equal(sent[sym].map((t, i) => ({ v: 1, seq: snap.seq! + 1 + i, ...t })));
		}
		expect(
			ws.frames.filter(f => f.type === "error"),
			"error frames",
		).to.deep.equal([]);
	});

	it("a WS client on B that subscribes while ticks flow into A sees no gap and no duplicate", async () => {
		const sym = ownedBy(A())[1] ?? ownedBy(A())[0];
		const topic = `ticks:${sym}`;
		// Several posters at once keep updates in flight while the snapshot is being fetched, so
		// some race it: those must be held back and only the ones after the snapshot sent.
		const seqBefore = (await getJson(`${A().url}${path(sym)}/latest`)).body.seq as number;
		let posted = 0;
		let stopAt = 5000; // lowered once the snapshot is in; a cap if it never comes
		let lastSeq = 0;
		const poster = async () => {
			while (posted < stopAt) {
				posted++;
				const seq = (await post(A(), [tick(sym)])).symbols[0].lastSeq;
				lastSeq = Math.max(lastSeq, seq); // read lastSeq after the await: other posters move it
			}
		};
		const posting = Promise.all([poster(), poster(), poster(), poster()]);
		posting.catch(() => {}); // awaited (and so reported) below
		let ws: WsTestClient;
		try {
			await waitFor(() => posted >= 20, { what: "20 ticks posted" });
			ws = await WsTestClient.connect(B().wsUrl);
			wsClients.push(ws);
			ws.subscribe(topic);
			await ws.waitForFrame(f => f.type === "snapshot" && f.topic === topic, `snapshot of ${topic}`, 10_000);
		} finally {
			stopAt = posted + 40; // the flow goes on for a while after the snapshot
			await posting;
		}
		expect(lastSeq, "one seq per accepted tick").to.equal(seqBefore + posted);
		await ws.waitForFrame(f => f.topic === topic && f.seq === lastSeq, `seq ${lastSeq} on ${topic}`);
		const frames: Frame[] = ws.forTopic(topic);
		expect(frames[0].type).to.equal("snapshot");
		const first = frames[0].seq!;
		expect(first, "snapshot seq: subscribed mid-flow").to.be.greaterThan(1).and.lessThan(lastSeq);
		expect(
			frames.map(f => f.seq),
			"seqs from the snapshot on",
		).to.deep.equal(Array.from({ length: lastSeq - first + 1 }, (_, i) => first + i));
		expect(frames.slice(1).every(f => f.type === "update")).to.equal(true);
		// An update carries its own tick; the snapshot carries the newest tick by trade time, which
		// may be an earlier seq than the stream position it stands for.
		expect(frames.slice(1).every(f => f.data.seq === f.seq && f.data.symbol === sym)).to.equal(true);
		expect(frames[0].data.symbol).to.equal(sym);
		expect(frames[0].data.seq).to.be.at.most(first);
	});

	it("publishes each update as plain JSON on rookery.ticks.{SYM}, with '.' in a symbol mapped to '_'", async () => {
		const symA = ownedBy(A())[0];
		const nc = await connect({ servers: nats!.url, name: "rookery-test-team" });
		natsConns.push(nc);
		const got: Record<string, unknown[]> = { dotted: [], plain: [] };
		const wildcard: string[] = [];
		const decode = (m: Msg) => JSON.parse(new TextDecoder().decode(m.data)) as unknown;
		nc.subscribe("rookery.ticks.BRK_B", { callback: (_e, m) => got.dotted.push(decode(m)) });
		nc.subscribe(`rookery.ticks.${symA}`, { callback: (_e, m) => got.plain.push(decode(m)) });
		nc.subscribe("rookery.ticks.>", { callback: (_e, m) => wildcard.push(m.subject) });
		await nc.flush(); // the subscriptions are active on the server before anything is posted

		const before = (await getJson(`${A().url}${path(DOTTED)}/latest`)).body.seq as number;
		const beforeA = (await getJson(`${A().url}${path(symA)}/latest`)).body.seq as number;
		const sentDotted = [tick(DOTTED, { bid: 10, ask: 11 }), tick(DOTTED), tick(DOTTED)];
		delete sentDotted[2].id; // optional fields are left out, not sent as null
		const sentPlain = [tick(symA), tick(symA)];
		await post(A(), [sentDotted[0], sentPlain[0]]);
		await post(B(), [sentDotted[1], sentPlain[1]]); // any gateway: the owner publishes
		await post(A(), [sentDotted[2]]);

		const brk = () => wildcard.filter(s => s.includes("BRK"));
		await waitFor(() => got.dotted.length >= 3 && got.plain.length >= 2 && brk().length >= 3, { what: "NATS messages", timeoutMs: 5000 }).catch(err => {
			throw new Error(`${(err as Error).message}: ${JSON.stringify(got)}`);
		});
		expect(got.dotted).to.deep.equal(sentDotted.map((t, i) => ({ v: 1, seq: before + 1 + i, ...t })));
		expect(got.plain).to.deep.equal(sentPlain.map((t, i) => ({ v: 1, seq: beforeA + 1 + i, ...t })));
		for (const m of got.dotted as Array<Record<string, unknown>>) {
			expect(m).to.include.keys("v", "seq", "ts", "symbol", "price", "size");
			expect(m.symbol).to.equal(DOTTED);
		}
		expect(brk()).to.deep.equal(["rookery.ticks.BRK_B", "rookery.ticks.BRK_B", "rookery.ticks.BRK_B"]);
	});

	it("answers /health and /metrics for the node that was asked", async () => {
		for (const node of nodes()) {
			for (let i = 0; i < 4; i++) {
				const h = await getJson(`${node.url}/health`);
				expect(h.body.node).to.equal(node.nodeId);
				expect(h.body).to.include({ mode: "cluster" });
				// "warning" is healthy too: a resource past its limit (a busy test machine's CPU), still 200.
				expect(["ok", "warning"], JSON.stringify(h.body)).to.include(h.body.status);
			}
			const m = await getJson(`${node.url}/metrics`);
			expect(m.body).to.include(`node="${node.nodeId}"`);
		}
	});

	it("routes a lowercase read to the symbol's owner, not to a second actor elsewhere", async () => {
		const sym = ownedBy(B())[0];
		const before = [...(await actorsOn(A())), ...(await actorsOn(B()))].filter(x => x.symbol === sym);
		expect(before.map(x => x.node)).to.deep.equal([B().nodeId]);
		for (const node of nodes()) {
			const r = await getJson(`${node.url}${path(sym.toLowerCase())}/bars?tf=1m`);
			expect(r.status).to.equal(200);
			expect(r.body.symbol).to.equal(sym);
		}
		const after = [...(await actorsOn(A())), ...(await actorsOn(B()))].filter(x => x.symbol === sym);
		expect(
			after.map(x => x.node),
			"still one actor, on the owner",
		).to.deep.equal([B().nodeId]);
	});

	it("publishes bars and indicators of the owner on rookery.bars.{tf}.{SYM} and rookery.indicators.{SYM}", async () => {
		const sym = "BARS.X"; // a fresh symbol, so its bars start with this test
		const nc = await connect({ servers: nats!.url, name: "rookery-test-bars" });
		natsConns.push(nc);
		const bars: Array<Record<string, any>> = [];
		const inds: Array<Record<string, any>> = [];
		const decode = (m: Msg) => JSON.parse(new TextDecoder().decode(m.data)) as Record<string, any>;
		nc.subscribe("rookery.bars.1m.BARS_X", { callback: (_e, m) => bars.push(decode(m)) });
		nc.subscribe("rookery.indicators.BARS_X", { callback: (_e, m) => inds.push(decode(m)) });
		await nc.flush();
		// Three minutes of trades (one a minute, in the past), posted to A whoever owns the symbol.
		const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
		await post(
			A(),
			[0, 1, 2].map(i => tick(sym, { ts: t0 + i * 60_000 + 6000, price: 50 + i })),
		);
		await waitFor(() => bars.filter(m => m.final).length >= 2 && inds.filter(m => m.final && m.tf === "1m").length >= 2, { what: "final bars and indicators on NATS" }).catch(err => {
			throw new Error(`${(err as Error).message}: ${JSON.stringify({ bars, inds }).slice(0, 2000)}`);
		});
		const finals = bars.filter(m => m.final);
		expect(finals.map(m => [m.v, m.symbol, m.tf, m.bar.time, m.bar.close])).to.deep.equal([
			[1, sym, "1m", t0, 50],
			[1, sym, "1m", t0 + 60_000, 51],
		]);
		const final1m = inds.filter(m => m.final && m.tf === "1m");
		expect(final1m[0]).to.include({ v: 1, symbol: sym, time: t0 });
		expect(final1m[0].values).to.have.property("obv");
		// Reads on either gateway agree with what was published.
		const viaB = await getJson(`${B().url}${path(sym)}/indicators?tf=1m`);
		expect(viaB.body.final.values).to.deep.equal(final1m.at(-1)!.values);
	});

	it("both nodes exit 0 on SIGTERM", async () => {
		const exits = await Promise.all(nodes().map(n => n.stop(8000)));
		for (const [i, e] of exits.entries()) expect(e, nodes()[i].output()).to.deep.equal({ code: 0, signal: null });
	});
});
