/**
 * REST reads on the direct path (mixins/gateway/gateway-direct.mixin.ts) and the latest-quote cache
 * (lib/streaming/quote-cache.ts) answer exactly what moleculer-web's pipeline answers: two real
 * embedded nodes fed the same ticks, one with direct reads and the cache, one without, asked the
 * same requests; status, headers (but Date and the generated request id) and body must match.
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { startNode as startTestNode, type TestNode } from "../helpers/node.ts";
import type { ConfigOverrides } from "../../lib/config/config.ts";
import { DEFAULT_TIERS } from "../../lib/auth/tiers.ts";
import { waitFor } from "../helpers/ports.ts";
import { QuoteCache } from "../../lib/streaming/quote-cache.ts";
import { LocalBus } from "../../lib/bus/local-bus.ts";

const NOW = Date.now();
const SECRET = "d".repeat(48);

async function startNode(id: string, over: ConfigOverrides): Promise<{ node: TestNode; base: string }> {
	const node = await startTestNode({ nodeId: id, services: ["gateway", "ingest", "symbols", "monitor"], ...over });
	return { node, base: node.base };
}

interface Answer {
	status: number;
	headers: Record<string, string>;
	body: string;
}

/**
 * One request; what may differ between two nodes is masked: Date, a generated request id, the
 * node's id (in error details and symbol lists), when a symbol was last active, the
 * milliseconds of a retry-after (the refill is timed), and a node's uptime (two nodes started a
 * second apart; with it the length of that body).
 */
async function ask(base: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
	const res = await fetch(base + path, { method, headers, signal: AbortSignal.timeout(10_000) });
	const body = (await res.text())
		.replace(/direct-(auth-)?[ab]/g, "…")
		.replace(/"lastActivity":\d+/g, '"lastActivity":…')
		.replace(/"retryAfterMs":\d+/g, '"retryAfterMs":…')
		.replace(/"uptimeSeconds":\d+/g, '"uptimeSeconds":…');
	const h: Record<string, string> = {};
	const callerId = headers["x-request-id"] ?? headers["x-correlation-id"];
	res.headers.forEach((v, k) => {
		if (k !== "date" && !(k === "x-request-id" && !callerId)) h[k] = k === "content-length" && body.includes('"uptimeSeconds":…') ? "…" : v;
	});
	return { status: res.status, headers: h, body };
}

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
	fetch(base + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }).then(async r => ({ status: r.status, body: await r.json() }));

const tick = (symbol: string, i: number, over: object = {}) => ({ symbol, price: 100 + i, size: 1 + i, ts: NOW - 100_000 + i * 1000, ...over });

describe("gateway: direct REST reads and the quote cache answer as moleculer-web does", function () {
	this.timeout(30_000);

	describe("development mode", () => {
		let direct: { node: TestNode; base: string };
		let plain: { node: TestNode; base: string };
		before(async () => {
			direct = await startNode("direct-a", {});
			plain = await startNode("direct-b", { http: { directReads: false } as never });
			for (const n of [direct, plain]) {
				for (let i = 0; i < 5; i++) expect((await post(n.base, "/api/v1/ticks", [tick("AAPL", i), tick("BTC/USD", i)])).status).to.equal(200);
			}
		});
		after(async () => {
			await direct?.node.stop();
			await plain?.node.stop();
		});

		const same = async (path: string, headers: Record<string, string> = {}, method = "GET") => {
			const [a, b] = await Promise.all([ask(direct.base, path, headers, method), ask(plain.base, path, headers, method)]);
			// The development tier refills at 1,000/s: what remains depends on timing.
			for (const x of [a, b]) {
				if (x.headers["x-ratelimit-limit"]) expect(x.headers, `${method} ${path}`).to.have.property("x-ratelimit-remaining");
				delete x.headers["x-ratelimit-remaining"];
			}
			expect(a, `${method} ${path}`).to.deep.equal(b);
			return a;
		};

		it("the same status, headers and body for every kind of read", async () => {
			const paths = [
				"/api/v1/symbols/AAPL/latest", // subscribes the cache to AAPL
				"/api/v1/symbols/AAPL/latest", // kept
				"/api/v1/symbols/AAPL/latest", // a hit
				"/api/v1/symbols/%E0%A4%A/latest", // does not decode: moleculer-web's 400
				"/api/v1/symbols/%41APL/latest",
				"/api/v1/symbols/AAPL/latest/",
				"/api/v1/symbols/aapl/latest",
				"/api/v1/symbols/AAPL/latest?extra=1",
				"/api/v1/symbols/BTC%2FUSD/latest",
				"/api/v1/streaming/AAPL/latest",
				"/api/v1/symbols/ZZZZ/latest",
				"/api/v1/symbols/bad!sym/latest",
				"/api/v1/symbols/AAPL/history?from_seq=2&limit=2",
				"/api/v1/symbols/AAPL/history?limit=abc",
				"/api/v1/symbols/AAPL/bars?tf=1m&limit=2",
				"/api/v1/symbols/AAPL/bars?tf=7m",
				"/api/v1/symbols/AAPL/indicators",
				"/api/v1/symbols?limit=1&offset=1",
				"/api/v1/streaming/pairs",
				"/api/v1/streaming/AAPL/history?count=2",
				"/streaming/channels",
				"/streaming/latest/stream:market_data:AAPL",
				"/health/live",
				"/docs",
				"/api/v1/no/such/path",
				"/nothing-here",
			];
			const stats = (direct.node.broker.getLocalService("gateway") as unknown as { quotes: { stats: { hits: number } } }).quotes.stats;
			const hitsBefore = stats.hits;
			const statuses: number[] = [];
			for (const p of paths) statuses.push((await same(p)).status);
			// The list covers answers of every kind, not only successes.
			expect(new Set(statuses)).to.include.members([200, 400, 404, 422]);
			expect(stats.hits - hitsBefore, "some AAPL reads were answered from the cache").to.be.greaterThan(0);
			const docs = await same("/docs");
			expect(docs.headers["content-type"]).to.equal("text/html; charset=utf-8");
		});

		it("compares two paths: the direct node calls no moleculer-web `rest` action, the other one per read", async () => {
			// moleculer-web runs each request it handles as a call of `gateway.rest` (counted in /metrics).
			const restCalls = async (base: string) => {
				const text = await (await fetch(`${base}/metrics`)).text();
				const line = text.split("\n").find(l => l.startsWith("moleculer_request_total{") && l.includes('action="gateway.rest"'));
				return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
			};
			const reads = ["/api/v1/symbols", "/api/v1/symbols/AAPL/history?limit=2", "/api/v1/symbols/AAPL/indicators", "/api/v1/streaming/pairs", "/health/live"];
			const before = { direct: await restCalls(direct.base), plain: await restCalls(plain.base) };
			for (const p of reads) await same(p);
			const after = { direct: await restCalls(direct.base), plain: await restCalls(plain.base) };
			expect(after.direct - before.direct, "direct reads bypass moleculer-web's pipeline").to.equal(0);
			expect(after.plain - before.plain, "moleculer-web's pipeline answered the other node's reads").to.be.at.least(reads.length);
		});

		it("echoes the caller's X-Request-ID / X-Correlation-ID, and answers HEAD alike (moleculer-web serves it)", async () => {
			const a = await same("/api/v1/symbols/AAPL/latest", { "x-request-id": "req-123" });
			expect(a.headers["x-request-id"]).to.equal("req-123");
			const [c1, c2] = await Promise.all([ask(direct.base, "/api/v1/symbols/AAPL/latest", { "x-correlation-id": "corr-9" }), ask(plain.base, "/api/v1/symbols/AAPL/latest", { "x-correlation-id": "corr-9" })]);
			expect(c1.headers["x-request-id"]).to.equal("corr-9");
			expect(c1.headers["x-request-id"]).to.equal(c2.headers["x-request-id"]);
			// An empty X-Correlation-ID does not win over X-Request-ID.
			const e = await same("/api/v1/symbols/AAPL/latest", { "x-correlation-id": "", "x-request-id": "rid-1" });
			expect(e.headers["x-request-id"]).to.equal("rid-1");
			await same("/api/v1/symbols/AAPL/latest", {}, "HEAD");
		});

		it("the latest quote follows every write at once, late ticks included (read-your-writes in one process)", async () => {
			for (let i = 5; i < 25; i++) {
				// Every other tick is late (older than the newest): it gets a seq but the latest stays.
				const t = i % 2 ? tick("AAPL", i - 3, { price: 500 + i }) : tick("AAPL", i);
				for (const n of [direct, plain]) expect((await post(n.base, "/api/v1/ticks", t)).status).to.equal(200);
				const a = await same("/api/v1/symbols/AAPL/latest");
				await same("/api/v1/symbols/AAPL/latest");
				expect(JSON.parse(a.body).price).to.equal(i % 2 ? 100 + i - 1 : 100 + i);
			}
		});

		it("a write through this gateway drops its cached quote itself, without waiting for the tick on the bus", async () => {
			// The cache listens to a bus nobody publishes on, as if the tick were still on its way.
			const gw = direct.node.broker.getLocalService("gateway") as unknown as { quotes: QuoteCache };
			const real = gw.quotes;
			gw.quotes = new QuoteCache(new LocalBus(), { maxAgeMs: 60_000, maxEntries: 100, now: Date.now });
			try {
				for (let i = 0; i < 3; i++) await ask(direct.base, "/api/v1/symbols/ETH-USD/latest"); // 404s: nothing kept
				expect((await post(direct.base, "/api/v1/ticks", tick("ETH-USD", 1))).status).to.equal(200);
				for (let i = 0; i < 3; i++) await ask(direct.base, "/api/v1/symbols/ETH-USD/latest");
				expect(gw.quotes.stats.hits, "answered from the cache").to.be.greaterThan(0);
				for (let i = 2; i < 6; i++) {
					expect((await post(direct.base, "/api/v1/ticks", [tick("ETH-USD", i)])).status).to.equal(200);
					expect(JSON.parse((await ask(direct.base, "/api/v1/symbols/ETH-USD/latest")).body).price, `after tick ${i}`).to.equal(100 + i);
					await ask(direct.base, "/api/v1/symbols/ETH-USD/latest"); // kept again
				}
				// A batch with a bad tick is refused whole (422): the cache is dropped anyway, harmlessly.
				expect((await post(direct.base, "/api/v1/ticks", [tick("ETH-USD", 7), { symbol: "ETH-USD" }])).status).to.equal(422);
				expect(JSON.parse((await ask(direct.base, "/api/v1/symbols/ETH-USD/latest")).body).price).to.equal(105);
			} finally {
				gw.quotes.close();
				gw.quotes = real;
			}
		});

		it("counts hits and misses in /metrics", async () => {
			for (let i = 0; i < 10; i++) await ask(direct.base, "/api/v1/symbols/AAPL/latest");
			const hits = () =>
				ask(direct.base, "/metrics").then(r => Number(/rookery_http_quote_cache_total\{[^}]*result="hit"[^}]*\} (\d+)/.exec(r.body)?.[1] ?? /rookery_http_quote_cache\{[^}]*result="hit"[^}]*\} (\d+)/.exec(r.body)?.[1] ?? 0));
			await waitFor(async () => (await hits()) >= 10, { timeoutMs: 3000, what: "quote cache hits in /metrics" });
			const q = direct.node.broker.getLocalService("gateway") as unknown as { quotes: { stats: { hits: number; misses: number } } };
			expect(q.quotes.stats.misses).to.be.greaterThan(0);
			expect((plain.node.broker.getLocalService("gateway") as unknown as { quotes: unknown }).quotes, "off without direct reads").to.equal(null);
		});
	});

	describe("with credentials configured: auth, tiers, rate limits and CORS", () => {
		let direct: { node: TestNode; base: string };
		let plain: { node: TestNode; base: string };
		const BURST = 6;
		before(async () => {
			const tiers = structuredClone(DEFAULT_TIERS);
			tiers.free = { ...tiers.free, burst: BURST, ratePerSecond: 0.01 };
			const over = (directReads: boolean): ConfigOverrides => ({ auth: { jwtSecret: SECRET, anonymousTier: null, tiers } as never, http: { corsOrigins: ["https://app.example"], directReads } as never });
			direct = await startNode("direct-auth-a", over(true));
			plain = await startNode("direct-auth-b", over(false));
			const admin = await new SignJWT({ sub: "admin", tier: "internal", roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
			for (const n of [direct, plain]) expect((await post(n.base, "/api/v1/ticks", [tick("MSFT", 1)], { authorization: `Bearer ${admin}` })).status).to.equal(200);
		});
		after(async () => {
			await direct?.node.stop();
			await plain?.node.stop();
		});

		const both = (path: string, headers: Record<string, string> = {}) => Promise.all([ask(direct.base, path, headers), ask(plain.base, path, headers)]);

		it("refuses missing, forged and expired credentials alike (401)", async () => {
			const forged = await new SignJWT({ sub: "x", tier: "pro" })
				.setProtectedHeader({ alg: "HS256" })
				.setExpirationTime("1h")
				.sign(new TextEncoder().encode("x".repeat(48)));
			const expired = await new SignJWT({ sub: "x", tier: "pro" })
				.setProtectedHeader({ alg: "HS256" })
				.setExpirationTime(Math.floor(Date.now() / 1000) - 60)
				.sign(new TextEncoder().encode(SECRET));
			const cases: Array<Record<string, string>> = [{}, { authorization: `Bearer ${forged}` }, { authorization: `Bearer ${expired}` }, { "x-api-key": "rk_nope" }];
			for (const h of cases) {
				const [a, b] = await both("/api/v1/symbols/MSFT/latest", h);
				expect(a.status).to.equal(401);
				expect(a).to.deep.equal(b);
			}
		});

		it("spends the same bucket: the same 200s, then the same 429 with Retry-After, cache hits included", async () => {
			const token = await new SignJWT({ sub: "reader", tier: "free" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
			const statuses: number[] = [];
			for (let i = 0; i < BURST + 3; i++) {
				const [a, b] = await both("/api/v1/symbols/MSFT/latest", { authorization: `Bearer ${token}`, origin: "https://app.example" });
				expect(a, `request ${i + 1}`).to.deep.equal(b);
				statuses.push(a.status);
				if (a.status === 429) expect(a.headers["retry-after"]).to.match(/^\d+$/);
				expect(a.headers["access-control-allow-origin"]).to.equal("https://app.example");
				expect(a.headers["x-ratelimit-limit"]).to.equal(String(BURST));
			}
			expect(statuses).to.deep.equal([...Array(BURST).fill(200), 429, 429, 429]);
			const q = direct.node.broker.getLocalService("gateway") as unknown as { quotes: { stats: { hits: number } } };
			expect(q.quotes.stats.hits, "some of them were answered from the cache").to.be.greaterThan(0);
		});

		it("needs the admin role alike (403 for a free key on an admin read)", async () => {
			const token = await new SignJWT({ sub: "nobody", tier: "pro" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
			const [a, b] = await both("/api/v1/cluster", { authorization: `Bearer ${token}` });
			expect(a.status).to.equal(403);
			expect(a).to.deep.equal(b);
		});
	});
});
