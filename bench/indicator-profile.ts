/**
 * Per-update cost of one indicator, split: each variant runs in its own process (so every call site
 * stays monomorphic) as best of 7 × 2M updates over the bench's random walk, in ns per update.
 *   npx tsx bench/indicator-profile.ts ema obv vwap     (all variants, each in a child process)
 *   node --cpu-prof --import tsx bench/indicator-profile.ts ema full    (one variant, here)
 * Variants: bare (walking the bars), check (checkBar alone), core (the arithmetic alone, on a
 * Float64Array, no check), full (our update), peer (trading-signals' add).
 */
import { spawnSync } from "node:child_process";
import type { Bar } from "../lib/bars/bar.ts";
import { emaInit, emaPushN } from "../lib/indicators/core/ema-core.ts";
import { createIndicator } from "../lib/indicators/index.ts";
import { obvNext } from "../lib/indicators/obv.ts";
import { checkBar } from "../lib/indicators/validate.ts";
import { typicalPrice } from "../lib/indicators/vwap.ts";
import { PEERS } from "./indicator-peers.ts";
import { randomWalk } from "./lib/random-walk.ts";

const SPEC: Record<string, string> = { ema: "ema:20", vwap: "vwap", obv: "obv" };
const VARIANTS = ["bare", "check", "core", "full", "peer"];
const N = Number(process.env.N ?? 2_000_000);
const MASK = (1 << 16) - 1;

function feedOf(ind: string, variant: string): (b: Bar) => unknown {
	const m = new Float64Array(8).fill(NaN);
	let n = 0;
	switch (variant) {
		case "bare":
			return b => b.close;
		case "check":
			return checkBar;
		case "full": {
			const ours = createIndicator(SPEC[ind]);
			return b => ours.update(b);
		}
		case "peer":
			return PEERS[SPEC[ind]]()[0];
	}
	if (ind === "ema") {
		emaInit(m, 0, 20);
		return b => (m[6] = emaPushN(m, 0, 20, 0, ++n, b.close));
	}
	if (ind === "obv")
		return b => {
			m[0] = obvNext(m[0], m[1], b);
			m[1] = b.close;
		};
	m[0] = m[1] = 0;
	return b => {
		const pv = (m[0] += typicalPrice(b) * b.volume);
		const v = (m[1] += b.volume);
		if (v > 0) m[2] = pv / v;
		else m[2] = NaN;
	};
}

function time(feed: (b: Bar) => unknown, bars: Bar[]): number {
	let best = Infinity;
	let sink = 0;
	for (let r = 0; r < 7; r++) {
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < N; i++) if (feed(bars[i & MASK]) === undefined) sink++;
		best = Math.min(best, Number(process.hrtime.bigint() - t0) / N);
	}
	if (sink === -1) console.log(sink);
	return best;
}

const [a, b] = process.argv.slice(2);
if (VARIANTS.includes(b)) {
	console.log(time(feedOf(a, b), randomWalk(MASK + 1)).toFixed(2));
} else {
	for (const ind of process.argv.slice(2)) {
		const ns: Record<string, number> = {};
		for (const v of VARIANTS) {
			const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, ind, v], { encoding: "utf8" });
			ns[v] = Number(r.stdout.trim());
		}
		const net = (v: string) => (ns[v] - ns.bare).toFixed(1);
		console.log(`${ind}: ns/update net of the bare loop (${ns.bare.toFixed(1)}): check ${net("check")}, core ${net("core")}, full ${net("full")}, ` + `peer ${net("peer")}; × peer ${((ns.peer - ns.bare) / (ns.full - ns.bare)).toFixed(2)}`);
	}
}
