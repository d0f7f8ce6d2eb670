/**
 * The plug-in contract, version 1 (docs/plugins.md). A plug-in is a module whose default export is
 * a RookeryPlugin: indicators, strategies and vendor types it adds, each under a new name. This file
 * is what a plug-in imports: the contract types and the base classes the built-ins extend.
 */
import type { AnyIndicator } from "../indicators/registry.ts";
import type { Strategy } from "../strategies/strategy.ts";
import type { VendorFactory } from "../vendors/index.ts";

export const PLUGIN_API_VERSION = 1;

export interface IndicatorPlugin {
	/** Spec kind, `[a-z][a-z0-9-]{0,31}`, new: `zscore` makes `zscore:20` and column `zscore_20`. */
	kind: string;
	/** Default parameters; a spec may give fewer (trailing ones default), never more. */
	defaults: number[];
	/** A new indicator for the (positive, defaults filled in) parameters; throw RangeError to refuse them. */
	make(params: number[]): AnyIndicator;
}

export interface StrategyPlugin {
	/** Strategy name, `[a-z][a-z0-9-]{0,31}`, new: `my-cross:5:20` in `analysis.strategies`. */
	name: string;
	/** A new strategy; missing parameters take your defaults. */
	make(params: number[]): Strategy;
}

export interface VendorPlugin {
	/** Vendor type, `[a-z][a-z0-9-]{0,31}`, new: `{"vendors": {"mine": {"type": "<type>", …}}}`. */
	type: string;
	/** Builds the adapter from its settings (the whole `vendors.<name>` object). */
	create: VendorFactory;
}

export interface RookeryPlugin {
	apiVersion: typeof PLUGIN_API_VERSION;
	/** For messages and the node's start lines (`plug-in  name (module): …`): `[a-z0-9@/._-]{1,64}`. */
	name: string;
	indicators?: IndicatorPlugin[];
	strategies?: StrategyPlugin[];
	vendors?: VendorPlugin[];
}

/** Identity, for type checking a plug-in's default export. */
export function definePlugin(p: RookeryPlugin): RookeryPlugin {
	return p;
}

export type { Bar } from "../bars/bar.ts";
export { Indicator, ScalarIndicator, whole, orNull, type IndicatorState } from "../indicators/indicator.ts";
export type { AnyIndicator } from "../indicators/registry.ts";
export { createIndicator } from "../indicators/registry.ts";
export { checkBar } from "../indicators/validate.ts";
export { Strategy, type StrategyState } from "../strategies/strategy.ts";
export { type Signal, cross, clamp01 } from "../strategies/signal.ts";
export { PollVendor, PushVendor, VendorError, DATA_TYPES, type DataType, type VendorItem } from "../vendors/vendor.ts";
export { ringAt, ringFull, ringInit, ringLoad, ringNewest, ringOldest, ringPush, ringSize, ringSlots, ringToJSON } from "../indicators/core/ring.ts";
