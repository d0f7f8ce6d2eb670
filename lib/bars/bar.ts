/** One OHLCV bar. `time` is the bar's open time in epoch milliseconds. */
export interface Bar {
	time: number;
	open: number;
	high: number;
	low: number;
	close: number;
	volume: number;
}

/** A bar built from ticks also carries its trade count and volume-weighted price. */
export interface TickBar extends Bar {
	trades: number;
	vwap: number;
}
