/**
 * Symbol actors at scale on one node (`npx tsx --expose-gc bench/actors.ts`, part of `npm run bench`):
 * 10,000 active actors with indicators on 3 timeframes over a real Redis (started here):
 *  - memory per actor: heap + array-buffer growth after activating them and feeding each 200 ticks
 *    (an hour of trades; target ≤ 20 KB), how much of that is its SymbolAnalysis (the same ticks
 *    into N/10 analyses alone; the rest is the actor: mailbox, dedup window, latest quote, lease),
 *    and per symbol once every timeframe holds `maxBars` bars (the bound a long-running actor
 *    reaches; measured on N/10 symbols' analysis state);
 *  - activation time from snapshot + log replay, p50/p99 (passivate all, then activate again);
 *  - steady ingest ticks/s with durability on (each batch in the Redis log, fenced, before it
 *    counts), against Redis's own pipelined XADD throughput measured in the same run as the ceiling.
 * Memory per actor is measured on BENCH_RUNS (3) cohorts of N/3 actors activated one after the
 * other, durable ingest in BENCH_RUNS rounds of BENCH_SECONDS (3) each followed by its ceiling; each
 * figure is the median of its runs, with their spread (~1.5 min in all).
 * Prints a table; writes bench/results/actors.json. Knobs: BENCH_ACTORS (10000), BENCH_SECONDS (3), BENCH_RUNS (3).
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { SymbolActor } from "../lib/symbols/symbol-actor.ts";
import type { ActorOptions } from "../lib/symbols/actor-options.ts";
import { SymbolAnalysis } from "../lib/symbols/symbol-analysis.ts";
import { RedisStore } from "../lib/store/redis-store.ts";
import { defaultConfig } from "../lib/config/config.ts";
import { GbmPath } from "../lib/feed/synthetic.ts";
import { startRedis } from "../test/helpers/servers.ts";
import { mulberry32 } from "../lib/feed/random.ts";
import { figure, median, pairedRatio, spread } from "./lib/figures.ts";

const N = Number(process.env.BENCH_ACTORS ?? 10_000);
/** Seconds of durable ingest, and as many of its XADD ceiling, in each of RUNS rounds. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TICKS_PER_ACTOR = 200;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
	console.error("run with --expose-gc (npm run bench does) to measure memory");
	process.exit(2);
}

const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const heap = () => {
	gc!();
	gc!();
	// Typed arrays over 64 bytes live outside the heap: count them too.
	const m = process.memoryUsage();
	return m.heapUsed + m.arrayBuffers;
};
const progress = (what: string, i: number) => {
	if (i % 1000 === 0) process.stderr.write(`\r${what}: ${i}/${N}   `);
};

const redis = await startRedis();
const store = new RedisStore({ url: redis.url, maxLen: 10_000 });
await store.connect();
const analysis = { ...defaultConfig().analysis, timeframes: ["1m", "5m", "1h"] as ("1m" | "5m" | "1h")[] };
const opts: ActorOptions = {
	store,
	owner: "bench",
	leaseMs: 600_000,
	leaseWaitMs: 0,
	analysis,
	snapshotEvery: 1000,
	dedupWindow: 1000,
	mailboxLimit: 100_000,
	now: Date.now,
	publish: () => {},
};
const symbols = Array.from({ length: N }, (_, i) => `A${i}`);
const t0 = Date.now() - 3_600_000;

const M = Math.max(1, Math.floor(N / 10));

try {
	// The analysis alone, fed the hour of ticks the actors get below (measured first, from the same
	// clean heap, after a round whose compiled code would otherwise count as memory per analysis).
	const analyses = (n: number) =>
		Array.from({ length: n }, (_, i) => {
			const a = new SymbolAnalysis(analysis);
			const path = new GbmPath(symbols[i], { seed: 7, stepSeconds: 18 });
			for (let k = 0; k < TICKS_PER_ACTOR; k++) a.apply(path.next(t0 + k * 18_000), () => {});
			return a;
		});
	analyses(Math.min(M, 200));
	const aloneBefore = heap();
	let alone: SymbolAnalysis[] | null = analyses(M);
	const perAnalysis = (heap() - aloneBefore) / alone.length;
	alone = null;

	// Memory: activate every actor and give it an hour of trades (200 ticks, 18 s apart), in RUNS
	// cohorts one after the other: each run is one cohort's heap growth per actor, with the earlier
	// cohorts still active, so all N are active at the end.
	const activateWithHour = async (symbol: string) => {
		const a = await SymbolActor.activate(symbol, opts);
		const path = new GbmPath(symbol, { seed: 7, stepSeconds: 18 });
		await a.ingest(Array.from({ length: TICKS_PER_ACTOR }, (_, k) => path.next(t0 + k * 18_000)));
		return a;
	};
	// A few actors first, not counted: the first activations' compiled code and one-time state would
	// otherwise fall on the first cohort alone.
	const warm = await Promise.all(Array.from({ length: Math.min(100, Math.ceil(N / 100)) }, (_, i) => activateWithHour(`W${i}`)));
	const actors: SymbolActor[] = [];
	const perActorRuns: number[] = [];
	for (let r = 0; r < RUNS; r++) {
		const end = Math.round(((r + 1) * N) / RUNS);
		const from = actors.length;
		const before = heap();
		for (let i = from; i < end; i++) {
			progress("activating", i);
			actors.push(await activateWithHour(symbols[i]));
		}
		perActorRuns.push((heap() - before) / (end - from));
	}
	const perActor = median(perActorRuns);
	for (const a of warm) await a.release();

	// Activation from snapshot + replay: snapshot (at a seq part way) then passivate, then activate.
	for (let i = 0; i < N; i++) {
		progress("passivating", i);
		await actors[i].snapshot();
		await actors[i].release();
	}
	const activation: number[] = [];
	for (let i = 0; i < N; i++) {
		progress("re-activating", i);
		const s = performance.now();
		actors[i] = await SymbolActor.activate(symbols[i], opts);
		activation.push(performance.now() - s);
	}
	process.stderr.write("\n");

	// Steady ingest with durability: batches of 50 ticks to random actors, 64 batches in flight,
	// for SECONDS in each of RUNS rounds; each round also measures its ceiling (below) right after.
	const BATCH = 50;
	const paths = symbols.map(s => new GbmPath(s, { seed: 9, stepSeconds: 1 }));
	let ts = t0 + TICKS_PER_ACTOR * 18_000;
	let refused = 0;
	const rand = mulberry32(11);
	const ingestRound = async () => {
		let accepted = 0;
		const deadline = performance.now() + SECONDS * 1000;
		const worker = async () => {
			while (performance.now() < deadline) {
				const i = Math.floor(rand() * N);
				ts += 1;
				const ticks = Array.from({ length: BATCH }, () => paths[i].next(ts));
				const res = await actors[i].ingest(ticks);
				accepted += res.accepted;
				refused += res.late + res.duplicates;
			}
		};
		const s0 = performance.now();
		await Promise.all(Array.from({ length: 64 }, worker));
		return accepted / ((performance.now() - s0) / 1000);
	};

	// Ceiling: Redis's own pipelined XADD of the same entries (one field of the same JSON size).
	const sample = JSON.stringify(paths[0].next(ts));
	const client = store.client;
	let xaddBatches = 0;
	const xaddRound = async () => {
		let xadds = 0;
		const x0 = performance.now();
		const xDeadline = x0 + SECONDS * 1000;
		while (performance.now() < xDeadline) {
			const p = client.pipeline();
			for (let k = 0; k < 1000; k++) p.xadd(`bench:{X${k % 100}}:ticks`, "MAXLEN", "~", "10000", "*", "d", sample);
			await p.exec();
			xadds += 1000;
			xaddBatches++;
		}
		return xadds / ((performance.now() - x0) / 1000);
	};
	const ingestRuns: number[] = [];
	const xaddRuns: number[] = [];
	for (let r = 0; r < RUNS; r++) {
		process.stderr.write(`durable ingest round ${r + 1}/${RUNS}\n`);
		ingestRuns.push(await ingestRound());
		xaddRuns.push(await xaddRound());
	}
	const ingestRate = median(ingestRuns);
	const xaddRate = median(xaddRuns);

	// Bound: ticks 30 min apart fill the 1m, 5m and 1h bar histories alike (one bar per tick).
	const fullBefore = heap();
	const full: SymbolAnalysis[] = [];
	for (let i = 0; i < M; i++) {
		const a = new SymbolAnalysis(analysis);
		const path = new GbmPath(`F${i}`, { seed: 5, stepSeconds: 1800 });
		for (let k = 0; k < analysis.maxBars * 2; k++) a.apply(path.next(t0 + k * 1_800_000), () => {});
		full.push(a);
	}
	const perFull = (heap() - fullBefore) / M;
	if (full[M - 1].bars("1h", analysis.maxBars)!.length < analysis.maxBars) throw new Error("the bound scenario did not fill the 1h history");
	if (refused > 0) console.error(`warning: ${refused} ticks refused during the ingest phase`);

	const rows = [
		{ measure: "actors active", value: N.toLocaleString("en-US"), baseline: "", ratio: "", target: "" },
		{
			measure: "memory per actor (3 timeframes, 10 indicators, 5 strategies, 200 ticks)",
			value: `${(perActor / 1024).toFixed(1)} KB (${spread(
				perActorRuns.map(b => b / 1024),
				x => x.toFixed(1),
			)})`,
			baseline: "",
			ratio: "",
			target: `≤ 20 KB ${perActor <= 20 * 1024 ? "MET" : "NOT MET"}`,
		},
		{
			measure: "  of which its SymbolAnalysis (bars, indicators, strategies, signals) / the actor around it",
			value: `${(perAnalysis / 1024).toFixed(1)} / ${((perActor - perAnalysis) / 1024).toFixed(1)} KB`,
			baseline: "",
			ratio: "",
			target: "",
		},
		{ measure: `memory per symbol at the bound (${analysis.maxBars} bars on each timeframe; ${M} symbols)`, value: `${(perFull / 1024).toFixed(1)} KB`, baseline: "", ratio: "", target: "" },
		{ measure: "activation from snapshot + replay p50 / p99", value: `${pct(activation, 50).toFixed(2)} / ${pct(activation, 99).toFixed(2)} ms`, baseline: "", ratio: "", target: "" },
		{
			measure: "durable ingest ticks/s (fenced Lua append, 50-tick batches)",
			value: `${Math.round(ingestRate).toLocaleString("en-US")} (${spread(ingestRuns, x => x.toFixed(0))})`,
			baseline: `pipelined XADD ${Math.round(xaddRate).toLocaleString("en-US")}/s (${spread(xaddRuns, x => x.toFixed(0))})`,
			ratio: pairedRatio(ingestRuns, xaddRuns).toFixed(2),
			target: "",
		},
	];
	console.log(`\nsymbol actors on one node, Redis ${redis.url}\n`);
	console.table(rows);
	mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
	writeFileSync(
		new URL("./results/actors.json", import.meta.url),
		JSON.stringify(
			{
				bench: "actors",
				figures: [
					figure({ name: "memory per actor (3 timeframes, 10 indicators, 5 strategies, 200 ticks)", unit: "KB", runs: perActorRuns.map(b => b / 1024), goal: { text: "≤ 20 KB", valueMax: 20 } }),
					figure({ name: "durable ingest (fenced Lua append, 50-tick batches)", unit: "ticks/s", runs: ingestRuns, baseline: { name: "pipelined XADD", unit: "entries/s", runs: xaddRuns } }),
				],
				actors: N,
				bytesPerActor: perActor,
				bytesPerAnalysis: perAnalysis,
				bytesPerSymbolAtBound: perFull,
				activationMs: { p50: pct(activation, 50), p99: pct(activation, 99) },
				ingestTicksPerSecond: ingestRate,
				xaddPerSecond: xaddRate,
				xaddBatches,
			},
			null,
			2,
		),
	);
	console.log("wrote bench/results/actors.json");
} finally {
	await store.close();
	await redis.stop();
}
