/**
 * Example vendor plug-in (docs/plugins.md): quotes read from a local JSON file that some other
 * program keeps up to date, `{"AAPL": 190.25, "MSFT": {"price": 410.5, "size": 200}}`. Settings:
 *   "vendors": {"desk": {"type": "file-quotes", "file": "/var/lib/quotes.json"}}
 * Each poll of a symbol re-reads the file and answers its quote as a trade; the tick id names the
 * file's version (mtime), so an unchanged file adds nothing (the actor drops the duplicate id).
 */
import { readFile, stat } from "node:fs/promises";
import { definePlugin, PollVendor, VendorError, type DataType, type VendorItem } from "../../lib/plugins/api.ts";

export class FileQuotesVendor extends PollVendor {
	readonly type = "file-quotes";
	readonly dataTypes = ["market_data"] as const;

	constructor(
		name: string,
		readonly file: string,
		readonly now: () => number = Date.now,
	) {
		super(name);
	}

	async fetch(dataType: DataType, symbol: string, signal: AbortSignal): Promise<VendorItem[]> {
		if (dataType !== "market_data") return [];
		let text: string;
		let version: number;
		try {
			[text, version] = await Promise.all([readFile(this.file, { encoding: "utf8", signal }), stat(this.file).then(s => s.mtimeMs)]);
		} catch (err) {
			throw new VendorError(this.name, "network", `cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
		}
		let quotes: Record<string, unknown>;
		try {
			quotes = JSON.parse(text) as Record<string, unknown>;
		} catch (err) {
			throw new VendorError(this.name, "malformed", `${this.file} is not JSON: ${(err as Error).message}`, { cause: err });
		}
		const q = quotes?.[symbol];
		const price = typeof q === "number" ? q : (q as { price?: unknown } | undefined)?.price;
		const size = typeof q === "object" && q !== null && typeof (q as { size?: unknown }).size === "number" ? (q as { size: number }).size : 0;
		if (typeof price !== "number" || !(price > 0) || !Number.isFinite(price)) return [];
		const ts = this.now();
		return [{ data_type: "market_data", symbol, update_type: "trade", timestamp: ts, data: { price, size }, tick: { symbol, price, size, ts, id: `${this.name}:${symbol}:${version}` } }];
	}
}

export default definePlugin({
	apiVersion: 1,
	name: "example-file-quotes",
	vendors: [
		{
			type: "file-quotes",
			create: (name, spec, opts) => {
				if (typeof spec.file !== "string" || spec.file === "") throw new RangeError(`vendor ${name}: "file" (a path) is required`);
				return new FileQuotesVendor(name, spec.file, opts.now);
			},
		},
	],
});
