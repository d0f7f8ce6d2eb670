import type { Bar } from "../bars/bar.ts";

/**
 * Why a bar cannot be used, or null when it can. Reasons are constant strings so refusing a bar
 * allocates nothing; indicators call this instead of throwing so a bad tick never costs a catch.
 */
export function checkBar(bar: Bar): string | null {
	const { open, high, low, close, volume } = bar;
	if (!Number.isFinite(bar.time)) return "time is not a finite number";
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
