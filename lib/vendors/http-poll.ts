/**
 * Polls Yahoo Finance's chart endpoint (`GET {baseUrl}/v8/finance/chart/{SYM}?interval=1m&range=1d`)
 * and reads its JSON: `chart.result[0].meta` (regularMarketPrice/Time, previousClose, currency),
 * `timestamp[]` and `indicators.quote[0]` (open/high/low/close/volume arrays, nulls where no trade).
 * Any other shape is a malformed payload, not a crash.
 */
import { httpGetText } from "./http-get.ts";
import { PollVendor, type DataType, type VendorItem } from "./vendor.ts";
import { isValidBar, type BackfillTf, type HistoryBar, type HistoryRange, type HistoryVendor } from "./history.ts";

/** Yahoo's interval for each timeframe a back-fill may ask for. */
const INTERVALS: Record<BackfillTf, string> = { "1m": "1m", "5m": "5m", "15m": "15m", "1h": "60m", "1d": "1d" };

export interface HttpPollOptions {
	baseUrl: string;
	interval?: string;
	range?: string;
}

interface ChartQuote {
	open?: Array<number | null>;
	high?: Array<number | null>;
	low?: Array<number | null>;
	close?: Array<number | null>;
	volume?: Array<number | null>;
}
interface ChartResult {
	meta?: { symbol?: string; currency?: string; exchangeName?: string; regularMarketPrice?: number; regularMarketTime?: number; previousClose?: number; chartPreviousClose?: number };
	timestamp?: number[];
	indicators?: { quote?: ChartQuote[] };
}

export class HttpPollVendor extends PollVendor implements HistoryVendor {
	readonly type = "http-poll";
	readonly dataTypes = ["market_data"] as const satisfies readonly DataType[];

	constructor(
		name: string,
		readonly opts: HttpPollOptions,
	) {
		super(name);
	}

	async fetch(_dataType: DataType, symbol: string, signal: AbortSignal): Promise<VendorItem[]> {
		const url = `${this.opts.baseUrl.replace(/\/$/, "")}/v8/finance/chart/${encodeURIComponent(symbol)}?interval=${this.opts.interval ?? "1m"}&range=${this.opts.range ?? "1d"}`;
		const text = await httpGetText(this.name, url, signal, { accept: "application/json" });
		return this.parse(symbol, text);
	}

	/**
	 * Historical bars (Yahoo's `period1`/`period2` in unix seconds, `interval`): the bars that have a
	 * close and start in [from, to], oldest first. A bar whose high/low do not hold its open/close is
	 * a malformed answer.
	 */
	async history(symbol: string, range: HistoryRange, signal: AbortSignal): Promise<HistoryBar[]> {
		const q = new URLSearchParams({ period1: String(Math.floor(range.from / 1000)), period2: String(Math.ceil(range.to / 1000)), interval: INTERVALS[range.tf], includePrePost: "false" });
		const text = await httpGetText(this.name, `${this.opts.baseUrl.replace(/\/$/, "")}/v8/finance/chart/${encodeURIComponent(symbol)}?${q}`, signal, { accept: "application/json" });
		const r = this.resultOf(text);
		if (!r) return [];
		const { q: quote, ts } = this.quoteOf(r);
		const bars: HistoryBar[] = [];
		for (let i = 0; i < ts.length; i++) {
			const close = quote.close?.[i];
			const time = ts[i] * 1000;
			if (typeof close !== "number" || time < range.from || time > range.to) continue;
			const bar = { time, open: quote.open?.[i] ?? close, high: quote.high?.[i] ?? close, low: quote.low?.[i] ?? close, close, volume: quote.volume?.[i] ?? 0 };
			if (!Number.isInteger(time) || !isValidBar(bar)) throw this.fail("malformed", `bar ${i} at ${ts[i]} is not a valid bar`);
			bars.push(bar);
		}
		return bars.sort((a, b) => a.time - b.time);
	}

	/** The chart JSON into items: a snapshot (with the tick of the last price) and the newest bar. */
	parse(symbol: string, text: string): VendorItem[] {
		const r = this.resultOf(text);
		const meta = r?.meta;
		if (!meta || typeof meta.regularMarketPrice !== "number" || typeof meta.regularMarketTime !== "number" || !(meta.regularMarketPrice > 0)) {
			throw this.fail("malformed", "chart.result[0].meta lacks regularMarketPrice/regularMarketTime");
		}
		const { q, ts } = this.quoteOf(r);
		const at = meta.regularMarketTime * 1000;
		const items: VendorItem[] = [
			{
				data_type: "market_data",
				symbol,
				update_type: "snapshot",
				timestamp: at,
				data: { price: meta.regularMarketPrice, previous_close: meta.previousClose ?? meta.chartPreviousClose ?? null, currency: meta.currency ?? null, exchange: meta.exchangeName ?? null },
				// Size 0: a last-price snapshot, not a trade print; the id makes a repeated poll a duplicate.
				tick: { symbol, price: meta.regularMarketPrice, size: 0, ts: at, id: `${this.name}:${meta.regularMarketTime}` },
			},
		];
		// The newest bar that has a close (Yahoo leaves nulls for minutes without trades).
		for (let i = ts.length - 1; i >= 0; i--) {
			const c = q.close?.[i];
			if (typeof c !== "number") continue;
			items.push({
				data_type: "market_data",
				symbol,
				update_type: "bar",
				timestamp: ts[i] * 1000,
				data: { open: q.open?.[i] ?? c, high: q.high?.[i] ?? c, low: q.low?.[i] ?? c, close: c, volume: q.volume?.[i] ?? 0, interval: this.opts.interval ?? "1m" },
			});
			break;
		}
		return items;
	}

	/** `chart.result[0]` of a chart answer; a chart error is the client's. */
	private resultOf(text: string): ChartResult | undefined {
		let body: { chart?: { result?: ChartResult[] | null; error?: { code?: string; description?: string } | null } };
		try {
			body = JSON.parse(text);
		} catch {
			throw this.fail("malformed", `chart response is not JSON (${text.slice(0, 40)}…)`);
		}
		const chart = body?.chart;
		if (chart?.error) throw this.fail("client", `chart error ${chart.error.code}: ${chart.error.description}`);
		return chart?.result?.[0];
	}

	/** The quote arrays, each as long as `timestamp[]`. */
	private quoteOf(r: ChartResult): { q: ChartQuote; ts: number[] } {
		const q = r.indicators?.quote?.[0];
		const ts = r.timestamp ?? [];
		if (!q || !Array.isArray(ts) || [q.open, q.high, q.low, q.close, q.volume].some(a => a !== undefined && (!Array.isArray(a) || a.length !== ts.length))) {
			throw this.fail("malformed", "chart.result[0].indicators.quote[0] does not line up with timestamp[]");
		}
		return { q, ts };
	}
}
