/**
 * Deterministic synthetic market: each symbol follows geometric Brownian motion driven by its own
 * seeded PRNG, so the same seed and symbol always give the same price path (only `ts` comes from
 * the clock). Used by `npm start` so a new user sees live data with no vendor.
 */
import type { Tick } from "../protocol/tick.ts";
import { hash32, mulberry32 } from "./random.ts";

export interface GbmOptions {
	seed: number;
	/** Annualised drift and volatility. */
	mu?: number;
	sigma?: number;
	/** Seconds of trading time between two ticks of one symbol. */
	stepSeconds: number;
	/** Price before the first step; by default a per-symbol constant (startPrice). */
	startPrice?: number;
}

/** Where a symbol's live synthetic path starts: 20.00 to 499.99, fixed per symbol. */
export function startPrice(symbol: string): number {
	return 20 + (hash32(`${symbol}/start`) % 48_000) / 100;
}

const TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600;

export class GbmPath {
	#rand: () => number;
	#spare: number | null = null;
	#price: number;
	#drift: number;
	#vol: number;

	constructor(
		readonly symbol: string,
		opts: GbmOptions,
	) {
		this.#rand = mulberry32(opts.seed ^ hash32(symbol));
		const dt = opts.stepSeconds / TRADING_SECONDS_PER_YEAR;
		const sigma = opts.sigma ?? 0.3;
		this.#drift = ((opts.mu ?? 0.05) - (sigma * sigma) / 2) * dt;
		this.#vol = sigma * Math.sqrt(dt);
		this.#price = opts.startPrice ?? startPrice(symbol);
	}

	/** Standard normal by Box–Muller, using both outputs. */
	#normal(): number {
		if (this.#spare !== null) {
			const s = this.#spare;
			this.#spare = null;
			return s;
		}
		const u = 1 - this.#rand();
		const v = this.#rand();
		const r = Math.sqrt(-2 * Math.log(u));
		this.#spare = r * Math.sin(2 * Math.PI * v);
		return r * Math.cos(2 * Math.PI * v);
	}

	next(ts: number): Tick {
		this.#price *= Math.exp(this.#drift + this.#vol * this.#normal());
		const size = 1 + Math.floor(-Math.log(1 - this.#rand()) * 100);
		return quoteTick(this.symbol, this.#price, size, ts);
	}
}

/** A trade at `price` (rounded to 4 places) with a one-basis-point half spread around it. */
function quoteTick(symbol: string, rawPrice: number, size: number, ts: number): Tick {
	const price = round(rawPrice, 4);
	const halfSpread = Math.max(0.01, round(price * 0.0001, 2));
	return { symbol, price, size, ts, bid: round(price - halfSpread, 4), ask: round(price + halfSpread, 4) };
}

function round(x: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(x * f) / f;
}

/** One GBM path per symbol, stepped together. */
export class SyntheticFeed {
	#paths: GbmPath[];

	constructor(
		symbols: string[],
		readonly opts: { seed: number; ticksPerSecond: number },
	) {
		this.#paths = symbols.map(s => new GbmPath(s, { seed: opts.seed, stepSeconds: 1 / opts.ticksPerSecond }));
	}

	/** One tick for every symbol. */
	step(ts: number): Tick[] {
		return this.#paths.map(p => p.next(ts));
	}
}

export interface HistoryOptions {
	seed: number;
	/** The first live tick's time: history ends one step before it. */
	endTs: number;
	spanMs: number;
	/** Time between two history ticks of one symbol. */
	stepMs: number;
}

/**
 * Past ticks for a warm start: per symbol a seeded GBM path over `spanMs` (its own stream, so the live
 * path is unchanged), scaled so that its last price is the live path's start price: the chart runs
 * from history into the live feed without a jump. Sorted by time; deterministic for seed and end.
 */
export function syntheticHistory(symbols: string[], opts: HistoryOptions): Tick[] {
	const n = Math.floor(opts.spanMs / opts.stepMs);
	const out: Tick[] = [];
	for (const symbol of symbols) {
		const path = new GbmPath(symbol, { seed: opts.seed ^ hash32("history"), stepSeconds: opts.stepMs / 1000 });
		const raw = Array.from({ length: n }, (_, i) => path.next(opts.endTs - (n - i) * opts.stepMs));
		const k = n > 0 ? startPrice(symbol) / raw[n - 1].price : 1;
		for (const t of raw) out.push(quoteTick(symbol, t.price * k, t.size, t.ts));
	}
	return out.sort((a, b) => a.ts - b.ts);
}
