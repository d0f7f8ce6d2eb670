/** Vendor types by name, and building a vendor from its settings (lib/config `vendors`). */
import { readFileSync } from "node:fs";
import { AlpacaStreamVendor } from "./alpaca-stream.ts";
import { HttpPollVendor } from "./http-poll.ts";
import { ReplayVendor } from "./replay.ts";
import { RssVendor } from "./rss.ts";
import { SyntheticVendor } from "./synthetic.ts";
import type { VendorAdapter } from "./vendor.ts";

export * from "./vendor.ts";
export { SyntheticVendor, HttpPollVendor, RssVendor, ReplayVendor, AlpacaStreamVendor };

export const VENDOR_TYPES = ["synthetic", "http-poll", "rss", "alpaca-stream", "replay"] as const;
export type VendorType = (typeof VENDOR_TYPES)[number];

/** A vendor's settings, a union on `type`. */
export type VendorSpec =
	| { type: "synthetic"; seed?: number }
	| { type: "http-poll"; baseUrl: string; interval?: string; range?: string }
	| { type: "rss"; urlTemplate: string }
	| { type: "alpaca-stream"; url: string; key: string; secret: string; channels?: Array<"trades" | "quotes" | "bars"> }
	| { type: "replay"; file: string; symbol: string; speed: number; loop?: boolean };

export function createVendor(name: string, spec: VendorSpec, opts: { seed?: number; now?: () => number } = {}): VendorAdapter {
	switch (spec.type) {
		case "synthetic":
			return new SyntheticVendor(name, { seed: spec.seed ?? opts.seed ?? 42, now: opts.now });
		case "http-poll":
			return new HttpPollVendor(name, spec);
		case "rss":
			return new RssVendor(name, spec);
		case "alpaca-stream":
			return new AlpacaStreamVendor(name, spec);
		case "replay":
			return new ReplayVendor(name, { text: readFileSync(spec.file, "utf8"), format: /\.(nd)?jsonl?$/i.test(spec.file) ? "ndjson" : "csv", symbol: spec.symbol, speed: spec.speed, loop: spec.loop, now: opts.now });
	}
}
