/**
 * Issue 13 "lease renewal that long work cannot starve": a symbol whose log takes longer to
 * replay than its lease lasts keeps the lease, because the replay renews it between pages (and
 * lets the event loop run), instead of losing it to another node mid-activation. The store's
 * clock moves 400 ms per page read; the lease lasts 1 s; the replay reads six pages.
 */
import { expect } from "chai";
import { SymbolActor } from "../../lib/symbols/symbol-actor.ts";
import type { ActorOptions } from "../../lib/symbols/actor-options.ts";
import { MemoryStore } from "../../lib/store/memory-store.ts";
import { defaultConfig } from "../../lib/config/config.ts";
import type { Tick } from "../../lib/protocol/tick.ts";

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const TICKS = 5500;

describe("security: a long log replay renews its own lease", () => {
	it("six pages at 400 ms each under a 1 s lease: renewed as it goes, still held, the next write lands", async () => {
		let now = T0;
		let slow = false;
		const counts = { pages: 0, renewals: 0 };
		const store = new (class extends MemoryStore {
			override async range(...a: Parameters<MemoryStore["range"]>) {
				if (slow) {
					counts.pages++;
					now += 400;
				}
				return super.range(...a);
			}
		})({ now: () => now });
		const renew = store.leases.renew.bind(store.leases);
		store.leases.renew = (...a) => (slow && counts.renewals++, renew(...a));
		const opts = (owner: string): ActorOptions => ({
			store,
			owner,
			leaseMs: 1000,
			leaseWaitMs: 0,
			analysis: { ...defaultConfig().analysis, timeframes: ["1m"], indicators: ["sma:5"], strategies: [] },
			snapshotEvery: 1e9, // no snapshot: the next activation replays the whole log
			dedupWindow: 100,
			mailboxLimit: 10_000,
			now: () => now,
			publish: () => {},
		});
		const tick = (i: number): Tick => ({ symbol: "LONG", price: 100 + (i % 10), size: 1, ts: T0 + i });
		const writer = await SymbolActor.activate("LONG", opts("n1"));
		await writer.ingest(Array.from({ length: TICKS }, (_, i) => tick(i)));
		await writer.release();

		slow = true;
		let turns = 0;
		let done = false;
		const ticker = () => (turns++, done || setImmediate(ticker));
		setImmediate(ticker);
		const a = await SymbolActor.activate("LONG", opts("n2"));
		done = true;
		slow = false;
		expect(a.seq).to.equal(TICKS);
		expect(counts.pages).to.equal(Math.ceil((TICKS + 1) / 1000));
		expect(now - T0, "the replay took longer than the lease lasts").to.be.above(2000);
		expect(counts.renewals, "renewed while replaying").to.be.at.least(2);
		expect(turns, "the event loop ran between pages").to.be.at.least(counts.pages - 1);
		// Still the owner: another node cannot take the key, and this one's next write is accepted.
		await SymbolActor.activate("LONG", opts("n3")).then(
			() => expect.fail("another node took the lease"),
			() => {},
		);
		expect(await a.ingest([tick(TICKS)])).to.include({ firstSeq: TICKS + 1 });
		await a.release();
	});
});
