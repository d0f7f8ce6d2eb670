/**
 * Issue 13 items 3, 8 and 10: JSON bodies are refused at parse when nested deeper than 64 levels
 * (400 JSON_TOO_DEEP, not a 500 or an unhandled rejection from JSON.stringify in the error path)
 * or when they carry a prototype-poisoning key (400 JSON_FORBIDDEN_KEY, never reaching an action
 * as params); both counted in rookery_json_refused_total{reason,via="http"}.
 */
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { postJson } from "../helpers/http.ts";
import { counter, expectAlive, nested, startNode, type TestNode } from "./gateway-node.ts";

describe("security: JSON bodies are checked at parse", function () {
	this.timeout(20_000);
	let n: TestNode;
	before(async () => {
		// Development mode: loopback callers are admins (the reproduction).
		n = await startNode();
	});
	after(async () => n?.node.stop());

	it("custom_config nested 2,250–3,000 deep on an admin route gets 400 JSON_TOO_DEEP and the node stays up", async () => {
		for (const depth of [2250, 3000]) {
			const res = await postJson(`${n.base}/api/v1/config/instruments`, `{"symbol":"DEEP","custom_config":${nested(depth)}}`);
			expect(res.status, `depth ${depth}`).to.equal(400);
			expect(res.body.error).to.deep.equal({ code: "JSON_TOO_DEEP", message: "JSON nests deeper than 64 levels" });
		}
		await expectAlive(n);
	});

	it("any field nested 3,200 deep gets 400, not 500, on every JSON route; counted", async () => {
		const before = counter(n, "rookery.json.refused", { reason: "depth", via: "http" });
		// The batch routes (events, metric values, alert rules) had moleculer-web's parser: 500 at ~5,000 deep.
		const paths = ["/api/v1/ticks", "/api/v1/events", "/api/v1/analytics/metrics/lat", "/api/v1/alerts/rules", "/api/v1/news", "/api/v1/auth/keys", "/streaming/subscribe/sse", "/intelligence/unified"];
		for (const path of paths) {
			const res = await postJson(`${n.base}${path}`, `{"symbol":"AAPL","x":${nested(3200)}}`);
			expect(res.status, path).to.equal(400);
			expect(res.body.error.code, path).to.equal("JSON_TOO_DEEP");
		}
		expect(counter(n, "rookery.json.refused", { reason: "depth", via: "http" })).to.equal(before + paths.length);
	});

	it("64 levels are parsed (the limit is not off by one), 65 are not", async () => {
		const at = (depth: number) => postJson(`${n.base}/api/v1/ticks`, `{"symbol":"AAPL","price":1,"size":1,"x":${nested(depth - 1)}}`);
		expect((await at(64)).body.error?.code).to.not.equal("JSON_TOO_DEEP");
		expect((await at(65)).body.error.code).to.equal("JSON_TOO_DEEP");
	});

	it("a '__proto__' key cannot give an API key the admin role: 400 and no key is made", async () => {
		const before = counter(n, "rookery.json.refused", { reason: "prototype-key", via: "http" });
		const res = await postJson(`${n.base}/api/v1/auth/keys`, '{"name":"poison","tier":"free","__proto__":{"roles":["admin"]}}');
		expect(res.status).to.equal(400);
		expect(res.body.error.code).to.equal("JSON_FORBIDDEN_KEY");
		const keys = (await (await fetch(`${n.base}/api/v1/auth/keys`)).json()) as { items: Array<{ name: string }> };
		expect(keys.items.map(k => k.name)).to.not.include("poison");
		expect(counter(n, "rookery.json.refused", { reason: "prototype-key", via: "http" })).to.equal(before + 1);
	});

	it("'constructor.prototype' and an escaped '__proto__' are refused too", async () => {
		for (const body of ['{"name":"c","tier":"free","constructor":{"prototype":{"roles":["admin"]}}}', '{"name":"e","tier":"free","\\u005f_proto__":{"roles":["admin"]}}']) {
			const res = await postJson(`${n.base}/api/v1/auth/keys`, body);
			expect(res.status, body).to.equal(400);
			expect(res.body.error.code, body).to.equal("JSON_FORBIDDEN_KEY");
		}
	});

	it("a value String() cannot convert, inside an array, gets 422 naming its field, not 500", async () => {
		// `[{"toString": 1}]`: fastest-validator's message for it threw (lib/validation/validator.ts).
		const tick = await postJson(`${n.base}/api/v1/ticks`, `[{"symbol":"AAPL","price":1,"size":[{"toString":1},{"valueOf":2}],"ts":${Date.now()}}]`);
		expect(tick.status, JSON.stringify(tick.body)).to.equal(422);
		expect(JSON.stringify(tick.body)).to.include("size");
		// An action's params, checked by Moleculer's validator (middlewares/describing-params.validator.ts).
		const key = await postJson(`${n.base}/api/v1/auth/keys`, '{"name":[{"toString":1}],"tier":"free"}');
		expect(key.status, JSON.stringify(key.body)).to.equal(422);
		expect(JSON.stringify(key.body)).to.include("name");
	});

	it("bad JSON, a bare value on a strict route and an empty body keep their answers", async () => {
		expect((await postJson(`${n.base}/api/v1/auth/keys`, "{bad")).body.error.code).to.equal("BAD_REQUEST");
		expect((await postJson(`${n.base}/api/v1/auth/keys`, "5")).status).to.equal(400);
		// Not strict on ticks: a bare value reaches validation (422 naming why).
		expect((await postJson(`${n.base}/api/v1/ticks`, "5")).status).to.equal(422);
		// An empty body, or one of whitespace only (any that trim removes), is read as {}.
		const asEmpty = await postJson(`${n.base}/api/v1/ticks`, "{}");
		for (const body of ["", " \n\t\r ", "\u00a0\u2028\u3000"]) {
			const res = await postJson(`${n.base}/api/v1/ticks`, body);
			expect([res.status, res.body], JSON.stringify(body)).to.deep.equal([asEmpty.status, asEmpty.body]);
		}
		const key = await postJson(`${n.base}/api/v1/auth/keys`, { name: "ok", tier: "free" });
		expect(key.status).to.equal(200);
		expect(key.body.roles).to.deep.equal([]);
	});
});

describe("security: a JSON body over 64 KiB is parsed from its bytes", function () {
	this.timeout(20_000);
	let n: TestNode;
	// A node of its own: the suite above makes an API key, which ends development mode's anonymous admin.
	before(async () => {
		n = await startNode();
	});
	after(async () => n?.node.stop());

	it("a body over 64 KiB, parsed from its bytes in pieces, gets the same answers and refusals", async () => {
		const ts = Date.now();
		const ticks = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ symbol: "BIGB", price: 100 + (i % 50) / 100, size: 1 + (i % 9), ts, id: `${tag}${i}` }));
		const body = JSON.stringify({ ticks: ticks(2000, "a") });
		expect(body.length).to.be.greaterThan(2 * 64 * 1024);
		const ok = await postJson(`${n.base}/api/v1/ticks`, body);
		expect([ok.status, ok.body.accepted], JSON.stringify(ok.body).slice(0, 300)).to.deep.equal([200, 2000]);
		// A prototype key in one tick deep inside, past the first piece.
		const before = counter(n, "rookery.json.refused", { reason: "prototype-key", via: "http" });
		const poisoned = JSON.stringify({ ticks: ticks(2000, "b") }).replace('"id":"b1500"', '"id":"b1500","__proto__":{"x":1}');
		const refused = await postJson(`${n.base}/api/v1/ticks`, poisoned);
		expect([refused.status, refused.body.error?.code]).to.deep.equal([400, "JSON_FORBIDDEN_KEY"]);
		// A tick padded past a piece is parsed alone, and its prototype key refused too (a review finding).
		const padded = await postJson(`${n.base}/api/v1/ticks`, `{"ticks":[{"__proto__":{"admin":true}}${" ".repeat(70_000)}]}`);
		expect([padded.status, padded.body.error?.code]).to.deep.equal([400, "JSON_FORBIDDEN_KEY"]);
		expect(counter(n, "rookery.json.refused", { reason: "prototype-key", via: "http" })).to.equal(before + 2);
		const deep = await postJson(`${n.base}/api/v1/ticks`, `{"ticks":${JSON.stringify(ticks(2000, "c"))},"x":${nested(3200)}}`);
		expect([deep.status, deep.body.error?.code]).to.deep.equal([400, "JSON_TOO_DEEP"]);
		// A comma gone between two ticks far into the body: the bad JSON answer small bodies get.
		const broken = await postJson(`${n.base}/api/v1/ticks`, JSON.stringify({ ticks: ticks(2000, "d") }).replace('"id":"d1500"},', '"id":"d1500"}'));
		const small = await postJson(`${n.base}/api/v1/ticks`, '{"ticks":[{"a":1}{"b":2}]}');
		expect([broken.status, broken.body.error?.code]).to.deep.equal([small.status, small.body.error?.code]).and.to.deep.equal([400, "BAD_REQUEST"]);
		// Another charset (decoded by body-parser) and a gzipped body take the same route.
		for (const [tag, headers, data] of [
			["e", { "content-type": "application/json; charset=latin1" }, (t: string) => Buffer.from(t, "latin1")],
			["f", { "content-type": "application/json", "content-encoding": "gzip" }, (t: string) => gzipSync(t)],
		] as const) {
			const res = await fetch(`${n.base}/api/v1/ticks`, { method: "POST", headers, body: data(JSON.stringify({ ticks: ticks(2000, tag) })), signal: AbortSignal.timeout(10_000) });
			expect([res.status, ((await res.json()) as { accepted?: number }).accepted], tag).to.deep.equal([200, 2000]);
		}
		// Nothing refused was written: four accepted batches of 2,000.
		const latest = await fetch(`${n.base}/api/v1/symbols/BIGB/latest`).then(r => r.json() as Promise<{ seq?: number }>);
		expect(latest.seq).to.equal(6000);
	});
});
