/**
 * Issue 13 item 1 (and the frame side of 8 and 10): WebSocket frames that used to throw inside the
 * `message` listener (and so end the process) get an error frame; the connection and the node stay.
 */
import { expect } from "chai";
import { WsTestClient } from "../helpers/ws-client.ts";
import { ClientSession } from "../../lib/streaming/client-session.ts";
import { counter, expectAlive, nested, SECRET, startNode, type TestNode } from "./gateway-node.ts";

describe("security: WebSocket frames cannot throw out of the message listener", function () {
	this.timeout(20_000);
	let n: TestNode;
	const clients: WsTestClient[] = [];
	before(async () => {
		n = await startNode();
	});
	after(async () => n?.node.stop());
	afterEach(() => clients.splice(0).forEach(c => c.terminate()));

	async function sendRaw(text: string) {
		const c = await WsTestClient.connect(`${n.ws}/ws`);
		clients.push(c);
		c.ws.send(text);
		const error = await c.waitForFrame(f => f.type === "error", "error frame");
		// The same connection still answers.
		c.send({ op: "ping" });
		await c.waitForFrame(f => f.type === "pong", "pong");
		expect(c.closed).to.equal(null);
		await expectAlive(n);
		return error;
	}

	it("an op whose toString is not a function gets UNKNOWN_OP", async () => {
		const e = await sendRaw(JSON.stringify({ op: { toString: "x" } }));
		expect(e.code).to.equal("UNKNOWN_OP");
		expect(e.message).to.match(/unknown op \(an object\)/);
	});

	it("an op nested 30,000 deep is refused at parse (JSON_TOO_DEEP), counted", async () => {
		const before = counter(n, "rookery.json.refused", { reason: "depth", via: "ws" });
		const e = await sendRaw(`{"op":${nested(30_000)}}`);
		expect(e.code).to.equal("BAD_JSON");
		expect(e.message).to.match(/deeper than 64 levels/);
		expect(counter(n, "rookery.json.refused", { reason: "depth", via: "ws" })).to.equal(before + 1);
	});

	it("a topic that is an object with a toString trap gets BAD_TOPIC", async () => {
		const e = await sendRaw(JSON.stringify({ op: "subscribe", topics: [{ toString: "x" }] }));
		expect(e.code).to.equal("BAD_TOPIC");
	});

	it("unsubscribe with a toString trap gets BAD_REQUEST", async () => {
		const e = await sendRaw(JSON.stringify({ op: "unsubscribe", topics: [{ toString: "x" }] }));
		expect(e.code).to.equal("BAD_REQUEST");
	});

	it("seed 000's subscribe frame with a symbol that is a toString trap gets BAD_REQUEST (its path's dialect)", async () => {
		const c = await WsTestClient.connect(`${n.ws}/ws/market/AAPL`);
		clients.push(c);
		c.ws.send(JSON.stringify({ type: "subscribe", subscription_type: "market_data", symbols: [{ toString: "x" }] }));
		const e = await c.waitForFrame(f => f.type === "error", "error frame");
		expect(e.code).to.equal("BAD_REQUEST");
		await expectAlive(n);
	});

	it("a throw the session did not expect closes that connection with 1011, counted; the others and the node go on", async () => {
		const other = await WsTestClient.connect(`${n.ws}/ws`);
		clients.push(other);
		const c = await WsTestClient.connect(`${n.ws}/ws`);
		clients.push(c);
		const before = counter(n, "rookery.network.errors", { boundary: "ws-message" });
		const onMessage = ClientSession.prototype.onMessage;
		ClientSession.prototype.onMessage = function (this: ClientSession, text: string) {
			if (text.includes("boom")) throw new RangeError("a bug in the session");
			return onMessage.call(this, text);
		};
		try {
			c.ws.send('{"op":"boom"}');
			expect((await c.waitForClose()).code).to.equal(1011);
		} finally {
			ClientSession.prototype.onMessage = onMessage;
		}
		expect(counter(n, "rookery.network.errors", { boundary: "ws-message" })).to.equal(before + 1);
		other.send({ op: "ping" });
		await other.waitForFrame(f => f.type === "pong", "pong on the other connection");
		await expectAlive(n);
	});

	it("a '__proto__' key in a frame is refused at parse", async () => {
		const e = await sendRaw('{"op":"subscribe","topics":["ticks:AAPL"],"since":{"__proto__":{"ticks:AAPL":0}}}');
		expect(e.code).to.equal("BAD_JSON");
		expect(e.message).to.match(/__proto__/);
	});
});

describe("security: WebSocket frames with auth on, before any credentials", function () {
	this.timeout(20_000);
	let n: TestNode;
	before(async () => {
		n = await startNode({ auth: { jwtSecret: SECRET } as never });
	});
	after(async () => n?.node.stop());

	it("an unauthenticated client's trap frames get error frames; the node stays up", async () => {
		const c = await WsTestClient.connect(`${n.ws}/ws`);
		try {
			c.ws.send(JSON.stringify({ op: { toString: "x" } }));
			c.ws.send(`{"op":${nested(30_000)}}`);
			await c.until(f => f.filter(x => x.type === "error").length === 2, "two error frames");
			expect(c.frames.map(f => f.code)).to.deep.equal(["UNKNOWN_OP", "BAD_JSON"]);
			await expectAlive(n);
		} finally {
			c.terminate();
		}
	});
});
