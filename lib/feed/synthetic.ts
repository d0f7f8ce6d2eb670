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
}

const TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600;

export class GbmPath {
	#rand: () => number;
	#spare: number | null = null;
	#price: number;
	#drift: number;
	#vol: number;

	constructor(readonly symbol: string, opts: GbmOptions) {
		this.#rand = mulberry32(opts.seed ^ hash32(symbol));
		const dt = opts.stepSeconds / TRADING_SECONDS_PER_YEAR;
		const sigma = opts.sigma ?? 0.3;
		this.#drift = ((opts.mu ?? 0.05) - (sigma * sigma) / 2) * dt;
		this.#vol = sigma * Math.sqrt(dt);
		this.#price = 20 + (hash32(`${symbol}/start`) % 48_000) / 100;
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
		const price = round(this.#price, 4);
		const halfSpread = Math.max(0.01, round(price * 0.0001, 2));
		const size = 1 + Math.floor(-Math.log(1 - this.#rand()) * 100);
		return { symbol: this.symbol, price, size, ts, bid: round(price - halfSpread, 4), ask: round(price + halfSpread, 4) };
	}
}

function round(x: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(x * f) / f;
}

/** One GBM path per symbol, stepped together. */
export class SyntheticFeed {
	#paths: GbmPath[];

	constructor(symbols: string[], readonly opts: { seed: number; ticksPerSecond: number }) {
		this.#paths = symbols.map(s => new GbmPath(s, { seed: opts.seed, stepSeconds: 1 / opts.ticksPerSecond }));
	}

	/** One tick for every symbol. */
	step(ts: number): Tick[] {
		return this.#paths.map(p => p.next(ts));
	}
}
