/**
 * A vendor that needs no network: seeded GBM prices (lib/feed/synthetic.ts), news whose headlines
 * carry clear sentiment words, fundamentals, analytics and insider trades. Deterministic for a seed
 * and symbol: only timestamps come from the clock. The default vendor of embedded mode.
 */
import { GbmPath } from "../feed/synthetic.ts";
import { hash32, mulberry32 } from "../feed/random.ts";
import { PollVendor, DATA_TYPES, type DataType, type VendorItem } from "./vendor.ts";

export interface SyntheticOptions {
	seed: number;
	/** Seconds of market time between two market_data polls of one symbol. */
	stepSeconds?: number;
	now?: () => number;
}

const POSITIVE = ["beats estimates", "raises guidance", "surges on record demand", "wins major contract", "upgraded to buy", "posts strong growth"];
const NEGATIVE = ["misses estimates", "cuts guidance", "plunges after weak sales", "faces regulatory probe", "downgraded to sell", "reports heavy losses"];
const NEUTRAL = ["schedules earnings call", "names new board member", "holds annual meeting", "updates product lineup"];
const SECTORS = ["Technology", "Consumer", "Healthcare", "Financials", "Energy", "Industrials"];
const INSIDERS = [
	["Jane Roe", "CEO"],
	["John Doe", "CFO"],
	["Ann Lee", "Director"],
	["Sam Park", "COO"],
] as const;

interface SymbolState {
	path: GbmPath;
	rand: () => number;
	prices: number[];
	n: number;
}

export class SyntheticVendor extends PollVendor {
	readonly type = "synthetic";
	readonly dataTypes = DATA_TYPES;
	#symbols = new Map<string, SymbolState>();
	#now: () => number;

	constructor(
		name: string,
		readonly opts: SyntheticOptions,
	) {
		super(name);
		this.#now = opts.now ?? Date.now;
	}

	#state(symbol: string): SymbolState {
		let s = this.#symbols.get(symbol);
		if (!s) {
			s = { path: new GbmPath(symbol, { seed: this.opts.seed, stepSeconds: this.opts.stepSeconds ?? 60 }), rand: mulberry32(this.opts.seed ^ hash32(`${symbol}/vendor`)), prices: [], n: 0 };
			this.#symbols.set(symbol, s);
		}
		return s;
	}

	async fetch(dataType: DataType, symbol: string): Promise<VendorItem[]> {
		const s = this.#state(symbol);
		const now = this.#now();
		const item = (update_type: VendorItem["update_type"], data: Record<string, unknown>): VendorItem => ({ data_type: dataType, symbol, update_type, timestamp: now, data });
		switch (dataType) {
			case "market_data": {
				const tick = { ...s.path.next(now), id: `${this.name}:${++s.n}` };
				s.prices.push(tick.price);
				if (s.prices.length > 50) s.prices.shift();
				return [{ ...item("trade", { price: tick.price, size: tick.size, bid: tick.bid, ask: tick.ask }), tick }];
			}
			case "news": {
				const r = s.rand();
				const [words, sentiment] = r < 0.4 ? [POSITIVE, "positive"] : r < 0.8 ? [NEGATIVE, "negative"] : [NEUTRAL, "neutral"];
				const phrase = words[Math.floor(s.rand() * words.length)];
				const id = `${this.name}:${symbol}:${++s.n}`;
				return [item("news", { id, headline: `${symbol} ${phrase}`, summary: `Synthetic report: ${symbol} ${phrase}.`, url: null, source: "synthetic", published_at: now, sentiment_hint: sentiment })];
			}
			case "fundamentals": {
				const price = s.prices.at(-1) ?? 100;
				const eps = Math.round((1 + s.rand() * 9) * 100) / 100;
				return [
					item("snapshot", {
						market_cap: Math.round(price * (1e8 + (hash32(symbol) % 9e9))),
						pe_ratio: Math.round((price / eps) * 100) / 100,
						eps,
						revenue: Math.round(1e9 + s.rand() * 1e11),
						dividend_yield: Math.round(s.rand() * 400) / 10_000,
						beta: Math.round((0.5 + s.rand()) * 100) / 100,
						sector: SECTORS[hash32(symbol) % SECTORS.length],
					}),
				];
			}
			case "analytics": {
				const p = s.prices;
				const last = p.at(-1) ?? null;
				const mean = p.length ? p.reduce((a, b) => a + b, 0) / p.length : null;
				return [item("snapshot", { samples: p.length, last_price: last, mean_price: mean, momentum: last !== null && p.length > 1 ? last / p[0] - 1 : null })];
			}
			case "insider_data": {
				const [insider, relation] = INSIDERS[Math.floor(s.rand() * INSIDERS.length)];
				const buy = s.rand() < 0.5;
				return [item("snapshot", { insider, relation, transaction: buy ? "buy" : "sell", shares: 100 * (1 + Math.floor(s.rand() * 500)), price: s.prices.at(-1) ?? null, filed_at: now })];
			}
		}
	}
}
