import type { Bar } from "../../lib/bars/bar.ts";

/** Deterministic OHLCV random walk (xorshift), valid bars only: the indicator benches' input. */
export function randomWalk(n: number): Bar[] {
	let s = 0x9e3779b9;
	const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
	let close = 100;
	return Array.from({ length: n }, (_, i) => {
		const open = close;
		close = Math.max(1, open + (rnd() - 0.5) * 2);
		const high = Math.max(open, close) + rnd();
		const low = Math.min(open, close) - rnd();
		return { time: i * 60_000, open, high, low, close, volume: Math.floor(rnd() * 1e4) };
	});
}
