import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect } from "chai";
import type { Bar } from "../../../lib/bars/bar.ts";
import type { AnyIndicator } from "../../../lib/indicators/index.ts";
import { mulberry32 } from "../../../lib/feed/random.ts";

const here = new URL(".", import.meta.url);

/** Parses a time,open,high,low,close,volume CSV (the fixture format). */
export function readBars(path: string | URL): Bar[] {
	const lines = readFileSync(path, "utf8").trim().split("\n").slice(1);
	return lines.map(line => {
		const [time, open, high, low, close, volume] = line.split(",").map(Number);
		return { time, open, high, low, close, volume };
	});
}

export const goog = (): Bar[] => readBars(new URL("../../fixtures/goog-daily.csv", here));

/** Seeded uniform [0, 1) numbers for test data. */
export const rng = mulberry32;

/**
 * Seeded OHLCV series with the cases that break naive implementations: overnight gaps, equal
 * consecutive closes, bars whose up-move equals their down-move (+DM/−DM tie), zero volume, and a
 * 45-bar flat stretch with high = low (longer than every default warm-up, so ranges and variances
 * hit zero). With a power-of-two tick every price difference is exact, so the ties are real ties.
 */
export function synthetic(seed: number, n = 600, tick = 1 / 128): Bar[] {
	const rnd = rng(seed);
	const q = (x: number) => Math.max(tick, Math.round(x / tick) * tick);
	const bars: Bar[] = [];
	const flatStart = 150 + Math.floor(rnd() * 100);
	let prev: Bar = { time: Date.UTC(2024, 0, 2, 14, 30), open: 100, high: 101, low: 99, close: 100, volume: 1000 };
	for (let i = 0; i < n; i++) {
		const time = prev.time + (i % 7 === 6 ? 17.5 * 3600_000 : 60_000); // every 7th bar opens the next day
		const volume = i % 17 === 5 ? 0 : Math.floor(rnd() * 5000);
		let bar: Bar;
		if (i >= flatStart && i < flatStart + 45) {
			const p = prev.close;
			bar = { time, open: p, high: p, low: p, close: p, volume };
		} else if (i % 13 === 4 && i > 0) {
			const d = q(rnd() * 2 + tick);
			const high = prev.high + d;
			const low = prev.low - d;
			bar = { time, open: q((high + low) / 2), high, low, close: q(low + (high - low) * rnd()), volume };
		} else {
			const gap = i % 7 === 6 ? (rnd() - 0.5) * 0.06 * prev.close : 0;
			const open = q(prev.close + gap);
			const close = i % 11 === 3 ? prev.close : q(open + (rnd() - 0.5) * 2);
			const high = q(Math.max(open, close) + rnd() * 1.5);
			const low = Math.min(open, close, q(Math.min(open, close) - rnd() * 1.5));
			bar = { time, open, high, low: Math.max(tick, low), close, volume };
		}
		bars.push(bar);
		prev = bar;
	}
	return bars;
}

const talib = createRequire(import.meta.url)("talib") as {
	execute(args: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
};

/** Runs a TA-Lib function over bars; each output aligned to the input with null in warm-up. */
export function oracle(name: string, bars: readonly Bar[], opts: Record<string, number | number[]> = {}): Record<string, (number | null)[]> {
	const res = talib.execute({
		name,
		startIdx: 0,
		endIdx: bars.length - 1,
		open: bars.map(b => b.open),
		high: bars.map(b => b.high),
		low: bars.map(b => b.low),
		close: bars.map(b => b.close),
		volume: bars.map(b => b.volume),
		inReal: bars.map(b => b.close),
		...opts,
	});
	const out: Record<string, (number | null)[]> = {};
	for (const [key, values] of Object.entries(res.result)) {
		out[key] = bars.map((_, i) => (i < res.begIndex || i >= res.begIndex + res.nbElement ? null : values[i - res.begIndex]));
	}
	return out;
}

/** Largest |a − e| and the first index breaking |a − e| ≤ 1e-9·max(1,|e|) or a null mismatch. */
export function compare(actual: readonly (number | null)[], expected: readonly (number | null)[]): { maxAbs: number; bad: number } {
	let maxAbs = 0;
	let bad = actual.length === expected.length ? -1 : Math.min(actual.length, expected.length);
	for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
		const a = actual[i];
		const e = expected[i];
		if (a === null || e === null) {
			if (a !== e && bad < 0) bad = i;
			continue;
		}
		const err = Math.abs(a - e);
		if (err > maxAbs) maxAbs = err;
		if (!(err <= 1e-9 * Math.max(1, Math.abs(e))) && bad < 0) bad = i;
	}
	return { maxAbs, bad };
}

/** TA-Lib has no VWAP: a direct batch computation per UTC day is the reference. */
export function vwapReference(bars: readonly Bar[]): (number | null)[] {
	let day = NaN;
	let pv = 0;
	let vol = 0;
	return bars.map(b => {
		const d = Math.floor(b.time / 86_400_000);
		if (d !== day) [day, pv, vol] = [d, 0, 0];
		pv += ((b.high + b.low + b.close) / 3) * b.volume;
		vol += b.volume;
		return vol > 0 ? pv / vol : null;
	});
}

/** Streams bars through the indicator and returns one column array per output. */
export function stream(ind: AnyIndicator, bars: readonly Bar[]): (number | null)[][] {
	const row = new Float64Array(ind.width);
	const cols: (number | null)[][] = Array.from({ length: ind.width }, () => []);
	for (const bar of bars) {
		expect(ind.update(bar)).to.equal(null);
		ind.write(row, 0);
		row.forEach((v, i) => cols[i].push(Number.isNaN(v) ? null : v));
	}
	return cols;
}

/** No TA-Lib Keltner: built from TA-Lib's EMA and ATR, null until both exist. */
export function keltner(b: readonly Bar[], n: number, k: number, m: number) {
	const mid = oracle("EMA", b, { optInTimePeriod: n }).outReal;
	const atr = oracle("ATR", b, { optInTimePeriod: m }).outReal;
	const band = (sign: number) => mid.map((e, i) => (e === null || atr[i] === null ? null : e + sign * k * (atr[i] as number)));
	return [band(1), band(0).map((v, i) => (v === null ? null : mid[i])), band(-1)];
}
