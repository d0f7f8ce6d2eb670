/**
 * Issue 13 items 3, 8 and 10: JSON bodies are refused at parse when nested deeper than 64 levels
 * (400 JSON_TOO_DEEP, not a 500 or an unhandled rejection from JSON.stringify in the error path)
 * or when they carry a prototype-poisoning key (400 JSON_FORBIDDEN_KEY, never reaching an action
 * as params); both counted in rookery_json_refused_total{reason,via="http"}.
 */
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
