/**
 * The latest-quote answers of the REST gateway, kept per symbol and dropped by the symbol's tick
 * stream. `GET …/latest` is the read clients repeat most; a hit is answered without calling the
 * symbol's owner. The symbol actor writes the latest value to the store before it publishes the
 * tick, so an answer stored here is dropped when that tick arrives: a hit is as fresh as the
 * stream (the same delay as a WebSocket update), and never older than `maxAgeMs` counted from when
 * its fetch started, whatever happens to the bus.
 *
 * - A symbol is subscribed to once it has been answered (`fill`), so requests for symbols without
 *   data subscribe to nothing. Its answers are kept from the next fetch on, once the subscription
 *   is in force at the bus (`flush`).
 * - A fill is kept only if no tick of the symbol arrived while it was fetched, and only into the
 *   entry it started on (a generation per entry; an entry dropped and made again is another one).
 * - While the bus is disconnected, ticks may be missed: everything is dropped and nothing is kept
 *   until it is back and the subscriptions are in force again.
 * - At most `maxEntries` symbols; the oldest is dropped first unless it was read since the last
 *   sweep (second chance), with a count.
 */
import type { Bus } from "../bus/bus.ts";
import { subjects } from "../protocol/wire.ts";

export interface QuoteCacheOptions {
	maxAgeMs: number;
	maxEntries: number;
	now: () => number;
}

interface Entry {
	/** Bumped by every tick: a fill started at an older generation is not kept. */
	gen: number;
	/** The subscription is in force at the bus. */
	ready: boolean;
	body: string | null;
	/** When the fetch of `body` started. */
	fetchedAt: number;
	/** Read since the last eviction sweep passed it. */
	used: boolean;
	unsubscribe: () => void;
	/** Evicted or closed: a pending flush must not mark it ready. */
	gone: boolean;
}

/** What `begin` hands back and `fill` checks: the entry and its generation when the fetch started. */
export interface FillToken {
	symbol: string;
	entry: Entry | null;
	gen: number;
	startedAt: number;
}

export class QuoteCache {
	/** Plain counts (a labelled metric per read would cost more than the read); the gateway exports them. */
	readonly stats = { hits: 0, misses: 0, evicted: 0 };
	#entries = new Map<string, Entry>();
	#busUp = true;
	/** Bumped by every bus status change: a flush from before one proves nothing. */
	#busEpoch = 0;
	#stopStatus: (() => void) | null;

	constructor(
		readonly bus: Bus,
		readonly opts: QuoteCacheOptions,
	) {
		this.#stopStatus = bus.onStatus?.(up => this.#onBusStatus(up)) ?? null;
	}

	get size(): number {
		return this.#entries.size;
	}

	/** The stored answer of `symbol`'s latest quote (JSON), or null: then fetch it between `begin` and `fill`. */
	get(symbol: string): string | null {
		const e = this.#entries.get(symbol);
		if (e?.body != null && this.opts.now() - e.fetchedAt < this.opts.maxAgeMs) {
			e.used = true;
			this.stats.hits++;
			return e.body;
		}
		this.stats.misses++;
		return null;
	}

	/** Call before fetching. */
	begin(symbol: string): FillToken {
		const e = this.#entries.get(symbol) ?? null;
		return { symbol, entry: e, gen: e?.gen ?? 0, startedAt: this.opts.now() };
	}

	/**
	 * After a successful fetch: keeps `body` if nothing changed since `token` was taken; the first
	 * answer of a symbol only subscribes to its ticks.
	 */
	fill(token: FillToken, body: string): void {
		const e = token.entry;
		if (e === null) {
			if (!this.#entries.has(token.symbol)) this.#subscribe(token.symbol);
			return;
		}
		if (e.gone || !e.ready || e.gen !== token.gen || !this.#busUp) return;
		e.body = body;
		e.fetchedAt = token.startedAt;
	}

	/**
	 * Drops `symbol`'s answer now: for a write this node saw acknowledged, whose tick may reach it
	 * over the bus after the writer's next read.
	 */
	invalidate(symbol: string): void {
		const e = this.#entries.get(symbol);
		if (!e) return;
		e.gen++;
		e.body = null;
	}

	close(): void {
		this.#stopStatus?.();
		for (const e of this.#entries.values()) {
			e.gone = true;
			e.unsubscribe();
		}
		this.#entries.clear();
	}

	#subscribe(symbol: string): void {
		if (this.#entries.size >= this.opts.maxEntries) this.#evictOne();
		const entry: Entry = { gen: 0, ready: false, body: null, fetchedAt: 0, used: false, unsubscribe: () => {}, gone: false };
		// Only the arrival matters, not the tick: no need to decode it.
		entry.unsubscribe = this.bus.subscribe(
			subjects.ticks(symbol),
			() => {
				entry.gen++;
				entry.body = null;
			},
			{ decode: false },
		);
		this.#entries.set(symbol, entry);
		if (this.#busUp) this.#whenInForce([entry]);
	}

	/** Marks `entries` ready once their subscriptions are in force at the bus (a NATS round trip). */
	#whenInForce(entries: Entry[]): void {
		const epoch = this.#busEpoch;
		this.bus.flush().then(
			() => {
				if (!this.#busUp || this.#busEpoch !== epoch) return;
				for (const e of entries) if (!e.gone) e.ready = true;
			},
			() => {},
		);
	}

	#onBusStatus(up: boolean): void {
		this.#busUp = up;
		this.#busEpoch++;
		for (const e of this.#entries.values()) {
			e.gen++;
			e.body = null;
			e.ready = false;
		}
		// One flush for all: the client sends every subscription again before it.
		if (up) this.#whenInForce([...this.#entries.values()]);
	}

	/** Second chance: entries read since the sweep last passed them go to the back once. */
	#evictOne(): void {
		for (;;) {
			const [symbol, e] = this.#entries.entries().next().value as [string, Entry];
			this.#entries.delete(symbol);
			if (e.used) {
				e.used = false;
				this.#entries.set(symbol, e);
				continue;
			}
			e.gone = true;
			e.unsubscribe();
			this.stats.evicted++;
			return;
		}
	}
}
