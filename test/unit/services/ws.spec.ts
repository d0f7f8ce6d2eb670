/** The WebSocket endpoint of an embedded node: subscribe, snapshot first, live updates in order. */
import { expect } from "chai";
import WebSocket from "ws";
import { startNode, type TestNode } from "../../helpers/node.ts";
import { postJson } from "../../helpers/http.ts";
import { WsTestClient } from "../../helpers/ws-client.ts";

const NOW = Date.now();
const tick = (symbol: string, i: number) => ({ symbol, price: 50 + i, size: 1, ts: NOW - 1000 + i });

describe("services: WebSocket /ws (embedded node)", () => {
	let node: TestNode;
	let base: string;
	let ws: string;
	const clients: WsTestClient[] = [];
	const connect = async () => {
		const c = await WsTestClient.connect(`${ws}/ws`);
		clients.push(c);
		return c;
	};

	before(async () => {
		node = await startNode({ nodeId: "ws-test" });
		base = node.base;
		ws = node.ws;
	});
	afterEach(async () => {
		await Promise.all(clients.splice(0).map(c => c.close()));
	});
	after(async () => node?.stop());

	it("sends the latest value first, then every update with its seq, in order", async () => {
		await postJson(`${base}/api/v1/ticks`, [tick("WSA", 0), tick("WSA", 1)]);
		const c = await connect();
		c.send({ op: "subscribe", topics: ["ticks:WSA"] });
		await c.until(f => f.some(x => x.type === "snapshot"), "snapshot");
		for (let i = 2; i < 12; i++) await postJson(`${base}/api/v1/ticks`, tick("WSA", i));
		const frames = await c.until(f => f.filter(x => x.type === "update").length === 10, "10 updates");
		expect(frames[0]).to.deep.equal({ type: "subscribed", topics: ["ticks:WSA"] });
		expect(frames[1]).to.deep.include({ type: "snapshot", topic: "ticks:WSA", seq: 2 });
		expect(frames[1].data).to.deep.include({ symbol: "WSA", price: 51 });
		const updates = frames.filter(x => x.type === "update");
		expect(updates.map(u => u.seq)).to.deep.equal([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
		expect(updates[0]).to.deep.equal({ type: "update", topic: "ticks:WSA", seq: 3, data: { v: 1, seq: 3, ...tick("WSA", 2) } });
	});

	it("subscribes to a symbol with no data yet, and gets its first update", async () => {
		const c = await connect();
		c.send({ op: "subscribe", topics: ["ticks:FRESH"] });
		await c.until(f => f.some(x => x.type === "subscribed"));
		await postJson(`${base}/api/v1/ticks`, tick("FRESH", 0));
		const frames = await c.until(f => f.some(x => x.type === "update"));
		expect(frames.filter(x => x.type === "snapshot")).to.have.length(0);
		expect(frames.find(x => x.type === "update")?.seq).to.equal(1);
	});

	it("answers bad frames with error frames and keeps the connection open", async () => {
		const c = await connect();
		c.ws.send("not json");
		c.send({ op: "subscribe", topics: ["ticks:bad symbol"] });
		c.send({ op: "ping" });
		const frames = await c.until(f => f.some(x => x.type === "pong"));
		expect(frames.map(x => x.code ?? x.type)).to.deep.equal(["BAD_JSON", "BAD_TOPIC", "pong"]);
		expect(c.ws.readyState).to.equal(WebSocket.OPEN);
	});

	it("stops sending a topic after unsubscribe", async () => {
		const c = await connect();
		c.send({ op: "subscribe", topics: ["ticks:UNS"] });
		await c.until(f => f.some(x => x.type === "subscribed"));
		await postJson(`${base}/api/v1/ticks`, tick("UNS", 0));
		await c.until(f => f.some(x => x.type === "update"));
		c.send({ op: "unsubscribe", topics: ["ticks:UNS"] });
		await c.until(f => f.some(x => x.type === "unsubscribed"));
		await postJson(`${base}/api/v1/ticks`, tick("UNS", 1));
		c.send({ op: "ping" });
		const frames = await c.until(f => f.some(x => x.type === "pong"));
		expect(frames.filter(x => x.type === "update")).to.have.length(1);
	});

	it("refuses upgrades on other paths", async () => {
		const err = await new Promise<Error>(resolve => {
			const w = new WebSocket(`${ws}/nope`);
			w.on("error", resolve);
		});
		expect(err.message).to.match(/404/);
	});

	it("closes open WebSocket clients when the node stops, without hanging", async () => {
		const other = await startNode({ nodeId: "ws-stop" });
		const c = await WsTestClient.connect(`ws://127.0.0.1:${other.port()}/ws`);
		const closed = new Promise<number>(resolve => c.ws.once("close", code => resolve(code)));
		const t0 = Date.now();
		await other.stop();
		expect(await closed).to.equal(1001);
		expect(Date.now() - t0).to.be.below(3000);
	});
});
