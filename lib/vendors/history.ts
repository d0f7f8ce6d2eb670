/**
 * Back-fill from a vendor's history (docs/ingestion.md "Back-fill"): the request's checks (bounded
 * range, timeframes the vendor serves), and a vendor's bars as ticks with stable ids: each bar
 * becomes four ticks (open with the volume, high, low, close) as in a replay, so the bars rebuilt
 * from the log have the vendor's OHLCV, and a second back-fill of the same range is all duplicates.
 */
import type { Bar } from "../bars/bar.ts";
import type { FieldError } from "../protocol/errors.ts";
import type { Tick } from "../protocol/tick.ts";
import { parseTime } from "../events/check-events.ts";

/** A vendor's bar: `time` is its start in epoch ms. */
export type HistoryBar = Bar;

export interface HistoryRange {
	from: number;
	to: number;
	tf: BackfillTf;
}

/** A vendor with a historical bars endpoint. */
export interface HistoryVendor {
	history(symbol: string, range: HistoryRange, signal: AbortSignal): Promise<HistoryBar[]>;
}

export const hasHistory = (v: object): v is HistoryVendor => typeof (v as Partial<HistoryVendor>).history === "function";

/** Bars one back-fill may ask for at most (the range divided by the timeframe). */
export const BACKFILL_MAX_BARS = 5000;
export const BACKFILL_TFS = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000 } as const;
export type BackfillTf = keyof typeof BACKFILL_TFS;

export interface BackfillInput {
	vendor?: unknown;
	from?: unknown;
	to?: unknown;
	tf?: unknown;
}

/** The range asked for, or the fields that are wrong (`to` defaults to now, `tf` to 1m). */
export function checkBackfill(p: BackfillInput, now: number): HistoryRange | FieldError[] {
	const errors: FieldError[] = [];
	const bad = (field: string, message: string, actual: unknown) => errors.push({ field, message, type: "backfill", actual });
	const tf = (p.tf ?? "1m") as BackfillTf;
	if (!(typeof tf === "string" && Object.hasOwn(BACKFILL_TFS, tf))) bad("tf", `must be one of ${Object.keys(BACKFILL_TFS).join(", ")}`, p.tf);
	const from = parseTime(p.from);
	const to = p.to === undefined ? now : parseTime(p.to);
	if (!Number.isFinite(from)) bad("from", "must be epoch milliseconds or an ISO-8601 date-time", p.from);
	if (!Number.isFinite(to)) bad("to", "must be epoch milliseconds or an ISO-8601 date-time", p.to);
	else if (to > now) bad("to", `must not be in the future (now is ${new Date(now).toISOString()})`, p.to);
	if (errors.length > 0) return errors;
	if (from >= to) return [{ field: "from", message: "must be before `to`", type: "backfill", actual: p.from }];
	const bars = Math.ceil((to - from) / BACKFILL_TFS[tf]);
	if (bars > BACKFILL_MAX_BARS) return [{ field: "to", message: `the range holds ${bars} ${tf} bars; at most ${BACKFILL_MAX_BARS} per back-fill`, type: "backfill", actual: p.to }];
	return { from, to, tf };
}

/** A bar whose high and low hold its open and close, with a positive low and volume ≥ 0. */
export const isValidBar = (b: HistoryBar) => b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close) && b.low > 0 && b.volume >= 0;

/** A bar as four ticks in it (ts, +1, +2, +3 ms), ids `{idPrefix}:{time}:{o|h|l|c}`. */
export function barTicks(symbol: string, b: HistoryBar, idPrefix: string): Tick[] {
	const id = (k: string) => `${idPrefix}:${b.time}:${k}`;
	return [
		{ symbol, ts: b.time, price: b.open, size: b.volume, id: id("o") },
		{ symbol, ts: b.time + 1, price: b.high, size: 0, id: id("h") },
		{ symbol, ts: b.time + 2, price: b.low, size: 0, id: id("l") },
		{ symbol, ts: b.time + 3, price: b.close, size: 0, id: id("c") },
	];
}
