/**
 * `intel:{id}` topics have a snapshot: a client subscribing to a running intelligence stream (on
 * `/ws/intelligence/{id}` or `intel:{id}` on `/ws`) gets the stream's last update first, then the
 * next ones live, none repeated. Real embedded node with the intelligence and agent services.
 */
import { expect } from "chai";
import { startNode, type TestNode } from "../helpers/node.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { WsTestClient, type Frame } from "../helpers/ws-client.ts";

/**
 * Seed 000's paths send the update itself (`type: "intelligence_update"`, `snapshot: true` on the
 * first); back to our `{type, topic, seq, data}` so both paths are checked alike.
 */
const norm = (f: Frame & Record<string, any>): Frame => {
	if (f.type !== "intelligence_update") return f;
	const { topic, snapshot, ...update } = f;
	return { type: snapshot ? "snapshot" : "update", topic, seq: update.seq, data: update };
};

describe("gateway: intel:{id} snapshot (embedded node with intelligence)", function () {
	this.timeout(30_000);
	let node: TestNode;
	let base: string;
	let ws: string;
	const clients: WsTestClient[] = [];

	before(async () => {
		node = await startNode({
			nodeId: "gw-intel",
			services: ["gateway", "ingest", "symbols", "monitor", "intelligence", "agents.sentiment", "agents.forecast", "agents.explain", "agents.strategy"],
			intelligence: { minStreamIntervalMs: 100 } as never,
		});
		base = node.base;
		ws = node.ws;
		const now = Date.now();
		await postJson(
			`${base}/api/v1/ticks`,
			Array.from({ length: 30 }, (_, i) => ({ symbol: "INTL", price: 100 + i, size: 1, ts: now - 30_000 + i * 1000 })),
		);
	});
	after(async () => {
		clients.forEach(c => c.terminate());
		await node?.stop();
	});
	const connect = async (url: string) => {
		const c = await WsTestClient.connect(url);
		clients.push(c);
		return c;
	};

	it("sends the stream's last update first on /ws/intelligence/{id} and on intel:{id}, then the next ones live; none after it is deleted", async () => {
		const started = await postJson(`${base}/api/v1/intelligence/streams`, { symbols: ["INTL"], interval_ms: 200 });
		expect(started.status).to.equal(200);
		const id = started.body.id as string;
		const topic = `intel:${id}`;

		// A first subscriber sees the stream run for a few updates.
		const first = await connect(`${ws}/ws/intelligence/${id}`);
		await first.until(f => f.some(x => x.type === "intelligence_update" && !("snapshot" in x) && (x.seq ?? 0) >= 3), "three updates on the first client", 15_000);

		// Late subscribers: the newest update comes first, as a snapshot, then live ones after it.
		const late = await connect(`${ws}/ws/intelligence/${id}`);
		const viaWs = await connect(`${ws}/ws`);
		viaWs.subscribe(topic);
		for (const c of [late, viaWs]) {
			await c.until(f => f.map(norm).filter(x => x.type === "update").length >= 2, "two live updates after the snapshot", 15_000);
			const frames = c.frames.map(norm).filter(x => x.type !== "subscribed");
			expect(c.frames[0]).to.deep.equal({ type: "subscribed", topics: [topic] });
			expect(frames[0].type).to.equal("snapshot");
			const snap = frames[0];
			expect(snap.topic).to.equal(topic);
			expect(snap.seq).to.be.at.least(3);
			expect(snap.data).to.include({ type: "intelligence_update", stream_id: id, seq: snap.seq });
			expect(snap.data.data.symbols).to.have.property("INTL");
			// The snapshot is what the first client got as that seq's update.
			expect(first.frames.map(norm).find(x => x.type === "update" && x.seq === snap.seq)?.data).to.deep.equal(snap.data);
			const seqs = frames
				.slice(1)
				.filter(x => x.type === "update")
				.map(x => x.seq!);
			expect(seqs[0]).to.equal(snap.seq! + 1);
			expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1)).to.equal(true);
		}

		expect((await fetch(`${base}/api/v1/intelligence/streams/${id}`, { method: "DELETE" })).status).to.equal(200);
		expect(await node.broker.call("intelligence.streamLatest", { id })).to.equal(null);
		const after = await connect(`${ws}/ws/intelligence/${id}`);
		await after.until(f => f.some(x => x.type === "subscribed"));
		// A stopped stream has no current value: nothing but the subscription confirmation.
		after.send({ op: "ping" });
		await after.until(f => f.some(x => x.type === "pong"));
		expect(after.frames.map(x => x.type)).to.deep.equal(["subscribed", "pong"]);
		expect((await getJson(`${base}/api/v1/intelligence/streams`)).body).to.deep.equal([]);
	});
});
