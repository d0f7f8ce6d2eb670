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

/** Adds a trade to a bar; open/close follow trade time, not arrival order, so late trades are placed right. */
export function applyTrade(slot: Slot, t: Trade): void {
	const bar = slot.bar;
	if (t.price > bar.high) bar.high = t.price;
	if (t.price < bar.low) bar.low = t.price;
	if (t.ts < slot.firstTs) {
		slot.firstTs = t.ts;
		bar.open = t.price;
	}
	if (t.ts >= slot.lastTs) {
		slot.lastTs = t.ts;
		bar.close = t.price;
	}
	bar.volume += t.size;
	bar.trades++;
	slot.pv += t.price * t.size;
	// With only zero-size prints the volume-weighted price is undefined; the last price stands in.
	bar.vwap = bar.volume > 0 ? slot.pv / bar.volume : bar.close;
}
