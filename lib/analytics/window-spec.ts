/**
 * The trailing windows a metric is aggregated over, and the bucket resolution behind each. A
 * window's start is rounded up to its resolution, so the answer covers between `ms - resMs` and
 * `ms` (its `from`/`to` say exactly what): count/sum/min/max are then exact over that span.
 */
export const WINDOWS = ["1m", "5m", "15m", "1h", "6h", "24h"] as const;
export type WindowName = (typeof WINDOWS)[number];
export const isWindowName = (s: unknown): s is WindowName => (WINDOWS as readonly unknown[]).includes(s);

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The bucket rings: `1m` on 5 s buckets, `5m`–`1h` on 1 min buckets, `6h`/`24h` on 15 min buckets. */
export const RINGS = [
	{ resMs: 5 * SECOND, spanMs: MINUTE },
	{ resMs: MINUTE, spanMs: 60 * MINUTE },
	{ resMs: 15 * MINUTE, spanMs: 24 * 60 * MINUTE },
] as const;

export const WINDOW_SPECS: Record<WindowName, { ms: number; ring: 0 | 1 | 2 }> = {
	"1m": { ms: MINUTE, ring: 0 },
	"5m": { ms: 5 * MINUTE, ring: 1 },
	"15m": { ms: 15 * MINUTE, ring: 1 },
	"1h": { ms: 60 * MINUTE, ring: 1 },
	"6h": { ms: 6 * 60 * MINUTE, ring: 2 },
	"24h": { ms: 24 * 60 * MINUTE, ring: 2 },
};
