/**
 * The latest-quote answers of the REST gateway, kept per symbol and dropped by the symbol's tick
 * stream. `GET …/latest` is the read clients repeat most; a hit is answered without calling the
 * symbol's owner. The symbol actor writes the latest value to the store before it publishes the
 * tick, so an answer stored here is dropped when that tick arrives: a hit is as fresh as the
 * stream (the same delay as a WebSocket update), and at most `maxAgeMs` old whatever happens.
 *
 * - A fill is kept only if no tick of the symbol arrived while it was fetched (a generation per
 *   symbol), and only once the symbol's subscription is in force at the bus (`flush`).
 * - While the bus is disconnected, ticks may be missed: everything is dropped and nothing is kept
 *   until it is back and the subscriptions are in force again.
 * - At most `maxEntries` symbols (the oldest subscribed is dropped first, with a metric).
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
	storedAt: number;
	unsubscribe: () => void;
	/** Evicted or closed: a pending flush must not mark it ready. */
	gone: boolean;
}

/** What `begin` hands back and `fill` checks: the symbol's generation when the fetch started. */
export interface FillToken {
	symbol: string;
	gen: number;
	ready: boolean;
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
		if (e?.body != null && this.opts.now() - e.storedAt < this.opts.maxAgeMs) {
			this.stats.hits++;
			return e.body;
		}
		this.stats.misses++;
		return null;
	}

	/** Call before fetching: subscribes to the symbol's ticks on first use. */
	begin(symbol: string): FillToken {
		let e = this.#entries.get(symbol);
		if (!e) {
			if (this.#entries.size >= this.opts.maxEntries) this.#evictOldest();
			const entry: Entry = { gen: 0, ready: false, body: null, storedAt: 0, unsubscribe: () => {}, gone: false };
			entry.unsubscribe = this.bus.subscribe(subjects.ticks(symbol), () => {
				entry.gen++;
				entry.body = null;
			});
			this.#entries.set(symbol, entry);
			if (this.#busUp) this.#whenInForce(entry);
			e = entry;
		}
		return { symbol, gen: e.gen, ready: e.ready && this.#busUp };
	}

	/** Keeps `body` if nothing changed since `token` was taken. */
	fill(token: FillToken, body: string): void {
		const e = this.#entries.get(token.symbol);
		if (!token.ready || !e || e.gen !== token.gen || !this.#busUp) return;
		e.body = body;
		e.storedAt = this.opts.now();
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

	/** Marks `e` ready once its subscription is in force at the bus (a NATS round trip). */
	#whenInForce(e: Entry): void {
		const epoch = this.#busEpoch;
		this.bus.flush().then(
			() => {
				if (this.#busUp && this.#busEpoch === epoch && !e.gone) e.ready = true;
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
			if (up) this.#whenInForce(e);
		}
	}

	#evictOldest(): void {
		const [symbol, e] = this.#entries.entries().next().value as [string, Entry];
		e.gone = true;
		e.unsubscribe();
		this.#entries.delete(symbol);
		this.stats.evicted++;
	}
}
