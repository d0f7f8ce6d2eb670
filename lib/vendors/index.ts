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

/** Builds a plug-in's vendor from its settings (the whole spec, `type` included). */
export type VendorFactory = (name: string, spec: Record<string, unknown>, opts: { seed?: number; now?: () => number }) => VendorAdapter;
const PLUGIN_VENDORS = new Map<string, VendorFactory>();

/** Every vendor type: the built-ins, then plug-ins'. */
export function vendorTypes(): string[] {
	return [...VENDOR_TYPES, ...PLUGIN_VENDORS.keys()];
}

/** Adds a vendor type (a plug-in's, lib/plugins); refuses one that exists or is not [a-z][a-z0-9-]{0,31}. */
export function registerVendorType(type: string, factory: VendorFactory): void {
	if (!/^[a-z][a-z0-9-]{0,31}$/.test(type)) throw new RangeError(`vendor type "${type}" must match [a-z][a-z0-9-]{0,31}`);
	if (vendorTypes().includes(type)) throw new RangeError(`vendor type "${type}" already exists`);
	PLUGIN_VENDORS.set(type, factory);
}

export function createVendor(name: string, spec: VendorSpec, opts: { seed?: number; now?: () => number } = {}): VendorAdapter {
	const plugin = PLUGIN_VENDORS.get(spec.type);
	if (plugin) return plugin(name, spec as unknown as Record<string, unknown>, opts);
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
