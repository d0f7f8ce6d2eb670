/**
 * Owner calls grouped per owner node: one call per owner and turn (≤ CHUNK ticks a call), each
 * symbol answered on its own, a failed call failing exactly its symbols.
 */
import { expect } from "chai";
import { OwnerBatches, type EntryOutcome, type OwnerEntry, type PlainError } from "../../../lib/ingest/owner-batches.ts";
import { CHUNK, submitTicks } from "../../../lib/ingest/submit.ts";
import type { IngestResult } from "../../../lib/symbols/symbol-actor.ts";
import type { Tick } from "../../../lib/protocol/tick.ts";

const tick = (symbol: string, i = 0): Tick => ({ symbol, price: 100 + i, size: 1, ts: 1_700_000_000_000 + i });
const ok = (e: OwnerEntry): EntryOutcome => ({ ok: { symbol: e.symbol, accepted: e.ticks.length, duplicates: 0, late: 0, firstSeq: 1, lastSeq: e.ticks.length } });
const restore = (p: PlainError) => Object.assign(new Error(p.message), { name: p.name, type: p.type, code: p.code });
const counters = { accepted: () => {}, failedSymbols: () => {}, late: () => {} };

describe("lib/ingest/owner-batches", () => {
	it("makes one call per owner node for the symbols of one turn, each answered with its own result", async () => {
		const calls: Array<{ owner: string | undefined; symbols: string[] }> = [];
		const b = new OwnerBatches(
			s => (s < "M" ? "node-a" : "node-b"),
			async (owner, entries) => (calls.push({ owner, symbols: entries.map(e => e.symbol) }), entries.map(ok)),
			restore,
		);
		const ticks = ["AAPL", "ZM", "IBM", "TSLA", "AAPL", "MSFT"].map((s, i) => tick(s, i));
		const r = await submitTicks(ticks, b.call, counters);
		expect(calls).to.deep.equal([
			{ owner: "node-a", symbols: ["AAPL", "IBM"] },
			{ owner: "node-b", symbols: ["ZM", "TSLA", "MSFT"] },
		]);
		expect(r.accepted).to.equal(6);
		expect(r.symbols.map(s => [s.symbol, s.accepted])).to.deep.equal([
			["AAPL", 2],
			["ZM", 1],
			["IBM", 1],
			["TSLA", 1],
			["MSFT", 1],
		]);
	});

	it("splits an owner's symbols into calls of at most CHUNK ticks", async () => {
		const sizes: number[] = [];
		const b = new OwnerBatches(
			() => "n",
			async (_o, entries) => (sizes.push(entries.reduce((n, e) => n + e.ticks.length, 0)), entries.map(ok)),
			restore,
		);
		const ticks = ["A", "B", "C", "D", "E"].flatMap(s => Array.from({ length: 400 }, (_, i) => tick(s, i)));
		const r = await submitTicks(ticks, b.call, counters);
		expect(r.accepted).to.equal(2000);
		expect(sizes).to.deep.equal([800, 800, 400]);
		expect(sizes.every(n => n <= CHUNK)).to.equal(true);
	});

	it("fails exactly the symbols the owner refused, with their own errors, and all of a call that failed", async () => {
		const b = new OwnerBatches(
			s => (s === "DOWN" ? "gone" : "n"),
			async (owner, entries) => {
				if (owner === "gone") throw Object.assign(new Error("node gone"), { name: "RequestTimeoutError", type: "REQUEST_TIMEOUT" });
				return entries.map(e => (e.symbol === "FULL" ? { error: { name: "BusyError", message: "symbol FULL: 5 updates are waiting", type: "BUSY", code: 503, retryable: true } } : ok(e)));
			},
			restore,
		);
		const err = (await submitTicks([tick("OK"), tick("FULL"), tick("DOWN")], b.call, counters).then(
			() => expect.fail("resolved"),
			(e: unknown) => e,
		)) as Error & { data: { accepted: IngestResult[]; failed: Array<{ symbol: string; code: string; reason: string }> } };
		expect(err.data.accepted.map(a => a.symbol)).to.deep.equal(["OK"]);
		expect(err.data.failed.map(f => [f.symbol, f.code, f.reason])).to.deep.equal([
			["FULL", "BUSY", "symbol FULL: 5 updates are waiting"],
			["DOWN", "REQUEST_TIMEOUT", "node gone"],
		]);
	});

	it("flushes each turn on its own: calls of a later turn go in a later call", async () => {
		const calls: string[][] = [];
		const b = new OwnerBatches(
			() => "n",
			async (_o, entries) => (calls.push(entries.map(e => e.symbol)), entries.map(ok)),
			restore,
		);
		const first = b.call("A", [tick("A")]);
		const second = b.call("B", [tick("B")]);
		await Promise.all([first, second]);
		await b.call("C", [tick("C")]);
		expect(calls).to.deep.equal([["A", "B"], ["C"]]);
	});
});
