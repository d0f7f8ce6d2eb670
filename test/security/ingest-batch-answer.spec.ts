/**
 * Issue 13 item 4, the answer and the caps: a batch whose symbols cannot all be activated answers
 * 503 BUSY (Retry-After) listing per symbol what was written and what not, never silently; a
 * request may add only its tier's number of new symbols (lib/auth/tiers.ts); the event-loop delay
 * is in /metrics and /health.
 */
import { expect } from "chai";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";
import type { RookeryConfig } from "../../lib/config/config.ts";

async function start(over: (c: RookeryConfig) => void): Promise<{ node: TestNode; base: string }> {
	const config = testConfig({ nodeId: `sec-batch-${Math.random().toString(36).slice(2, 8)}`, symbols: [], services: ["gateway", "ingest", "symbols", "monitor"] });
	config.analysis = { ...config.analysis, timeframes: ["1m"], indicators: ["sma:5"], strategies: [] };
	over(config);
	const node = await startNode(config);
	return { node, base: node.base };
}

const ticksFor = (symbols: string[]) => symbols.map((symbol, i) => ({ symbol, price: 10 + i, size: 1, ts: Date.now() }));

async function post(base: string, body: unknown, headers: Record<string, string> = {}) {
	const res = await fetch(`${base}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
	return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get("retry-after") };
}

describe("security: batch answers, new-symbol caps and event-loop delay", function () {
	describe("activation queue full", () => {
		let node: TestNode;
		let base: string;
		before(async () => ({ node, base } = await start(c => (c.symbolActor = { ...c.symbolActor, maxActivations: 1, activationQueue: 5 }))));
		after(() => node?.stop());

		it("answers 503 BUSY with Retry-After, listing exactly which symbols were written and which not", async () => {
			const symbols = Array.from({ length: 40 }, (_, i) => `Q${i}`);
			const r = await post(base, ticksFor(symbols));
			expect(r.status).to.equal(503);
			expect(r.retryAfter).to.equal("1");
			expect(r.body.error.code).to.equal("BUSY");
			const accepted: string[] = r.body.error.details.accepted.map((a: { symbol: string }) => a.symbol);
			const failed: Array<{ symbol: string; ticks: number; code: string }> = r.body.error.details.failed;
			expect(accepted.length).to.be.within(1, 39);
			expect([...accepted, ...failed.map(f => f.symbol)].sort()).to.deep.equal([...symbols].sort());
			for (const f of failed) expect(f).to.include({ ticks: 1, code: "BUSY" });
			expect(r.body.error.message).to.match(new RegExp(`^${failed.length} of 40 symbols could not be written`));
			// What the answer calls written is stored, and nothing else.
			for (const s of symbols) {
				const latest = await fetch(`${base}/api/v1/symbols/${s}/latest`);
				expect(latest.status, s).to.equal(accepted.includes(s) ? 200 : 404);
			}
			const metrics = await (await fetch(`${base}/metrics`)).text();
			expect(metrics).to.match(new RegExp(`rookery_ingest_failed_symbols_total\\{[^}]*\\} ${failed.length}\\b`));
			expect(metrics).to.match(/rookery_symbols_activations_refused_total\{[^}]*reason="full"[^}]*\} [1-9]/);
		});
	});

	describe("new symbols per request by tier", () => {
		let node: TestNode;
		let base: string;
		before(async () => ({ node, base } = await start(c => (c.auth = { ...c.auth, jwtSecret: "x".repeat(32), anonymousTier: "free" }))));
		after(() => node?.stop());

		it("refuses a free-tier batch with more new symbols than its cap (422, nothing written); known symbols do not count", async () => {
			const cap = 100;
			const over = await post(base, ticksFor(Array.from({ length: cap + 1 }, (_, i) => `F${i}`)));
			expect(over.status).to.equal(422);
			expect(over.body.error.details[0]).to.include({ field: "ticks", type: "newSymbolsMax", actual: cap + 1 });
			expect(over.body.error.message).to.match(/free-tier request may add at most 100 new symbols; this one adds 101/);
			expect((await fetch(`${base}/api/v1/symbols/F0/latest`)).status).to.equal(404);
			const first = await post(base, ticksFor(Array.from({ length: cap }, (_, i) => `F${i}`)));
			expect(first.status).to.equal(200);
			expect(first.body.symbols).to.have.length(cap);
			// The same 100 again plus 100 new: only the new ones count.
			const again = await post(base, ticksFor(Array.from({ length: 2 * cap }, (_, i) => `F${i}`)));
			expect(again.status).to.equal(200);
			expect(again.body.accepted).to.equal(2 * cap);
		});
	});

	describe("event-loop delay", () => {
		let node: TestNode;
		let base: string;
		before(async () => ({ node, base } = await start(() => {})));
		after(() => node?.stop());

		it("is in /metrics (p50, p99, max) and /health", async () => {
			const health = (await (await fetch(`${base}/health`)).json()) as { system: { event_loop_delay: Record<string, number> } };
			expect(health.system.event_loop_delay).to.include.keys("p50_ms", "p99_ms", "max_ms");
			const metrics = await (await fetch(`${base}/metrics`)).text();
			for (const q of ["p50", "p99", "max"]) expect(metrics).to.match(new RegExp(`^nodejs_eventloop_lag_${q}_seconds(\\{[^}]*\\})? \\d`, "m"));
		});

		it("documents the batch answer and the tick bounds in the OpenAPI document", async () => {
			const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as any;
			const op = doc.paths["/api/v1/ticks"].post;
			expect(op.responses["503"].content["application/json"].schema.properties.error.properties.details.required).to.deep.equal(["accepted", "failed"]);
			expect(op.responses["200"].content["application/json"].schema.properties.symbols.type).to.equal("array");
			expect(op.requestBody.content["application/json"].schema.oneOf[0].properties.price).to.deep.equal({ type: "number", minimum: 1e-12, maximum: 1e12 });
		});
	});
});
