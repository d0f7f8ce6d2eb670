/**
 * Issue 13 item 13: prices and sizes near 1e308 overflowed bars to `volume: null, vwap: null` and a
 * restart recomputed them differently. Ticks now carry documented bounds (lib/protocol/tick.ts) and
 * the extremes they allow give identical, finite bars live and after a replay from the log.
 */
import { expect } from "chai";
import { checkTick, PRICE_MAX, PRICE_MIN, SIZE_MAX, type Tick } from "../../lib/protocol/tick.ts";
import { SymbolActor } from "../../lib/symbols/symbol-actor.ts";
import type { ActorOptions } from "../../lib/symbols/actor-options.ts";
import { MemoryStore } from "../../lib/store/memory-store.ts";
import { defaultConfig } from "../../lib/config/config.ts";
import { startNode, testConfig, type TestNode } from "../helpers/node.ts";

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const opts = { maxFutureMs: 60_000, now: () => T0 };

describe("security: numeric bounds keep bar arithmetic finite (live = replay)", function () {
	it("refuses price, bid, ask and size past their bounds, naming the field", () => {
		const base = { symbol: "X", price: 1, size: 1, ts: T0 };
		const cases: Array<[Partial<Tick>, string]> = [
			[{ price: 1e308 }, "price"],
			[{ price: PRICE_MAX * 1.0001 }, "price"],
			[{ price: PRICE_MIN / 2 }, "price"],
			[{ size: 1e308 }, "size"],
			[{ size: SIZE_MAX * 2 }, "size"],
			[{ bid: 1e300 }, "bid"],
			[{ ask: 1e-300 }, "ask"],
		];
		for (const [over, field] of cases) {
			const r = checkTick({ ...base, ...over }, opts);
			expect(r, JSON.stringify(over)).to.be.an("array");
			expect((r as Array<{ field: string }>)[0].field).to.equal(field);
		}
		expect(checkTick({ ...base, price: PRICE_MAX, size: SIZE_MAX, bid: PRICE_MIN, ask: PRICE_MAX }, opts)).to.not.be.an("array");
	});

	it("bars and indicators at the extremes are finite and the same after a replay from the log", async () => {
		const store = new MemoryStore({ now: () => T0 });
		const actorOpts: ActorOptions = {
			store,
			owner: "n1",
			leaseMs: 60_000,
			leaseWaitMs: 0,
			analysis: { ...defaultConfig().analysis, timeframes: ["1m", "5m"] },
			snapshotEvery: 1e9, // no snapshot: the second actor replays every tick
			dedupWindow: 100,
			mailboxLimit: 10_000,
			now: () => T0,
			publish: () => {},
		};
		const ticks: Tick[] = [];
		for (let i = 0; i < 400; i++) {
			const extreme = i % 3 === 0 ? PRICE_MAX : i % 3 === 1 ? PRICE_MIN : PRICE_MAX / 2;
			ticks.push(checkTick({ symbol: "X", price: extreme, size: i % 2 ? SIZE_MAX : 0, ts: T0 + i * 1000 }, opts) as Tick);
		}
		const live = await SymbolActor.activate("X", actorOpts);
		await live.ingest(ticks);
		const liveBars = JSON.stringify(live.analysis.bars("1m", 1000));
		const liveInd = JSON.stringify(live.analysis.indicators("1m"));
		await live.release();
		const replayed = await SymbolActor.activate("X", actorOpts);
		expect(JSON.stringify(replayed.analysis.bars("1m", 1000))).to.equal(liveBars);
		expect(JSON.stringify(replayed.analysis.indicators("1m"))).to.equal(liveInd);
		for (const b of live.analysis.bars("1m", 1000)!) {
			for (const k of ["open", "high", "low", "close", "volume", "vwap"] as const) expect(Number.isFinite((b as unknown as Record<string, number>)[k]), `${k} of ${JSON.stringify(b)}`).to.equal(true);
		}
	});

	describe("over REST", () => {
		let node: TestNode;
		before(async () => {
			const config = testConfig({ nodeId: "sec-bounds", symbols: [], services: ["gateway", "ingest", "symbols"] });
			node = await startNode(config);
		});
		after(() => node?.stop());

		it("answers 422 naming the field for price 1e308, and stores nothing", async () => {
			const base = node.base;
			const post = async (body: unknown) => {
				const res = await fetch(`${base}/api/v1/ticks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
				return { status: res.status, body: (await res.json()) as any };
			};
			const r = await post([
				{ symbol: "BIG", price: 1e308, size: 1, ts: Date.now() },
				{ symbol: "BIG", price: 1, size: 1e308, ts: Date.now() },
			]);
			expect(r.status).to.equal(422);
			expect(r.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(["[0].price", "[1].size"]);
			expect((await fetch(`${base}/api/v1/symbols/BIG/latest`)).status).to.equal(404);
		});
	});
});
