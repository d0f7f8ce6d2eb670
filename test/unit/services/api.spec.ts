/**
 * The REST API of an embedded node (real broker, real HTTP, in-memory store): good input is
 * stored and readable; bad input gets 422 naming the field and changes nothing.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../../helpers/node.ts";
import { getJson, postJson } from "../../helpers/http.ts";

const NOW = Date.now();
const tick = (symbol: string, i: number, extra: object = {}) => ({ symbol, price: 100 + i, size: 10 + i, ts: NOW - 60_000 + i, ...extra });

describe("services: REST API (embedded node)", () => {
	let node: TestNode;
	let base: string;

	before(async () => {
		const config = testConfig({ nodeId: "api-test" });
		node = await startNode(config);
		base = node.base;
	});
	after(async () => node?.stop());

	const storeState = async () => {
		const s = node.deps.store;
		const syms = await s.listSymbols();
		return Promise.all(syms.map(async x => [x, await s.lastSeq(x), await s.getLatest(x)]));
	};

	it("accepts one tick and answers with its seq only after it is stored", async () => {
		const r = await postJson(`${base}/api/v1/ticks`, tick("AAPL", 0));
		expect(r.status).to.equal(200);
		expect(r.body).to.deep.include({ accepted: 1, duplicates: 0 });
		expect(r.body.symbols[0]).to.include({ symbol: "AAPL", firstSeq: 1, lastSeq: 1 });
		expect(await node.deps.store.lastSeq("AAPL")).to.equal(1);
	});

	it("accepts a batch as an array and as {ticks}, across symbols", async () => {
		const a = await postJson(`${base}/api/v1/ticks`, [tick("MSFT", 1), tick("MSFT", 2), tick("BRK.B", 3)]);
		expect(a.status).to.equal(200);
		expect(a.body.accepted).to.equal(3);
		const b = await postJson(`${base}/api/v1/ticks`, { ticks: Array.from({ length: 5000 }, (_, i) => tick("BIG", i)) });
		expect(b.status).to.equal(200);
		expect(b.body.accepted).to.equal(5000);
		expect(await node.deps.store.lastSeq("BIG")).to.equal(5000);
	});

	it("drops ticks whose vendor id was already accepted", async () => {
		await postJson(`${base}/api/v1/ticks`, [tick("DUP", 1, { id: "x1" }), tick("DUP", 2, { id: "x2" })]);
		const r = await postJson(`${base}/api/v1/ticks`, [tick("DUP", 2, { id: "x2" }), tick("DUP", 3, { id: "x3" })]);
		expect(r.body).to.deep.include({ accepted: 1, duplicates: 1 });
	});

	const badCases: Array<[string, unknown, string]> = [
		["an unknown field", tick("AAPL", 1, { venue: "X" }), "venue"],
		["a negative price", tick("AAPL", 1, { price: -3 }), "price"],
		["a negative size", tick("AAPL", 1, { size: -3 }), "size"],
		["a ts far in the future", tick("AAPL", 1, { ts: NOW + 86_400_000 }), "ts"],
		["a bad symbol", tick("aa pl", 1), "symbol"],
		["a bad tick inside a batch", { ticks: [tick("AAPL", 5), tick("AAPL", 6, { price: "NaN" })] }, "ticks[1].price"],
		["a batch over 5,000", { ticks: Array.from({ length: 5001 }, (_, i) => tick("AAPL", i)) }, "ticks"],
	];
	for (const [name, body, field] of badCases) {
		it(`refuses ${name} with 422 naming '${field}', and stores nothing`, async () => {
			const before = await storeState();
			const r = await postJson(`${base}/api/v1/ticks`, body);
			expect(r.status).to.equal(422);
			expect(r.body.error.code).to.equal("VALIDATION_ERROR");
			expect(r.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
			expect(await storeState()).to.deep.equal(before);
		});
	}

	it("splits a large batch for one symbol into ordered calls, with refusals at their request index", async () => {
		const ticks = Array.from({ length: 2500 }, (_, i) => tick("CHUNK", i, { id: `c-${i}-${"x".repeat(50)}` }));
		ticks[1700] = tick("CHUNK", 1700, { ts: NOW - 3_600_000, id: "late-one" }); // an hour late
		const r = await postJson(`${base}/api/v1/ticks`, ticks);
		expect(r.status).to.equal(200);
		expect(r.body).to.include({ accepted: 2499, late: 1 });
		expect(r.body.refused).to.deep.equal([{ index: 1700, symbol: "CHUNK", reason: r.body.refused[0].reason }]);
		expect(r.body.symbols[0]).to.include({ firstSeq: 1, lastSeq: 2499 });
		const seqs = (await node.deps.store.range("CHUNK", 1, 3000)).map(e => e.seq);
		expect(seqs).to.deep.equal(Array.from({ length: 2499 }, (_, i) => i + 1));
	});

	it("refuses a body that is JSON but not a tick, a list or {ticks}, with 422", async () => {
		for (const body of ["5", "null", '"AAPL"']) {
			const r = await postJson(`${base}/api/v1/ticks`, body);
			expect(r.status, body).to.equal(422);
			expect(r.body.error.details[0].field).to.equal("tick");
		}
	});

	it("refuses NaN and Infinity, which JSON cannot carry, as a 400 bad body", async () => {
		const r = await postJson(`${base}/api/v1/ticks`, '{"symbol":"AAPL","price":NaN,"size":1,"ts":1}');
		expect(r.status).to.equal(400);
		expect(r.body.error.code).to.equal("BAD_REQUEST");
	});

	it("counts refused input in /metrics", async () => {
		const m = await getJson(`${base}/metrics`);
		expect(m.status).to.equal(200);
		expect(m.body).to.match(/rookery_ingest_rejected_total\{[^}]*reason="numberMin"[^}]*\} [1-9]/);
		expect(m.body).to.match(/rookery_http_errors_total\{[^}]*status="422"[^}]*\} [1-9]/);
	});

	it("serves latest, history with paging, bars, the symbol list and health", async () => {
		const latest = await getJson(`${base}/api/v1/symbols/MSFT/latest`);
		expect(latest.status).to.equal(200);
		expect(latest.body).to.deep.equal({ v: 1, seq: 2, ...tick("MSFT", 2) });
		// Lowercase in a URL is read as the symbol it names.
		expect((await getJson(`${base}/api/v1/symbols/msft/latest`)).body.seq).to.equal(2);

		const h1 = await getJson(`${base}/api/v1/symbols/BIG/history?from_seq=10&limit=3`);
		expect(h1.body.items.map((i: { seq: number }) => i.seq)).to.deep.equal([10, 11, 12]);
		expect(h1.body.next_from_seq).to.equal(13);
		expect(h1.body.items[0]).to.deep.equal({ seq: 10, ...tick("BIG", 9) });

		const bars = await getJson(`${base}/api/v1/symbols/BIG/bars?tf=1m&limit=5`);
		expect(bars.status).to.equal(200);
		expect(bars.body.bars.reduce((n: number, b: { trades: number }) => n + b.trades, 0)).to.be.greaterThan(0);

		const list = await getJson(`${base}/api/v1/symbols`);
		expect(list.body.items.map((s: { symbol: string }) => s.symbol)).to.include.members(["AAPL", "BIG", "BRK.B", "MSFT"]);
		expect(list.body.items.find((s: { symbol: string }) => s.symbol === "MSFT")).to.include({ node: "api-test", seq: 2 });
		expect(list.body).to.include({ total: list.body.items.length, limit: 100, offset: 0 });
		// Pages by name: consecutive pages neither repeat nor skip.
		const names = list.body.items.map((s: { symbol: string }) => s.symbol);
		const p1 = await getJson(`${base}/api/v1/symbols?limit=2`);
		const p2 = await getJson(`${base}/api/v1/symbols?limit=2&offset=2`);
		expect([...p1.body.items, ...p2.body.items].map((s: { symbol: string }) => s.symbol)).to.deep.equal(names.slice(0, 4));
		expect(p2.body).to.include({ total: names.length, limit: 2, offset: 2 });
		expect((await getJson(`${base}/api/v1/symbols?offset=${names.length}`)).body).to.deep.equal({ items: [], total: names.length, limit: 100, offset: names.length });
		const bad = await getJson(`${base}/api/v1/symbols?limit=0`);
		expect(bad.status).to.equal(422);
		expect(bad.body.error.details[0].field).to.equal("limit");

		const cluster = await getJson(`${base}/api/v1/cluster`);
		expect(cluster.status).to.equal(200);
		expect(cluster.body.nodes).to.have.length(1);
		expect(cluster.body.nodes[0]).to.include({ id: "api-test", available: true, local: true });
		expect(cluster.body.nodes[0].services).to.include.members(["gateway", "ingest", "symbols", "monitor"]);
		expect(cluster.body.nodes[0].symbols).to.include.members(["AAPL", "MSFT"]);

		const health = await getJson(`${base}/health`);
		expect(health.status).to.equal(200);
		expect(health.body).to.include({ mode: "embedded" });
		// "warning" when a resource is past its limit (a loaded machine's event loop): still 200.
		expect(health.body.status).to.be.oneOf(["ok", "warning"]);
	});

	it("answers unknown symbols with 404 and bad query values with 422, in the error format", async () => {
		const nf = await getJson(`${base}/api/v1/symbols/NOPE/latest`);
		expect(nf.status).to.equal(404);
		expect(nf.body.error).to.include({ code: "NOT_FOUND" });
		expect((await getJson(`${base}/api/v1/symbols/NOPE/bars`)).status).to.equal(404);
		expect((await getJson(`${base}/api/v1/symbols/NOPE/history`)).status).to.equal(404);
		const bad = await getJson(`${base}/api/v1/symbols/AAPL/history?limit=99999`);
		expect(bad.status).to.equal(422);
		expect(bad.body.error.details[0].field).to.equal("limit");
		const tf = await getJson(`${base}/api/v1/symbols/AAPL/bars?tf=7m`);
		expect(tf.status).to.equal(422);
		expect(tf.body.error.details[0].field).to.equal("tf");
		expect((await getJson(`${base}/api/v1/nothing-here`)).status).to.equal(404);
	});
});
