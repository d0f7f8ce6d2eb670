/**
 * Slow clients on a real node: a client that stops reading (its socket paused) costs the server
 * no more than its bound, whatever the tier's policy, while a client on the same topic gets every
 * update at full speed.
 *
 * The flood is paced by the fast client (each batch of BATCH frames once it has the previous
 * batch), so on a loaded machine the fast client never falls a queue's bound behind and is never
 * itself the one cut or dropped; the paused client's backlog grows regardless. Waits are generous
 * but bounded.
 */
import { expect } from "chai";
import { WebSocket } from "ws";
import { startNode as startTestNode, type TestNode } from "../helpers/node.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import type { SlowClientPolicy } from "../../lib/streaming/send-queue.ts";
import type { ClientSession } from "../../lib/streaming/client-session.ts";
import { waitFor } from "../helpers/ports.ts";

const QUEUE_BYTES = 256 * 1024;
const SOCKET_HIGH_WATER = 64 * 1024;
const MESSAGES = 3000;
const BATCH = 10; // 100 KB per batch: less than the queue's bound, so the fast client always fits
const PAD = "x".repeat(10_000); // 3000 × 10 KB = 30 MB: far more than loopback's kernel buffers

async function startNode(policy: SlowClientPolicy): Promise<TestNode> {
	const tiers = structuredClone(DEFAULT_TIERS);
	tiers.internal = { ...tiers.internal, queueBytes: QUEUE_BYTES, queueMessages: 1000, slowClientPolicy: policy };
	return startTestNode({ nodeId: `slow-${policy}`, services: ["gateway", "monitor"], ws: { maxBufferedBytes: SOCKET_HIGH_WATER } as never, auth: { tiers } as never });
}

async function client(node: TestNode) {
	const ws = new WebSocket(`${node.ws}/ws`);
	const seqs: number[] = [];
	let closed: { code: number; reason: string } | null = null;
	let waiting: { n: number; resolve: () => void } | null = null;
	ws.on("message", d => {
		const f = JSON.parse(d.toString());
		if (f.type === "update") seqs.push(f.seq);
		if (waiting && seqs.length >= waiting.n) waiting.resolve();
	});
	ws.on("close", (code, reason) => (closed = { code, reason: reason.toString() }));
	await new Promise(r => ws.once("open", r));
	ws.send(JSON.stringify({ op: "subscribe", topics: ["ticks:SLOW"] }));
	await new Promise(r => ws.once("message", r)); // subscribed
	/** Resolves once `n` updates have arrived; rejects after `timeoutMs` saying how many did. */
	const received = (n: number, timeoutMs: number) =>
		new Promise<void>((resolve, reject) => {
			if (seqs.length >= n) return resolve();
			const timer = setTimeout(() => reject(new Error(`fast client: ${seqs.length} of ${n} updates after ${timeoutMs} ms`)), timeoutMs);
			waiting = { n, resolve: () => (clearTimeout(timer), (waiting = null), resolve()) };
		});
	return { ws, seqs, closed: () => closed, received };
}

/** Server-side memory held for each connection: its queue plus what its socket buffers. */
function held(node: TestNode): number[] {
	const gw = node.broker.getLocalService("gateway") as unknown as { wss: { clients: Set<WebSocket & { session?: ClientSession }> } };
	return [...gw.wss.clients].map(ws => ws.session!.queue.queuedBytes + ws.bufferedAmount);
}

/** Slow-consumer cuts so far (rookery_ws_dropped{reason="slow-consumer"}). */
function cut(node: TestNode): number {
	const m = node.broker.metrics.getMetric("rookery.ws.dropped") as unknown as { get(labels: object): { value: number } | null };
	return m.get({ reason: "slow-consumer" })?.value ?? 0;
}

/**
 * Publish BATCH frames at a time, each batch once the fast client has the previous one; `onBatch`
 * samples after each. Stops after MESSAGES, or after `extraAfter` more once `stopWhen` is true.
 * Returns how many were published.
 */
async function flood(node: TestNode, fast: Awaited<ReturnType<typeof client>>, onBatch: () => void, stop?: { when: () => boolean; extraAfter: number }): Promise<number> {
	let stopAt = MESSAGES;
	for (let seq = 1; seq <= stopAt; seq++) {
		node.deps.bus.publish("rookery.ticks.SLOW", { v: 1, seq, symbol: "SLOW", pad: PAD });
		if (seq % BATCH === 0 || seq === stopAt) {
			onBatch();
			if (stop && stopAt === MESSAGES && stop.when()) stopAt = Math.min(MESSAGES, seq + stop.extraAfter);
			await fast.received(seq - BATCH, 30_000);
		}
	}
	return stopAt;
}

describe("gateway: slow clients (real node, paused socket)", function () {
	this.timeout(120_000);
	const nodes: TestNode[] = [];
	after(async () => Promise.all(nodes.map(n => n.stop())));

	for (const policy of ["drop-oldest", "conflate"] as const) {
		it(`${policy}: the paused client's memory stays within the bound; the other client gets all ${MESSAGES} in order`, async () => {
			const node = await startNode(policy);
			nodes.push(node);
			const slow = await client(node);
			const fast = await client(node);
			(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
			let peak = 0;
			await flood(node, fast, () => (peak = Math.max(peak, ...held(node))));
			await fast.received(MESSAGES, 30_000);
			peak = Math.max(peak, ...held(node));
			expect(fast.seqs).to.deep.equal(Array.from({ length: MESSAGES }, (_, i) => i + 1));
			// Bound: queue + socket high water + one frame in flight.
			expect(peak).to.be.at.most(QUEUE_BYTES + SOCKET_HIGH_WATER + 11_000);
			expect(slow.closed()).to.equal(null);
			const metrics = await (await fetch(`http://127.0.0.1:${node.port()}/metrics`)).text();
			const reason = policy === "conflate" ? "conflated" : "drop-oldest";
			const dropped = Number(new RegExp(`rookery_ws_dropped_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
			expect(dropped).to.be.greaterThan(MESSAGES / 2);
			// Reading again, the slow client gets what was kept: ending with the newest, in order.
			(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
			await waitFor(() => slow.seqs.at(-1) === MESSAGES, { timeoutMs: 20_000, what: "the newest update on the slow client" });
			expect(slow.seqs.every((s, i) => i === 0 || s > slow.seqs[i - 1])).to.equal(true);
			expect(slow.seqs.length).to.be.below(MESSAGES);
			slow.ws.terminate();
			fast.ws.terminate();
		});
	}

	it("disconnect: the paused client is closed with 4008 and a reason, its memory freed; the other gets everything", async () => {
		const node = await startNode("disconnect");
		nodes.push(node);
		const slow = await client(node);
		const fast = await client(node);
		(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
		let peak = 0;
		// Less data than the other cases: the flood ends 200 frames after the paused client is cut.
		const published = await flood(node, fast, () => (peak = Math.max(peak, ...held(node))), { when: () => cut(node) > 0, extraAfter: 200 });
		await fast.received(published, 30_000);
		expect(published, "stopped early, after the cut").to.be.below(MESSAGES);
		expect(cut(node), "the paused client was cut as a slow consumer").to.equal(1);
		expect(fast.seqs).to.deep.equal(Array.from({ length: published }, (_, i) => i + 1));
		expect(peak).to.be.at.most(QUEUE_BYTES + SOCKET_HIGH_WATER + 11_000);
		(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
		await waitFor(() => slow.closed(), { timeoutMs: 20_000, what: "the slow client to be closed" });
		expect(slow.closed()!.code).to.equal(4008);
		expect(slow.closed()!.reason).to.match(/slow consumer: send queue over/);
		expect(held(node)).to.have.length(1);
		fast.ws.terminate();
	});
});
