import type { Bar } from "../bars/bar.ts";

/**
 * Why a bar cannot be used, or null when it can. Reasons are constant strings so refusing a bar
 * allocates nothing; indicators call this instead of throwing so a bad tick never costs a catch.
 */
export function checkBar(bar: Bar): string | null {
	const { time, open, high, low, close, volume } = bar;
	// Fast path, run on every update: a sum is NaN or ±Infinity if any term is, and s − s is 0 only
	// for finite s; comparisons with NaN are false. A finite sum that overflows falls through to the
	// detailed checks below, which then accept it.
	const s = time + open + high + low + close + volume;
	if (s - s === 0 && low <= close && close <= high && volume >= 0) return null;
	if (!Number.isFinite(time)) return "time is not a finite number";
	if (!Number.isFinite(open)) return "open is not a finite number";
	if (!Number.isFinite(high)) return "high is not a finite number";
	if (!Number.isFinite(low)) return "low is not a finite number";
	if (!Number.isFinite(close)) return "close is not a finite number";
	if (!Number.isFinite(volume)) return "volume is not a finite number";
	if (high < low) return "high is below low";
	if (close < low || close > high) return "close is outside [low, high]";
	if (volume < 0) return "volume is negative";
	return null;
}
