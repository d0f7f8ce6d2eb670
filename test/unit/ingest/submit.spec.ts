/** submitTicks: one owner call per symbol and chunk, request order kept, one merged answer. */
import { expect } from "chai";
import { submitTicks, CHUNK, type OwnerCall } from "../../../lib/ingest/submit.ts";
import { BusyError, UnavailableError } from "../../../lib/protocol/errors.ts";
import type { Tick } from "../../../lib/protocol/tick.ts";
import type { IngestResult } from "../../../lib/symbols/symbol-actor.ts";

const tick = (symbol: string, i: number): Tick => ({ symbol, price: 100 + i, size: 1, ts: 1_700_000_000_000 + i });

/** An owner that logs each call and answers like a symbol actor (seqs per symbol), or refuses some. */
function owner(refuse: Record<string, Error> = {}) {
	const calls: Array<{ symbol: string; ticks: Tick[] }> = [];
	const seqs = new Map<string, number>();
	const call: OwnerCall = async (symbol, ticks) => {
		calls.push({ symbol, ticks });
		if (refuse[symbol]) throw refuse[symbol];
		const first = (seqs.get(symbol) ?? 0) + 1;
		seqs.set(symbol, first + ticks.length - 1);
		// The first tick of each call is "late", to check the indexes mapped back to the request.
		const r: IngestResult = { symbol, accepted: ticks.length - 1, duplicates: 0, late: 1, firstSeq: first, lastSeq: first + ticks.length - 1, refused: [{ index: 0, reason: "late" }] };
		return r;
	};
	const counted = { accepted: 0, failed: 0, late: 0 };
	const count = { accepted: (n: number) => (counted.accepted += n), failedSymbols: (n: number) => (counted.failed += n), late: (n: number) => (counted.late += n) };
	return { calls, call, count, counted };
}

describe("ingest: submitTicks", () => {
	it("groups per symbol in request order, chunks past CHUNK, and maps refusals back to request indexes", async () => {
		const ticks = [...Array.from({ length: CHUNK + 5 }, (_, i) => tick(i % 2 ? "B" : "A", i)), tick("C", 9)];
		const o = owner();
		const r = await submitTicks(ticks, o.call, o.count);
		const a = ticks.filter(t => t.symbol === "A");
		expect(o.calls.map(c => [c.symbol, c.ticks.length])).to.deep.equal([
			["A", a.length],
			["B", CHUNK + 5 - a.length],
			["C", 1],
		]);
		expect(o.calls[0].ticks).to.deep.equal(a);
		expect(o.calls[0].ticks, "each call gets its own array").to.not.equal(o.calls[1].ticks);
		expect(r.accepted).to.equal(ticks.length - 3);
		expect(r.late).to.equal(3);
		expect(r.refused).to.deep.equal([
			{ index: 0, symbol: "A", reason: "late" },
			{ index: 1, symbol: "B", reason: "late" },
			{ index: CHUNK + 5, symbol: "C", reason: "late" },
		]);
		expect(o.counted).to.deep.equal({ accepted: ticks.length - 3, failed: 0, late: 3 });

		const big = Array.from({ length: CHUNK * 2 + 1 }, (_, i) => tick("D", i));
		const o2 = owner();
		const r2 = await submitTicks(big, o2.call, o2.count);
		expect(o2.calls.map(c => c.ticks.length)).to.deep.equal([CHUNK, CHUNK, 1]);
		expect(r2.symbols[0]).to.include({ accepted: CHUNK * 2 - 2, late: 3, firstSeq: 1, lastSeq: CHUNK * 2 + 1 });
		expect(r2.refused!.map(x => x.index)).to.deep.equal([0, CHUNK, CHUNK * 2]);
	});

	it("names the symbols not written: UnavailableError, or BusyError when every failure is BUSY; one symbol rethrows its error", async () => {
		const ticks = [tick("A", 1), tick("B", 2), tick("B", 3), tick("C", 4)];
		const o = owner({ B: new UnavailableError("store away") });
		const err = (await submitTicks(ticks, o.call, o.count).catch(e => e)) as UnavailableError;
		expect(err).to.be.instanceOf(UnavailableError);
		expect((err.data as { failed: unknown[] }).failed).to.deep.equal([{ symbol: "B", ticks: 2, code: "SERVICE_UNAVAILABLE", reason: "store away" }]);
		expect((err.data as { accepted: IngestResult[] }).accepted.map(x => x.symbol)).to.deep.equal(["A", "C"]);
		expect(o.counted).to.include({ accepted: 0, failed: 1 });

		const busy = owner({ A: new BusyError("mailbox full"), C: new BusyError("mailbox full") });
		expect(await submitTicks(ticks, busy.call, busy.count).catch(e => e)).to.be.instanceOf(BusyError);

		const one = owner({ A: new BusyError("mailbox full") });
		const e1 = (await submitTicks([tick("A", 1)], one.call, one.count).catch(e => e)) as Error;
		expect(e1.message).to.equal("mailbox full");
	});
});
