import { expect } from "chai";
import { QuoteCache } from "../../../lib/streaming/quote-cache.ts";
import { LocalBus } from "../../../lib/bus/local-bus.ts";
import { subjects } from "../../../lib/protocol/wire.ts";

/** A LocalBus whose flushes wait for `settle()` and whose connection the test drops and restores. */
class ControlledBus extends LocalBus {
	#pending: Array<() => void> = [];
	#status = new Set<(up: boolean) => void>();
	override flush(): Promise<void> {
		return new Promise(resolve => this.#pending.push(resolve));
	}
	async settleOldest(): Promise<void> {
		this.#pending.shift()?.();
		await new Promise(r => setImmediate(r));
	}
	/** The bus answers every flush asked so far. */
	async settle(): Promise<void> {
		const p = this.#pending;
		this.#pending = [];
		for (const r of p) r();
		await new Promise(r => setImmediate(r));
	}
	onStatus(l: (up: boolean) => void) {
		this.#status.add(l);
		return () => this.#status.delete(l);
	}
	status(up: boolean) {
		for (const l of this.#status) l(up);
	}
	get statusListeners() {
		return this.#status.size;
	}
}

const tick = (bus: LocalBus, symbol: string, seq: number) => bus.publish(subjects.ticks(symbol), { v: 1, seq, symbol, price: 1, size: 1, ts: seq });

describe("QuoteCache", () => {
	let bus: ControlledBus;
	let now: number;
	let cache: QuoteCache;
	beforeEach(() => {
		bus = new ControlledBus();
		now = 1_000;
		cache = new QuoteCache(bus, { maxAgeMs: 1000, maxEntries: 3, now: () => now });
	});
	afterEach(() => cache.close());

	it("keeps an answer only once the symbol's subscription is in force", async () => {
		expect(cache.get("AAPL")).to.equal(null);
		const early = cache.begin("AAPL");
		cache.fill(early, '{"a":1}');
		expect(cache.get("AAPL"), "filled before the subscription was in force").to.equal(null);
		await bus.settle();
		const t = cache.begin("AAPL");
		cache.fill(t, '{"a":2}');
		expect(cache.get("AAPL")).to.equal('{"a":2}');
		expect(cache.stats).to.deep.equal({ hits: 1, misses: 2, evicted: 0 });
	});

	it("drops the answer when a tick of the symbol arrives, and only that symbol's", async () => {
		cache.begin("AAPL");
		cache.begin("MSFT");
		await bus.settle();
		cache.fill(cache.begin("AAPL"), "a");
		cache.fill(cache.begin("MSFT"), "m");
		tick(bus, "AAPL", 2);
		expect(cache.get("AAPL")).to.equal(null);
		expect(cache.get("MSFT")).to.equal("m");
	});

	it("does not keep a fetch that a tick overtook (it may hold the value from before the tick)", async () => {
		cache.begin("AAPL");
		await bus.settle();
		const token = cache.begin("AAPL");
		tick(bus, "AAPL", 5); // written and published while the fetch was under way
		cache.fill(token, "old");
		expect(cache.get("AAPL")).to.equal(null);
		cache.fill(cache.begin("AAPL"), "new");
		expect(cache.get("AAPL")).to.equal("new");
	});

	it("answers nothing older than maxAgeMs", async () => {
		cache.begin("AAPL");
		await bus.settle();
		cache.fill(cache.begin("AAPL"), "a");
		now += 999;
		expect(cache.get("AAPL")).to.equal("a");
		now += 1;
		expect(cache.get("AAPL")).to.equal(null);
	});

	it("keeps nothing while the bus is down, and again once it is back and the subscriptions are in force", async () => {
		cache.begin("AAPL");
		await bus.settle();
		cache.fill(cache.begin("AAPL"), "a");
		bus.status(false);
		expect(cache.get("AAPL"), "ticks may have been missed").to.equal(null);
		cache.fill(cache.begin("AAPL"), "during");
		expect(cache.get("AAPL")).to.equal(null);
		bus.status(true);
		cache.fill(cache.begin("AAPL"), "before the resubscription is in force");
		expect(cache.get("AAPL")).to.equal(null);
		await bus.settle();
		cache.fill(cache.begin("AAPL"), "after");
		expect(cache.get("AAPL")).to.equal("after");
	});

	it("does not trust a flush asked before the bus went down and answered after it came back", async () => {
		cache.begin("AAPL"); // flush 1 asked
		bus.status(false);
		bus.status(true); // flush 2 asked
		await bus.settleOldest(); // flush 1 answered: the subscription may not be in force again yet
		cache.fill(cache.begin("AAPL"), "a");
		expect(cache.get("AAPL")).to.equal(null);
		await bus.settle(); // flush 2
		cache.fill(cache.begin("AAPL"), "b");
		expect(cache.get("AAPL")).to.equal("b");
	});

	it("holds at most maxEntries symbols: the oldest is dropped and unsubscribed", async () => {
		for (const s of ["A", "B", "C"]) cache.begin(s);
		await bus.settle();
		for (const s of ["A", "B", "C"]) cache.fill(cache.begin(s), s);
		cache.begin("D");
		expect(cache.size).to.equal(3);
		expect(cache.stats.evicted).to.equal(1);
		expect(cache.get("A")).to.equal(null);
		expect(cache.get("B")).to.equal("B");
		// A's subscription is gone: begin subscribes anew and must wait for it to be in force.
		const t = cache.begin("A");
		expect(t.ready).to.equal(false);
	});

	it("close ends every subscription and the status listener", async () => {
		let delivered = 0;
		cache.begin("AAPL");
		bus.subscribe(subjects.ticks("AAPL"), () => delivered++);
		expect(bus.statusListeners).to.equal(1);
		cache.close();
		tick(bus, "AAPL", 1);
		expect(delivered).to.equal(1);
		expect(bus.statusListeners).to.equal(0);
	});
});
