import type { TickBar } from "./bar.ts";
import type { Timeframe } from "./timeframes.ts";

/** A trade as the bar builder needs it (a structural subset of the protocol's Tick). */
export interface Trade {
	ts: number;
	price: number;
	size: number;
}

/** A published bar: `revision` is 0 when first published and grows with each late amendment. */
export interface BuiltBar extends TickBar {
	timeframe: Timeframe;
	revision: number;
}

/** A bar with the bookkeeping needed to amend it correctly later. */
export interface Slot {
	bar: BuiltBar;
	pv: number; // Σ price·size, for the VWAP
	firstTs: number; // time of the trade that set `open`
	lastTs: number; // time of the trade that set `close`
}

export function openSlot(timeframe: Timeframe, time: number, t: Trade): Slot {
	const bar: BuiltBar = { timeframe, time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.size, trades: 1, vwap: t.price, revision: 0 };
	return { bar, pv: t.price * t.size, firstTs: t.ts, lastTs: t.ts };
}
