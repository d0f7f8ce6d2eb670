/**
 * Issue 13 item 12: a symbol is normalised one way everywhere (lib/protocol/tick.ts
 * normalizeSymbol): `AAPL%0A` was read as AAPL by GET while POST refused `AAPL\n`.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import { requestJson } from "../helpers/http.ts";
import { normalizeSymbol } from "../../lib/protocol/tick.ts";

describe("security: one symbol normalisation for reads, writes and routing", function () {
	let node: TestNode;
	let base: string;
	const req = (method: string, path: string, body?: unknown) => requestJson(method, base + path, body);

	before(async () => {
		const config = testConfig({ nodeId: "sec-symbols", symbols: [], services: ["gateway", "ingest", "symbols", "monitor", "config"] });
		config.http.quoteCacheMs = 0;
		node = await startNode(config);
		base = node.base;
		const posted = await req("POST", "/api/v1/ticks", { symbol: "AAPL", price: 100, size: 1, ts: Date.now() });
		expect(posted.status).to.equal(200);
	});
	after(() => node?.stop());

	it("normalizeSymbol upper-cases ASCII and refuses whitespace, control and non-ASCII characters", () => {
		expect(normalizeSymbol("brk.b")).to.equal("BRK.B");
		for (const bad of ["AAPL\n", " AAPL", "AAPL ", "AA PL", "AAPL\t", "ſPY", "", "A".repeat(25), 5, null]) expect(normalizeSymbol(bad), JSON.stringify(bad)).to.equal(null);
	});

	for (const [what, path] of [
		["latest", "/api/v1/symbols/AAPL%0A/latest"],
		["latest (leading space)", "/api/v1/symbols/%20AAPL/latest"],
		["bars", "/api/v1/symbols/AAPL%0A/bars"],
		["history", "/api/v1/symbols/AAPL%0D/history"],
		["messages", "/api/v1/messages/market_data/AAPL%0A/latest"],
		["instrument", "/api/v1/config/instruments/AAPL%0A"],
	] as const) {
		it(`GET ${what} refuses a symbol with whitespace around it (422 naming symbol), as POST does`, async () => {
			const r = await req("GET", path);
			expect(r.status, JSON.stringify(r.body)).to.equal(422);
			expect(r.body.error.details[0].field).to.equal("symbol");
		});
	}

	it("POST refuses AAPL\\n with the same message, and both accept lower case as the same symbol", async () => {
		const post = await req("POST", "/api/v1/ticks", { symbol: "AAPL\n", price: 100, size: 1, ts: Date.now() });
		const get = await req("GET", "/api/v1/symbols/AAPL%0A/latest");
		expect(post.status).to.equal(422);
		expect(post.body.error.details[0]).to.include({ field: "symbol" });
		expect(post.body.error.details[0].message).to.equal(get.body.error.details[0].message);
		const lower = await req("POST", "/api/v1/ticks", { symbol: "aapl", price: 101, size: 1, ts: Date.now() + 1 });
		expect(lower.status).to.equal(200);
		expect(lower.body.symbols[0].symbol).to.equal("AAPL");
		expect((await req("GET", "/api/v1/symbols/aapl/latest")).body).to.include({ symbol: "AAPL", price: 101 });
	});
});
