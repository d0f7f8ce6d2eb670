/**
 * Issue 13 item 15: `PUT /api/v1/config/agents/{name}` is a partial update: the fields given are
 * validated and merged with the current settings; the others keep their value; bad fields are a 422
 * naming the field and change nothing.
 */
import { expect } from "chai";
import { call, startSecuredNode, type SecuredNode } from "./secured-node.ts";

describe("security: partial PUT of agent settings (issue 13 item 15)", function () {
	this.timeout(30_000);
	let n: SecuredNode;
	before(async () => {
		// Development mode: a loopback caller is admin.
		n = await startSecuredNode("sec-agent-patch", { auth: false, overrides: { services: ["gateway", "intelligence", "agents.explain", "monitor"] } });
	});
	after(async () => n?.stop());

	const put = (body: unknown) => call(n.base, "PUT", "/api/v1/config/agents/explain", { body });
	const current = async () => (await call(n.base, "GET", "/api/v1/config/agents/explain")).body.settings;

	it("accepts {timeoutMs} alone and keeps every other setting, the url included", async () => {
		expect((await put({ url: "http://127.0.0.1:1", maxConcurrent: 3 })).status).to.equal(200);
		const r = await put({ timeoutMs: 5000 });
		expect(r.status, r.text).to.equal(200);
		expect(r.body.settings).to.include({ url: "http://127.0.0.1:1", maxConcurrent: 3, timeoutMs: 5000, queueLimit: 10, enabled: true });
		expect(await current()).to.deep.equal(r.body.settings);
	});

	it("refuses bad fields with a 422 naming the field, and changes nothing", async () => {
		const before = await current();
		for (const [body, field] of [
			[{ timeoutMs: "5000" }, "timeoutMs"],
			[{ timeoutMs: 1 }, "timeoutMs"],
			[{ url: "ftp://x" }, "url"],
			[{ url: 5 }, "url"],
			[{ enabled: "yes" }, "enabled"],
			[{ timeoutMs: 5000, bogus: 1 }, "bogus"],
		] as const) {
			const r = await put(body);
			expect(r.status, JSON.stringify(body)).to.equal(422);
			expect(r.body.error.code).to.equal("VALIDATION_ERROR");
			expect(
				r.body.error.details.map((d: { field: string }) => d.field),
				JSON.stringify(body),
			).to.include(field);
		}
		expect(await current()).to.deep.equal(before);
	});
});
