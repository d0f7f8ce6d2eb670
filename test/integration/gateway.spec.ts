/**
 * The gateway of a real embedded node (real broker, HTTP, WebSocket, in-memory store and KV):
 * resume, predecessor paths, SSE, compat REST, OpenAPI, auth (dev mode, JWT, API keys, admin
 * role), rate limits, CORS, body limits, heartbeats.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { WebSocket } from "ws";
import { startNode as startTestNode, type TestNode } from "../helpers/node.ts";
import type { ConfigOverrides } from "../../lib/config/config.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import { getJson, postJson } from "../helpers/http.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import { sse } from "../helpers/sse.ts";
import { waitFor } from "../helpers/ports.ts";

const NOW = Date.now();
const SECRET = "k".repeat(48);
const tick = (symbol: string, i: number) => ({ symbol, price: 50 + i, size: 1, ts: NOW - 100_000 + i });
const CORE = ["gateway", "ingest", "symbols", "monitor"] as const;

async function startNode(over: ConfigOverrides = {}): Promise<{ node: TestNode; base: string; ws: string }> {
	const node = await startTestNode({ nodeId: `gw-${Math.random().toString(36).slice(2, 8)}`, services: [...CORE], ...over });
	return { node, base: node.base, ws: node.ws };
}

const jwt = (claims: Record<string, unknown>, exp: number | string = "1h", secret = SECRET) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));

describe("gateway (embedded node)", function () {
	this.timeout(30_000);
	const clients: WsTestClient[] = [];
	afterEach(() => clients.splice(0).forEach(c => c.terminate()));
	const connect = async (url: string) => {
		const c = await WsTestClient.connect(url);
		clients.push(c);
		return c;
	};

	describe("development mode (nothing configured)", () => {
		let n: Awaited<ReturnType<typeof startNode>>;
		before(async () => {
			n = await startNode({ ws: { heartbeatMs: 300 } as never });
		});
		after(async () => n?.node.stop());

		it("resume: a client that reconnects with since gets exactly the N ticks it missed, in order, then live ones", async () => {
			await postJson(`${n.base}/api/v1/ticks`, [tick("RSM", 0), tick("RSM", 1), tick("RSM", 2)]);
			const first = await connect(`${n.ws}/ws`);
			first.subscribe("ticks:RSM");
			await first.until(f => f.some(x => x.type === "snapshot"), "snapshot");
			await postJson(`${n.base}/api/v1/ticks`, tick("RSM", 3));
			const seen = (await first.until(f => f.some(x => x.type === "update" && x.seq === 4), "update 4")).filter(f => f.topic === "ticks:RSM").at(-1)!.seq!;
			await first.close();
			const N = 25;
			for (let i = 4; i < 4 + N; i++) await postJson(`${n.base}/api/v1/ticks`, tick("RSM", i));
			const again = await connect(`${n.ws}/ws`);
			again.send({ op: "subscribe", topics: ["ticks:RSM"], since: { "ticks:RSM": seen } });
			const frames = await again.until(f => f.filter(x => x.type === "update").length === N, `${N} updates`);
			await postJson(`${n.base}/api/v1/ticks`, tick("RSM", 4 + N));
			await again.until(f => f.filter(x => x.type === "update").length === N + 1, "one live update");
			const updates = again.frames.filter(x => x.type === "update");
			expect(frames.some(x => x.type === "snapshot")).to.equal(false);
			expect(updates.map(u => u.seq)).to.deep.equal(Array.from({ length: N + 1 }, (_, i) => seen + 1 + i));
			expect(updates[0].data).to.deep.equal({ v: 1, seq: seen + 1, ...tick("RSM", 4) });
		});

		it("resume: sends reset then the snapshot when the client's seq is ahead of the log", async () => {
			await postJson(`${n.base}/api/v1/ticks`, tick("RST", 0));
			const c = await connect(`${n.ws}/ws`);
			c.send({ op: "subscribe", topics: ["ticks:RST"], since: { "ticks:RST": 500 } });
			const f = await c.until(x => x.some(y => y.type === "snapshot"), "snapshot");
			expect(f.map(x => x.type)).to.deep.equal(["subscribed", "reset", "snapshot"]);
			expect(f[1]).to.include({ topic: "ticks:RST", seq: 1 });
		});

		it("predecessor WS paths subscribe on connect: /ws/market/{SYM,SYM}, /streaming/ws?channels=, /ws/intelligence/{id}", async () => {
			await postJson(`${n.base}/api/v1/ticks`, [tick("LGA", 0), tick("LGB", 0)]);
			const market = await connect(`${n.ws}/ws/market/lga,LGB`);
			const streaming = await connect(`${n.ws}/streaming/ws?channels=stream:market_data:LGA&symbols=LGA`);
			const intel = await connect(`${n.ws}/ws/intelligence/stream123`);
			await market.until(f => f.filter(x => x.type === "snapshot").length === 2, "two snapshots");
			await streaming.until(f => f.some(x => x.type === "snapshot"), "snapshot");
			expect(market.frames[0]).to.deep.equal({ type: "subscribed", topics: ["ticks:LGA", "ticks:LGB"] });
			expect(streaming.frames[0]).to.deep.equal({ type: "subscribed", topics: ["ticks:LGA"] });
			await intel.until(f => f.some(x => x.type === "subscribed"));
			n.node.deps.bus.publish("rookery.intel.stream123", { type: "intelligence_update", data: { confidence: 0.7 } });
			// Seed 000's path: the update itself at the top level, with the topic.
			const u = await intel.waitForFrame(f => f.type === "intelligence_update", "intel update");
			expect(u).to.deep.equal({ type: "intelligence_update", topic: "intel:stream123", data: { confidence: 0.7 } });
			// Seed 000's client frame is accepted there: subscribe by subscription_type and symbols.
			market.send({ type: "subscribe", subscription_type: "market_data", symbols: ["lgc"] });
			await market.waitForFrame(f => f.type === "subscribed" && f.topics?.[0] === "ticks:LGC", "the seed-000 subscribe answered");
			await postJson(`${n.base}/api/v1/ticks`, [tick("LGC", 0)]);
			const lgc = await market.waitForFrame(f => f.type === "update" && f.topic === "ticks:LGC", "an LGC tick after the seed-000 subscribe");
			expect(lgc.data).to.include({ symbol: "LGC" });
			market.send({ type: "subscribe", subscription_type: "options_flow", symbols: ["LGC"] });
			const err = await market.waitForFrame(f => f.type === "error", "an error frame for an unknown subscription_type");
			expect(err.message).to.include("options_flow:LGC");
			const bad = await fetch(`${n.base}/ws/nothing`, { headers: { connection: "upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } }).catch(e => e);
			expect(bad).to.be.instanceOf(Error); // 404 + close on the raw socket
		});

		it("wildcard topics deliver every symbol on an internal-tier (dev) connection", async () => {
			const c = await connect(`${n.ws}/ws`);
			c.subscribe("ticks:*");
			await c.until(f => f.some(x => x.type === "subscribed"));
			await postJson(`${n.base}/api/v1/ticks`, [tick("WLA", 0), tick("WLB", 0)]);
			await c.until(f => f.filter(x => x.type === "update").length >= 2, "two updates");
			expect(c.frames.filter(x => x.type === "update").map(x => x.topic)).to.include.members(["ticks:WLA", "ticks:WLB"]);
		});

		it("SSE: GET /api/v1/stream sends snapshot then updates with id topic/seq, heartbeats, and resumes from Last-Event-ID", async () => {
			await postJson(`${n.base}/api/v1/ticks`, [tick("SSE", 0), tick("SSE", 1)]);
			const a = sse(`${n.base}/api/v1/stream?topics=ticks:SSE`);
			await waitFor(() => a.events.some(e => e.event === "snapshot"), { what: "snapshot" });
			await postJson(`${n.base}/api/v1/ticks`, tick("SSE", 2));
			await waitFor(() => a.events.some(e => e.event === "update"), { what: "update" });
			await waitFor(() => a.events.some(e => e.event === "comment"), { what: "a heartbeat comment" });
			const last = a.events.filter(e => e.id).at(-1)!;
			expect(last.id).to.equal("ticks:SSE/3");
			expect(last.data).to.include({ type: "update", topic: "ticks:SSE", seq: 3 });
			a.abort();
			for (let i = 3; i < 8; i++) await postJson(`${n.base}/api/v1/ticks`, tick("SSE", i));
			const b = sse(`${n.base}/api/v1/stream?topics=ticks:SSE`, { headers: { "last-event-id": last.id! } });
			await waitFor(() => b.events.filter(e => e.event === "update").length === 5, { what: "5 replayed updates" });
			expect(b.events.filter(e => e.event === "update").map(e => e.data.seq)).to.deep.equal([4, 5, 6, 7, 8]);
			expect(b.events.some(e => e.event === "snapshot")).to.equal(false);
			b.abort();
		});

		it("SSE: the predecessor POST /streaming/subscribe/sse with {channels, symbols}; bad channels get 422", async () => {
			await postJson(`${n.base}/api/v1/ticks`, tick("PSE", 0));
			const s = sse(`${n.base}/streaming/subscribe/sse`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ channels: ["stream:market_data:PSE"], symbols: ["PSE"] }) });
			await waitFor(() => s.events.some(e => e.event === "snapshot"), { what: "snapshot" });
			expect(s.events.find(e => e.event === "subscribed")!.data.topics).to.deep.equal(["ticks:PSE"]);
			s.abort();
			const bad = await postJson(`${n.base}/streaming/subscribe/sse`, { channels: ["stream:weather:X"] });
			expect(bad.status).to.equal(422);
			expect(bad.body.error.message).to.match(/unknown channel 'stream:weather:X'/);
			const noTopics = await getJson(`${n.base}/api/v1/stream?topics=`);
			expect(noTopics.status).to.equal(422);
		});

		it("serves the predecessor streaming endpoints", async () => {
			await postJson(`${n.base}/api/v1/ticks`, [tick("BTC/USD", 0), tick("BTC/USD", 1), tick("BTC/USD", 2)]);
			const channels = await getJson(`${n.base}/streaming/channels`);
			expect(channels.body.channels).to.include("stream:market_data:BTC/USD");
			const latest = await getJson(`${n.base}/streaming/latest/stream:market_data:BTC%2FUSD`);
			expect(latest.body).to.include({ symbol: "BTC/USD", seq: 3, price: 52 });
			expect((await getJson(`${n.base}/streaming/latest/stream:market_data:NOPE`)).status).to.equal(404);
			expect((await getJson(`${n.base}/streaming/latest/whatever`)).status).to.equal(422);
			expect((await getJson(`${n.base}/api/v1/streaming/pairs`)).body.pairs).to.include("BTC/USD");
			expect((await getJson(`${n.base}/api/v1/streaming/BTC%2FUSD/latest`)).body).to.include({ seq: 3 });
			const hist = await getJson(`${n.base}/api/v1/streaming/btc%2Fusd/history?count=2`);
			expect(hist.body.items.map((x: { seq: number }) => x.seq)).to.deep.equal([2, 3]);
			expect((await getJson(`${n.base}/api/v1/streaming/BTC%2FUSD/history?count=0`)).status).to.equal(422);
		});

		it("serves OpenAPI 3.1 from the route tables and action schemas, and Swagger UI at /docs from its own files", async () => {
			const doc = (await getJson(`${n.base}/api/openapi.json`)).body;
			expect(doc.openapi).to.equal("3.1.0");
			const hist = doc.paths["/api/v1/symbols/{symbol}/history"].get;
			expect(hist["x-action"]).to.equal("symbols.history");
			expect(hist.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).to.deep.equal(["path:symbol", "query:from_seq", "query:limit"]);
			expect(hist.parameters[2].schema).to.deep.equal({ type: "integer", minimum: 1, maximum: 1000 });
			expect(doc.paths["/api/v1/auth/keys"].post["x-required-role"]).to.equal("admin");
			expect(doc.paths["/api/v1/auth/keys"].post.requestBody.content["application/json"].schema.required).to.deep.equal(["name", "tier"]);
			expect(doc.paths["/api/v1/stream"].get).to.be.an("object");
			expect(doc.paths["/health"].get).to.be.an("object");
			const page = await fetch(`${n.base}/docs`);
			expect(page.headers.get("content-type")).to.match(/text\/html/);
			const html = await page.text();
			expect(html).to.include("/api/openapi.json");
			// Swagger UI from this gateway (swagger-ui-dist), nothing from another origin.
			expect(html).to.include('src="/docs/swagger-ui-bundle.js"');
			expect(html).not.to.match(/<script[^>]+src="(https?:)?\/\/|<link[^>]+href="(https?:)?\/\//);
			const bundle = await fetch(`${n.base}/docs/swagger-ui-bundle.js`);
			expect(bundle.status).to.equal(200);
			expect(bundle.headers.get("content-type")).to.match(/javascript/);
		});

		it("closes WebSocket clients that stop answering pings (4009) and releases their subscriptions", async () => {
			const ws = new WebSocket(`${n.ws}/ws`, { autoPong: false });
			await new Promise(r => ws.once("open", r));
			ws.send(JSON.stringify({ op: "subscribe", topics: ["ticks:DEAD"] }));
			const code = await new Promise<number>(r => ws.once("close", c => r(c)));
			expect(code).to.equal(4009);
			const metrics = await (await fetch(`${n.base}/metrics`)).text();
			expect(metrics).to.match(/rookery_ws_clients\{[^}]*\} 0/);
		});
		it("gives loopback callers the admin role; the first API key ends development mode", async () => {
			// Last test of this node: creating a key ends development mode.
			const admin = await postJson(`${n.base}/api/v1/auth/keys`, { name: "ops", tier: "internal", roles: ["admin"] });
			expect(admin.status).to.equal(200);
			expect(admin.body.key).to.match(/^rk_/);
			expect((await getJson(`${n.base}/api/v1/symbols`)).status, "anonymous, now that a key exists").to.equal(401);
			const h = { "x-api-key": admin.body.key, "content-type": "application/json" };
			const bad = await fetch(`${n.base}/api/v1/auth/keys`, { method: "POST", headers: h, body: JSON.stringify({ name: "x", tier: "gold" }) });
			expect(bad.status).to.equal(422);
			expect(((await bad.json()) as any).error.details[0].field).to.equal("tier");
			const pro = (await (await fetch(`${n.base}/api/v1/auth/keys`, { method: "POST", headers: h, body: JSON.stringify({ name: "desk", tier: "pro" }) })).json()) as any;
			expect((await fetch(`${n.base}/api/v1/auth/keys`, { headers: { "x-api-key": pro.key } })).status, "a pro key without the admin role").to.equal(403);
			expect((await fetch(`${n.base}/api/v1/symbols`, { headers: { "x-api-key": pro.key } })).status).to.equal(200);
			const list = (await (await fetch(`${n.base}/api/v1/auth/keys`, { headers: h })).json()) as any;
			expect(list.items.map((k: { name: string }) => k.name)).to.deep.equal(["ops", "desk"]);
			expect(list).to.include({ total: 2, limit: 100, offset: 0 });
			const second = (await (await fetch(`${n.base}/api/v1/auth/keys?limit=1&offset=1`, { headers: h })).json()) as any;
			expect(second.items.map((k: { name: string }) => k.name)).to.deep.equal(["desk"]);
			expect(second).to.include({ total: 2, limit: 1, offset: 1 });
			expect(JSON.stringify(list)).not.to.include(pro.key);
			expect((await fetch(`${n.base}/api/v1/auth/keys/${pro.id}`, { method: "DELETE", headers: h })).status).to.equal(200);
			// Verified keys are cached up to 5 s per node; a fresh lookup refuses the revoked key.
			expect(await n.node.deps.kv.hgetall("auth:apikeys")).to.satisfy((o: object) => Object.keys(o).length === 1);
		});
	});

	describe("with JWT configured (anonymous: none)", () => {
		let n: Awaited<ReturnType<typeof startNode>>;
		const tiers = structuredClone(DEFAULT_TIERS);
		tiers.free.burst = 5;
		tiers.free.ratePerSecond = 0.01;
		before(async () => {
			n = await startNode({ auth: { jwtSecret: SECRET, jwtIssuer: "rk", anonymousTier: null, tiers } as never, http: { corsOrigins: ["https://app.example"], maxBodyBytes: "1kb" }, ws: { authTimeoutMs: 300 } as never });
		});
		after(async () => n?.node.stop());
		const get = (path: string, headers: Record<string, string> = {}) => fetch(`${n.base}${path}`, { headers });

		it("refuses anonymous, expired, forged and wrong-issuer tokens with 401 in the error format", async () => {
			const anon = await get("/api/v1/symbols");
			expect(anon.status).to.equal(401);
			expect(((await anon.json()) as any).error.code).to.equal("UNAUTHORIZED");
			const expired = await get("/api/v1/symbols", { authorization: `Bearer ${await jwt({ sub: "u", iss: "rk" }, Math.floor(Date.now() / 1000) - 5)}` });
			expect(expired.status).to.equal(401);
			expect(((await expired.json()) as any).error.message).to.equal("JWT expired");
			const forged = await get("/api/v1/symbols", { authorization: `Bearer ${await jwt({ sub: "u", iss: "rk" }, "1h", "f".repeat(48))}` });
			expect(forged.status).to.equal(401);
			expect(((await forged.json()) as any).error.message).to.equal("JWT signature is invalid");
			const wrongIss = await get("/api/v1/symbols", { authorization: `Bearer ${await jwt({ sub: "u", iss: "other" })}` });
			expect(wrongIss.status).to.equal(401);
			expect((await get("/health")).status, "health probes need no credentials").to.equal(200);
			expect((await get("/metrics")).status).to.equal(401);
		});

		it("accepts a valid token (header or ?token=), sets X-RateLimit-* and answers 429 with Retry-After once the free bucket is empty", async () => {
			const token = await jwt({ sub: "ratelimited", iss: "rk", tier: "free" });
			const statuses: number[] = [];
			let last: Response | null = null;
			for (let i = 0; i < 7; i++) {
				last = await get(i % 2 ? `/api/v1/symbols?token=${token}` : "/api/v1/symbols", i % 2 ? {} : { authorization: `Bearer ${token}` });
				statuses.push(last.status);
				if (i === 0) expect(last.headers.get("x-ratelimit-limit")).to.equal("5");
				if (i === 0) expect(last.headers.get("x-ratelimit-remaining")).to.equal("4");
			}
			expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429, 429]);
			expect(Number(last!.headers.get("retry-after"))).to.be.greaterThan(10);
			expect(last!.headers.get("x-ratelimit-remaining")).to.equal("0");
			expect(Number(last!.headers.get("x-ratelimit-reset"))).to.be.greaterThan(0);
			expect(((await last!.json()) as any).error.code).to.equal("RATE_LIMITED");
		});

		it("enforces role admin on admin actions, and the tier's wildcard right and topic cap on WebSocket", async () => {
			const user = await jwt({ sub: "u2", iss: "rk", tier: "pro" });
			const admin = await jwt({ sub: "root", iss: "rk", tier: "internal", roles: ["admin"] });
			expect((await get("/api/v1/auth/keys", { authorization: `Bearer ${user}` })).status).to.equal(403);
			expect((await get("/api/v1/auth/keys", { authorization: `Bearer ${admin}` })).status).to.equal(200);
			expect((await get("/api/v1/cluster", { authorization: `Bearer ${user}` })).status, "cluster view for a non-admin").to.equal(403);
			expect((await get("/api/v1/cluster", { authorization: `Bearer ${admin}` })).status).to.equal(200);
			const free = await connect(`${n.ws}/ws?token=${await jwt({ sub: "f", iss: "rk", tier: "free" })}`);
			free.subscribe("ticks:*");
			const e = await free.waitForFrame(f => f.type === "error", "FORBIDDEN");
			expect(e.code).to.equal("FORBIDDEN");
			free.subscribe(...Array.from({ length: DEFAULT_TIERS.free.maxTopics + 1 }, (_, i) => `ticks:T${i}`));
			await free.waitForFrame(f => f.code === "TOO_MANY_TOPICS", "TOO_MANY_TOPICS");
		});

		it("WebSocket: forged credentials are refused at the upgrade; none → only auth, then the auth op works; no auth → 4001", async () => {
			const refused = await WsTestClient.connect(`${n.ws}/ws?token=${await jwt({ sub: "x", iss: "rk" }, "1h", "z".repeat(48))}`).catch(e => e);
			expect(String(refused)).to.match(/401/);
			const c = await connect(`${n.ws}/ws/market/AUTHX`);
			c.subscribe("ticks:AUTHY");
			await c.waitForFrame(f => f.code === "UNAUTHORIZED", "UNAUTHORIZED");
			c.send({ op: "auth", token: await jwt({ sub: "late", iss: "rk", tier: "pro" }) });
			const ok = await c.waitForFrame(f => f.type === "authenticated", "authenticated");
			expect(ok).to.deep.include({ tier: "pro", sub: "late" });
			await c.waitForFrame(f => f.type === "subscribed", "the path's topics subscribed after auth");
			expect(c.frames.find(f => f.type === "subscribed")!.topics).to.deep.equal(["ticks:AUTHX"]);
			const idle = await connect(`${n.ws}/ws`);
			expect((await idle.waitForClose()).code).to.equal(4001);
		});

		it("closes a WebSocket when its token expires (4001)", async () => {
			const c = await connect(`${n.ws}/ws?token=${await jwt({ sub: "short", iss: "rk", tier: "pro" }, Math.floor(Date.now() / 1000) + 1)}`);
			const closed = await c.waitForClose(4000);
			expect(closed).to.deep.equal({ code: 4001, reason: "token expired" });
		});

		it("CORS: answers preflights for allowed origins only; body over the limit gets 413", async () => {
			const pre = await fetch(`${n.base}/api/v1/symbols`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
			expect(pre.headers.get("access-control-allow-origin")).to.equal("https://app.example");
			const other = await fetch(`${n.base}/api/v1/symbols`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } });
			expect(other.headers.get("access-control-allow-origin")).to.equal(null);
			const admin = await jwt({ sub: "root", iss: "rk", tier: "internal", roles: ["admin"] });
			const big = await fetch(`${n.base}/api/v1/auth/keys`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ name: "x".repeat(5000), tier: "pro" }) });
			expect(big.status).to.equal(413);
			expect(((await big.json()) as any).error.code).to.equal("PAYLOAD_TOO_LARGE");
		});
	});
});
