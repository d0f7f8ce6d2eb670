/**
 * Intelligence streams survive their node: two real nodes over real NATS and Redis; a stream started
 * on node A publishes `intelligence_update` on `rookery.intel.{id}`; A is killed with SIGKILL and
 * node B takes the stream over once A's lease lapses and continues A's seq; DELETE stops it everywhere.
 */
import { expect } from "chai";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { startNode, type RookeryNodeProcess } from "../helpers/node-process.ts";
import { postJson } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";

const log = (msg: string) => console.log(`      [intel-streams] ${msg}`);

interface Update {
	type: string;
	stream_id: string;
	node: string;
	seq: number;
	ts: number;
	data: { symbols: Record<string, unknown>; confidence_score: number };
}

describe("intelligence streams: resumed on another node after SIGKILL", function () {
	this.timeout(90_000);
	let redis: TestServer;
	let nats: TestServer;
	let nc: NatsConnection;
	const nodes: RookeryNodeProcess[] = [];

	before(async () => {
		[redis, nats] = await Promise.all([startRedis(), startNats()]);
		nc = await connect({ servers: nats.url });
		const dir = mkdtempSync(join(tmpdir(), "rk-intel-"));
		const cfg = join(dir, "config.json");
		writeFileSync(cfg, JSON.stringify({ intelligence: { streamLeaseMs: 1500, minStreamIntervalMs: 200, deadlineMs: 3000 } }));
		const common = { transporter: nats.url, redisUrl: redis.url, args: ["--config", cfg] };
		nodes.push(await startNode({ ...common, nodeId: `rk-intel-a-${process.pid}` }));
		nodes.push(await startNode({ ...common, nodeId: `rk-intel-b-${process.pid}` }));
	});
	after(async () => {
		await Promise.allSettled(nodes.map(n => n.kill()));
		await nc?.close();
		await Promise.allSettled([redis?.kill(), nats?.kill()]);
	});

	it("publishes updates, moves to the surviving node when its owner is killed (seq continued), and stops on DELETE", async () => {
		const [a, b] = nodes;
		const now = Date.now();
		const ticks = Array.from({ length: 30 }, (_, i) => ({ symbol: "STRM", price: 50 + Math.sin(i / 3), size: 5, ts: now - (30 - i) * 1000 }));
		expect((await postJson(`${a.url}/api/v1/ticks`, ticks)).status).to.equal(200);

		const started = await postJson(`${a.url}/api/v1/intelligence/streams`, { symbols: ["STRM"], interval_ms: 300, options: { time_horizon: "intraday" } });
		expect(started.status).to.equal(200);
		const id: string = started.body.id;
		expect(started.body).to.include({ owner: a.nodeId, topic: `intel:${id}`, subject: `rookery.intel.${id}` });

		const updates: Update[] = [];
		const sub = nc.subscribe(`rookery.intel.${id}`);
		void (async () => {
			for await (const m of sub) updates.push(m.json<Update>());
		})();
		await waitFor(() => updates.filter(u => u.node === a.nodeId).length >= 3, { timeoutMs: 10_000, what: "three updates from node A" });
		const first = updates.find(u => u.node === a.nodeId)!;
		expect(first).to.include({ type: "intelligence_update", stream_id: id });
		expect(first.data.symbols).to.have.property("STRM");

		await a.kill("SIGKILL");
		const killedAt = Date.now();
		log(`SIGKILL ${a.nodeId} (owner of stream ${id}) after ${updates.length} updates`);
		await waitFor(() => updates.some(u => u.node === b.nodeId), { timeoutMs: 15_000, what: "an update from node B" });
		const resumedMs = Date.now() - killedAt;
		log(`stream resumed on ${b.nodeId} ${resumedMs} ms after the kill (lease 1500 ms, sweep every 500 ms, NATS node-failure detection)`);
		expect(resumedMs).to.be.lessThan(15_000);

		// seq continues across owners (stored with the stream in the KV): B goes on from A's count,
		// never repeating one; at most the update A stored but could not publish, and the one NATS
		// had not flushed when A died, are missing.
		await waitFor(() => updates.filter(u => u.node === b.nodeId).length >= 3, { timeoutMs: 10_000, what: "three updates from node B" });
		const seqs = updates.map(u => u.seq);
		for (let i = 1; i < seqs.length; i++) expect(seqs[i], `seq after ${seqs[i - 1]}`).to.be.greaterThan(seqs[i - 1]);
		const lastA = updates.filter(u => u.node === a.nodeId).at(-1)!.seq;
		const fromB = updates.filter(u => u.node === b.nodeId).map(u => u.seq);
		log(`seq: A's last ${lastA}, B's first ${fromB[0]} (${fromB.length} from B so far)`);
		expect(fromB[0]).to.be.within(lastA + 1, lastA + 3);
		expect(fromB.slice(0, 3)).to.deep.equal([fromB[0], fromB[0] + 1, fromB[0] + 2]);

		const list = (await fetch(`${b.url}/api/v1/intelligence/streams`).then(r => r.json())) as Array<{ id: string; owner: string }>;
		expect(list.find((s: { id: string }) => s.id === id)).to.include({ owner: b.nodeId });

		const del = await fetch(`${b.url}/api/v1/intelligence/streams/${id}`, { method: "DELETE" });
		expect(del.status).to.equal(200);
		await new Promise(r => setTimeout(r, 700));
		const count = updates.length;
		await new Promise(r => setTimeout(r, 1500));
		expect(updates.length).to.equal(count);
		expect((await fetch(`${b.url}/api/v1/intelligence/streams/${id}`, { method: "DELETE" })).status).to.equal(404);
		sub.unsubscribe();
	});
});
