/** Bar timeframes Rookery builds, shortest first. */
export const TIMEFRAMES = ["1s", "1m", "5m", "15m", "1h", "1d"] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
	"1s": 1_000,
	"1m": 60_000,
	"5m": 300_000,
	"15m": 900_000,
	"1h": 3_600_000,
	"1d": 86_400_000,
};

export function isTimeframe(s: string): s is Timeframe {
	return (TIMEFRAMES as readonly string[]).includes(s);
}

/**
 * When trading sessions begin and whether a moment is inside one. Bars never straddle a session
 * start: intraday buckets are counted from it and the daily bar is the session itself.
 */
export interface Session {
	/** Start (epoch ms) of the session that `ts` belongs to. */
	startOf(ts: number): number;
	/** False when `ts` is between sessions; such ticks are refused. */
	isOpen(ts: number): boolean;
}

const DAY = 86_400_000;
const mod = (a: number, m: number) => ((a % m) + m) % m;
/**
 * Sessions starting `offset` ms after each UTC midnight, the last one found kept: a tick is asked
 * about once per timeframe (six), and `%` on doubles is a call into C (fmod), three of them per
 * question. Every ts in [from, from + DAY) has that session's start. Only positive whole-ms times
 * below 2^53 use it: every step of the formula is exact on them, so the answers are the formula's
 * to the bit (test/unit/bars/timeframes.spec.ts); any other time (fractional, -0, before 1970,
 * not finite) takes the formula.
 */
function sessionDays(offset: number, length: number): Session {
	let from = Number.NaN;
	let to = Number.NaN;
	const kept = (ts: number) => ts > 0 && Number.isSafeInteger(ts);
	const startOf = (ts: number): number => {
		if (!kept(ts)) return ts - mod(ts - offset, DAY);
		// Negated: `from` and `to` start as NaN, which no comparison is true of.
		if (!(ts >= from && ts < to)) {
			from = ts - mod(ts - offset, DAY);
			to = from + DAY;
		}
		return from;
	};
	return {
		startOf,
		isOpen: ts => (kept(ts) ? ts - startOf(ts) : mod(ts - offset, DAY)) < length,
	};
}

/** Round-the-clock trading with sessions at UTC midnight (crypto, FX): open at any time. */
export const utcDays: Session = { startOf: sessionDays(0, DAY).startOf, isOpen: () => true };

/**
 * A daily session open from `open` to `close`, both "HH:MM" in UTC, e.g. US equities in winter:
 * dailySession("14:30", "21:00"). A close before the open wraps past midnight.
 */
export function dailySession(open: string, close: string): Session {
	const o = minutes(open) * 60_000;
	return sessionDays(o, mod(minutes(close) * 60_000 - o, DAY) || DAY);
}

function minutes(hhmm: string): number {
	const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
	if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`expected HH:MM, got "${hhmm}"`);
	return Number(m[1]) * 60 + Number(m[2]);
}

/** Open time of the `tf` bar holding `ts`, counted from the start of its session. */
export function bucketStart(ts: number, tf: Timeframe, session: Session): number {
	const start = session.startOf(ts);
	if (tf === "1d") return start;
	const ms = TIMEFRAME_MS[tf];
	return start + Math.floor((ts - start) / ms) * ms;
}
