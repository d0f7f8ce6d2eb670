/**
 * The contract suite every indicator, strategy and vendor adapter passes, built-in or plug-in
 * (docs/plugins.md). Each function returns named checks, `[name, run]`, that throw an
 * AssertionError on failure; a mocha spec turns them into tests:
 *   for (const [name, run] of indicatorContract({ spec: "zscore:5", batch })) it(name, run);
 * No test framework is imported here; only node:assert and the registries.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Bar } from "../bars/bar.ts";
import { mulberry32 } from "../feed/random.ts";
import { IndicatorSet } from "../indicators/indicator-set.ts";
import { type AnyIndicator, createIndicator, restoreIndicator } from "../indicators/registry.ts";
import { createStrategy, restoreStrategy } from "../strategies/index.ts";
import type { Signal } from "../strategies/signal.ts";
import { checkTick } from "../protocol/tick.ts";
import { DATA_TYPES, type PollVendor, type VendorAdapter } from "../vendors/vendor.ts";

export type Check = [name: string, run: () => void | Promise<void>];
const run = promisify(execFile);
type Column = Array<number | null>;

/**
 * Seeded series: a random walk on a 1/8 grid (equal closes, zero-range bars and flat stretches
 * happen), random gaps in time, zero volumes. Same seed, same bars.
 */
export function contractBars(seed: number, n: number): Bar[] {
	const rand = mulberry32(seed);
	let price = 100;
	let time = Date.UTC(2024, 0, 2);
	const out: Bar[] = [];
	for (let i = 0; i < n; i++) {
		const flat = i % 50 > 44;
		price = Math.max(1, price + (flat ? 0 : Math.round((rand() - 0.5) * 16) / 8));
		const up = flat ? 0 : Math.round(rand() * 8) / 8;
		const down = flat ? 0 : Math.round(rand() * 8) / 8;
		const open = flat ? price : Math.min(price + up, Math.max(price - down, price + Math.round((rand() - 0.5) * 8) / 8));
		out.push({ time: (time += 60_000 * (1 + Math.floor(rand() * 3))), open, high: Math.max(open, price + up), low: Math.min(open, price - down), close: price, volume: rand() < 0.1 ? 0 : Math.floor(rand() * 1000) });
	}
	return out;
}

const SERIES = (): Bar[][] => [contractBars(1, 400), ...Array.from({ length: 24 }, (_, s) => contractBars(100 + s, 1 + ((s * 7) % 90)))];

/** Every column of `ind` after each bar (null in warm-up). */
export function streamColumns(ind: AnyIndicator, bars: readonly Bar[]): Column[] {
	const out = new Float64Array(ind.width);
	const cols: Column[] = Array.from({ length: ind.width }, () => []);
	for (const bar of bars) {
		ind.update(bar);
		ind.write(out, 0);
		out.forEach((v, j) => cols[j].push(Number.isNaN(v) ? null : v));
	}
	return cols;
}

function close(got: Column, want: Column, tol: number, what: string): void {
	assert.equal(got.length, want.length, `${what}: length`);
	for (let i = 0; i < got.length; i++) {
		const g = got[i];
		const w = want[i];
		if (g === null || w === null) assert.equal(g, w, `${what}: bar ${i}: streaming ${g}, batch ${w}`);
		else assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `${what}: bar ${i}: streaming ${g}, batch ${w}`);
	}
}

/**
 * How many garbage collections `fn` caused (none: it allocated less than the young generation
 * holds). The least of `tries` runs: code that does not allocate once optimised still boxes
 * numbers while V8 is compiling it, and a collection may be due from what ran before.
 */
export async function gcCount(fn: () => void, tries = 3): Promise<number> {
	let least = Infinity;
	for (let t = 0; t < tries && least > 0; t++) {
		let n = 0;
		const obs = new PerformanceObserver(list => void (n += list.getEntries().length));
		obs.observe({ entryTypes: ["gc"] });
		fn();
		// gc entries are delivered asynchronously.
		await new Promise(r => setImmediate(r));
		await new Promise(r => setTimeout(r, 0));
		obs.disconnect();
		least = Math.min(least, n);
	}
	return least;
}

/**
 * 1M updates in a fresh process (alloc-probe.ts): one small object per update would fill the young
 * generation several times over; none must be collected.
 */
async function noAllocation(kind: "indicator" | "strategy", spec: string, modules: string[]): Promise<void> {
	const probe = fileURLToPath(new URL("./alloc-probe.ts", import.meta.url));
	// Optimised code compiled on the main thread: on a loaded machine a background compile may not
	// land before the measurement, and the interpreter boxes numbers.
	const { stdout } = await run(process.execPath, ["--no-concurrent-recompilation", "--import", "tsx", probe, kind, spec, ...modules], { cwd: process.cwd(), timeout: 60_000 });
	const { gcs, signals } = JSON.parse(stdout.trim().split("\n").at(-1)!) as { gcs: number; signals: number };
	assert.equal(signals, 0, "fired on a flat series");
	assert.equal(gcs, 0, `${gcs} garbage collection(s) during 1M updates of ${spec}: update allocates`);
}

export interface IndicatorContractOptions {
	/** A spec the registry builds (the plug-in registered): `zscore:5`. Small periods test more. */
	spec: string;
	/** The batch formula: every column over the whole series, null in warm-up. */
	batch(bars: readonly Bar[]): Column[];
	/** Relative tolerance of streaming vs batch (default 1e-9). */
	tolerance?: number;
	/** Plug-in modules the fresh process of the no-allocation check loads (as in `plugins`). */
	modules?: string[];
}

export function indicatorContract(o: IndicatorContractOptions): Check[] {
	const tol = o.tolerance ?? 1e-9;
	const make = () => createIndicator(o.spec);
	const exact = (a: Column[], b: Column[], what: string) => assert.deepEqual(a, b, what);
	return [
		[
			`${o.spec}: streaming equals the batch formula`,
			() => {
				for (const bars of SERIES()) {
					const want = o.batch(bars);
					const got = streamColumns(make(), bars);
					assert.equal(got.length, want.length, "batch gives one array per column");
					got.forEach((col, j) => close(col, want[j], tol, `${o.spec} column ${j} on ${bars.length} bars`));
				}
			},
		],
		[
			`${o.spec}: a snapshot (JSON) restored at any bar continues exactly like an uninterrupted run`,
			() => {
				const bars = contractBars(7, 300);
				const whole = streamColumns(make(), bars);
				for (const k of [0, 1, 2, 5, 17, 60, 299, 300]) {
					const first = make();
					const head = streamColumns(first, bars.slice(0, k));
					const restored = restoreIndicator(JSON.parse(JSON.stringify(first.toJSON())));
					assert.deepEqual(restored.value, first.value, `value right after restore at ${k}`);
					assert.equal(restored.count, k);
					const tail = streamColumns(restored, bars.slice(k));
					exact(
						head.map((c, j) => [...c, ...tail[j]]),
						whole,
						`restored at bar ${k}`,
					);
				}
			},
		],
		[
			`${o.spec}: warm-up is null for exactly \`lookback\` bars, count counts accepted bars`,
			() => {
				const ind = make();
				const bars = contractBars(11, ind.lookback + 40);
				const cols = streamColumns(ind, bars);
				assert.equal(ind.count, bars.length);
				for (const col of cols) {
					assert.ok(
						col.slice(0, ind.lookback).every(v => v === null),
						`null before bar ${ind.lookback} (lookback)`,
					);
				}
				// The first value of any output comes at `lookback` (one output may start later: ADX's adx after its ±DI).
				assert.ok(
					cols.some(col => col[ind.lookback] !== null),
					`a value at bar ${ind.lookback} (lookback)`,
				);
			},
		],
		[
			`${o.spec}: peek predicts the committed value and changes nothing`,
			() => {
				const bars = contractBars(13, 200);
				const ind = make();
				const peeked = new Float64Array(ind.width);
				const row = new Float64Array(ind.width);
				const cols: Column[] = Array.from({ length: ind.width }, () => []);
				for (const bar of bars) {
					ind.peek({ ...bar, close: bar.high, time: bar.time + 1 });
					ind.write(peeked, 0, bar);
					ind.update(bar);
					ind.write(row, 0);
					assert.deepEqual([...peeked], [...row]);
					row.forEach((v, j) => cols[j].push(Number.isNaN(v) ? null : v));
				}
				exact(cols, streamColumns(make(), bars), "a run with peeks equals one without");
			},
		],
		[
			`${o.spec}: a bad bar is refused with a reason and leaves the state unchanged`,
			() => {
				const bars = contractBars(17, 120);
				const ind = make();
				streamColumns(ind, bars.slice(0, 60));
				const snapshot = JSON.stringify(ind.toJSON());
				for (const patch of [{ close: NaN }, { high: Infinity }, { volume: -1 }, { high: 1, low: 2, close: 1.5 }, { time: NaN }]) {
					const reason = ind.update({ ...bars[60], ...patch });
					assert.equal(typeof reason, "string", `refuses ${JSON.stringify(patch)}`);
					assert.equal(ind.peek({ ...bars[60], ...patch }), null);
					assert.equal(JSON.stringify(ind.toJSON()), snapshot);
				}
				exact(
					streamColumns(ind, bars.slice(60)),
					streamColumns(make(), bars).map(c => c.slice(60)),
					"after the refusals",
				);
			},
		],
		[
			`${o.spec}: inside an IndicatorSet (one arena, shared windows) it gives what it gives alone`,
			() => {
				const bars = contractBars(19, 300);
				const set = new IndicatorSet(["sma:7", o.spec, "bbands:9:2"]);
				const alone = [...streamColumns(createIndicator("sma:7"), bars), ...streamColumns(make(), bars), ...streamColumns(createIndicator("bbands:9:2"), bars)];
				bars.forEach((bar, i) => {
					assert.equal(set.update(bar), null);
					assert.deepEqual(
						[...set.values].map(v => (Number.isNaN(v) ? null : v)),
						alone.map(c => c[i]),
						`bar ${i}`,
					);
				});
				const copy = IndicatorSet.fromJSON(JSON.parse(JSON.stringify(set.toJSON())));
				assert.deepEqual([...copy.values], [...set.values]);
			},
		],
		[`${o.spec}: updates allocate nothing (no garbage collection in 1M updates, fresh process)`, () => noAllocation("indicator", o.spec, o.modules ?? [])],
	];
}

export interface StrategyContractOptions {
	/** A spec the registry builds: `my-cross:3:8`. */
	spec: string;
	/** Optional batch rule: the [bar index, direction] it fires on the whole series. */
	batch?(bars: readonly Bar[]): Array<[number, "long" | "short"]>;
	/** Plug-in modules the fresh process of the no-allocation check loads (as in `plugins`). */
	modules?: string[];
}

const fired = (signals: Array<Signal | null>): Array<[number, "long" | "short"]> => signals.flatMap((s, i) => (s ? [[i, s.direction] as [number, "long" | "short"]] : []));

export function strategyContract(o: StrategyContractOptions): Check[] {
	const make = () => createStrategy(o.spec);
	const bars = contractBars(29, 600);
	const checks: Check[] = [
		[
			`${o.spec}: fires on a 600-bar random walk, only after its indicators are warm, with strength in [0, 1]`,
			() => {
				const s = make();
				const signals = bars.map(b => s.update(b));
				const warm = Math.max(...s.indicators.map(i => i.lookback));
				assert.ok(signals.some(Boolean), "never fired");
				assert.ok(
					signals.slice(0, warm).every(x => x === null),
					`fired before bar ${warm} (its indicators' lookback)`,
				);
				for (const x of signals) if (x) assert.ok(x.strength >= 0 && x.strength <= 1 && typeof x.reason === "string" && x.reason.length > 0, JSON.stringify(x));
			},
		],
		[
			`${o.spec}: a snapshot (JSON) restored at any bar fires exactly the same later signals`,
			() => {
				const s = make();
				const all = bars.map(b => s.update(b));
				for (const k of [0, 1, 40, 301, 599]) {
					const head = make();
					bars.slice(0, k).forEach(b => head.update(b));
					const restored = restoreStrategy(JSON.parse(JSON.stringify(head.toJSON())));
					assert.deepEqual(
						bars.slice(k).map(b => restored.update(b)),
						all.slice(k),
						`restored at bar ${k}`,
					);
				}
			},
		],
		[
			`${o.spec}: sharing an IndicatorSet's indicators fires the same signals as owning them`,
			() => {
				const own = make();
				const set = new IndicatorSet(["sma:20", "ema:20", "rsi:14", "macd:12:26:9"]);
				const shared = make().shareIndicators(set);
				for (const b of bars) {
					set.update(b);
					assert.deepEqual(shared.update(b), own.update(b));
				}
			},
		],
		[
			`${o.spec}: a bad bar is ignored and changes nothing`,
			() => {
				const s = make();
				bars.slice(0, 100).forEach(b => s.update(b));
				const before = JSON.stringify(s.toJSON());
				assert.equal(s.update({ ...bars[100], high: bars[100].low - 1 }), null);
				assert.equal(s.update({ ...bars[100], close: NaN }), null);
				assert.equal(JSON.stringify(s.toJSON()), before);
			},
		],
		[`${o.spec}: updates that fire nothing allocate nothing (no garbage collection in 1M updates, fresh process)`, () => noAllocation("strategy", o.spec, o.modules ?? [])],
	];
	if (o.batch) {
		const batch = o.batch;
		checks.unshift([
			`${o.spec}: streaming fires where the batch rule does`,
			() => {
				const s = make();
				assert.deepEqual(fired(bars.map(b => s.update(b))), batch(bars));
			},
		]);
	}
	return checks;
}

export interface VendorContractOptions {
	/** A new adapter (as `createVendor` builds it from its settings). */
	create(): VendorAdapter;
	symbol: string;
	/** A source that cannot answer (a missing file, a closed port): fetch must reject with a VendorError. */
	broken?(): VendorAdapter;
}

export function vendorContract(o: VendorContractOptions): Check[] {
	const now = Date.now();
	return [
		[
			"names itself and serves known data types",
			() => {
				const v = o.create();
				assert.match(v.name, /^[a-z0-9_-]{1,32}$/);
				assert.match(v.type, /^[a-z][a-z0-9-]{0,31}$/);
				assert.ok(v.mode === "poll" || v.mode === "push");
				assert.ok(v.dataTypes.length > 0 && v.dataTypes.every(d => (DATA_TYPES as readonly string[]).includes(d)), `dataTypes ${v.dataTypes.join(",")}`);
			},
		],
		[
			"a poll answers each data type it serves with well-formed items; market data carries a valid tick",
			async () => {
				const v = o.create();
				if (v.mode !== "poll") return;
				for (const dt of v.dataTypes) {
					const items = await (v as PollVendor).fetch(dt, o.symbol, new AbortController().signal);
					assert.ok(Array.isArray(items), `${dt}: an array`);
					for (const it of items) {
						assert.equal(it.data_type, dt);
						assert.equal(it.symbol, o.symbol);
						assert.ok(Number.isFinite(it.timestamp), `${dt}: timestamp`);
						assert.ok(it.data !== null && typeof it.data === "object", `${dt}: data`);
						if (it.tick) {
							const t = checkTick(it.tick, { maxFutureMs: 86_400_000, now: () => now });
							assert.ok(!Array.isArray(t), `${dt}: tick ${JSON.stringify(it.tick)}: ${JSON.stringify(t)}`);
						}
					}
				}
			},
		],
		[
			"a source that cannot answer rejects with a VendorError (retryable or not), never anything else",
			async () => {
				if (!o.broken) return;
				const v = o.broken();
				if (v.mode !== "poll") return;
				await assert.rejects((v as PollVendor).fetch(v.dataTypes[0], o.symbol, new AbortController().signal), (err: Error) => err.name === "VendorError" && typeof (err as { retryable?: unknown }).retryable === "boolean");
			},
		],
	];
}
