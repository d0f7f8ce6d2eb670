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

	/** A symbol answered once (subscribed), the subscription in force, then answered `body` (kept; not read yet). */
	const prime = async (symbol: string, body: string) => {
		cache.fill(cache.begin(symbol), "first");
		await bus.settle();
		cache.fill(cache.begin(symbol), body);
	};

	it("subscribes on a symbol's first answer and keeps answers once the subscription is in force", async () => {
		expect(cache.get("AAPL")).to.equal(null);
		cache.fill(cache.begin("AAPL"), '{"a":1}');
		expect(cache.size).to.equal(1);
		expect(cache.get("AAPL"), "the first answer only subscribes").to.equal(null);
		cache.fill(cache.begin("AAPL"), '{"a":2}');
		expect(cache.get("AAPL"), "filled before the subscription was in force").to.equal(null);
		await bus.settle();
		cache.fill(cache.begin("AAPL"), '{"a":3}');
		expect(cache.get("AAPL")).to.equal('{"a":3}');
		expect(cache.stats).to.deep.equal({ hits: 1, misses: 3, evicted: 0 });
	});

	it("subscribes to nothing for a symbol that was never answered (a 404 calls begin, not fill)", () => {
		for (let i = 0; i < 100; i++) cache.begin(`NODATA${i}`);
		expect(cache.size).to.equal(0);
	});

	it("drops the answer when a tick of the symbol arrives, and only that symbol's", async () => {
		await prime("AAPL", "a");
		await prime("MSFT", "m");
		tick(bus, "AAPL", 2);
		expect(cache.get("AAPL")).to.equal(null);
		expect(cache.get("MSFT")).to.equal("m");
	});

	it("does not keep a fetch that a tick overtook (it may hold the value from before the tick)", async () => {
		await prime("AAPL", "a");
		const token = cache.begin("AAPL");
		tick(bus, "AAPL", 5); // written and published while the fetch was under way
		cache.fill(token, "old");
		expect(cache.get("AAPL")).to.equal(null);
		cache.fill(cache.begin("AAPL"), "new");
		expect(cache.get("AAPL")).to.equal("new");
	});

	it("invalidate drops the answer and voids fetches under way", async () => {
		await prime("AAPL", "a");
		const token = cache.begin("AAPL");
		cache.invalidate("AAPL");
		expect(cache.get("AAPL")).to.equal(null);
		cache.fill(token, "old");
		expect(cache.get("AAPL")).to.equal(null);
	});

	it("answers nothing older than maxAgeMs, counted from when its fetch started", async () => {
		await prime("AAPL", "a");
		now += 999;
		expect(cache.get("AAPL")).to.equal("a");
		now += 1;
		expect(cache.get("AAPL")).to.equal(null);
		const slow = cache.begin("AAPL");
		now += 600; // a slow fetch
		cache.fill(slow, "b");
		expect(cache.get("AAPL")).to.equal("b");
		now += 400;
		expect(cache.get("AAPL"), "1000 ms after the fetch started").to.equal(null);
	});

	it("keeps nothing while the bus is down, and again once it is back and the subscriptions are in force", async () => {
		await prime("AAPL", "a");
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
		cache.fill(cache.begin("AAPL"), "first"); // subscribes: flush 1 asked
		bus.status(false);
		bus.status(true); // flush 2 asked
		await bus.settleOldest(); // flush 1 answered: the subscription may not be in force again yet
		cache.fill(cache.begin("AAPL"), "a");
		expect(cache.get("AAPL")).to.equal(null);
		await bus.settle(); // flush 2
		cache.fill(cache.begin("AAPL"), "b");
		expect(cache.get("AAPL")).to.equal("b");
	});

	it("does not keep a fetch begun on an entry that was dropped and made again meanwhile", async () => {
		await prime("A", "a1");
		const token = cache.begin("A"); // a fetch under way on A's entry
		for (const s of ["B", "C", "D"]) cache.fill(cache.begin(s), "first"); // D pushes A out (unread)
		expect(cache.stats.evicted).to.equal(1);
		expect(cache.get("A")).to.equal(null);
		tick(bus, "A", 9); // nobody hears it
		cache.fill(cache.begin("A"), "first"); // A subscribed again (pushes another out)
		await bus.settle();
		cache.fill(token, "a-old");
		expect(cache.get("A"), "the old fetch belongs to the dropped entry").to.equal(null);
	});

	it("holds at most maxEntries symbols: the oldest unread one is dropped and unsubscribed", async () => {
		for (const s of ["A", "B", "C"]) await prime(s, s);
		expect(cache.get("A")).to.equal("A"); // A read: it gets a second chance
		cache.fill(cache.begin("D"), "first");
		expect(cache.size).to.equal(3);
		expect(cache.stats.evicted).to.equal(1);
		expect(cache.get("A")).to.equal("A");
		expect(cache.get("B"), "B was the oldest unread").to.equal(null);
		expect(cache.get("C")).to.equal("C");
		let heard = 0;
		bus.subscribe(subjects.ticks("B"), () => heard++);
		tick(bus, "B", 1);
		expect(heard, "only the test's own subscription is left on B").to.equal(1);
	});

	it("close ends every subscription and the status listener", async () => {
		let delivered = 0;
		cache.fill(cache.begin("AAPL"), "first");
		bus.subscribe(subjects.ticks("AAPL"), () => delivered++);
		expect(bus.statusListeners).to.equal(1);
		cache.close();
		tick(bus, "AAPL", 1);
		expect(delivered).to.equal(1);
		expect(bus.statusListeners).to.equal(0);
	});
});
