/**
 * Dashboard benchmark (`npm run bench`): the page in headless Debian chromium (playwright-core)
 * against an in-process embedded node holding 520 minutes of seeded 20 s ticks (500 1m bars).
 *
 * 1. First render of the 500-bar chart: navigation start → first frame after the chart got its
 *    data (`window.__rookery.firstRenderAt`), median of RUNS fresh page loads after one warm-up
 *    (the bundle is built on the first request). Baseline: first paint of a plain text page from the
 *    same gateway in the same browser.
 * 2. Frame time over FRAME_SECONDS while TICKS_PER_SECOND ticks/s are POSTed one by one into the open chart: for
 *    every frame, the time from the first rAF callback to the end of that frame's rendering (a
 *    message posted from rAF runs once style, layout and paint are done), p50/p95/p99; and rAF
 *    intervals. Baseline: the same probe on the same page with no ticks flowing.
 * 3. Page memory over STREAM_SECONDS more of streaming (bounded: 60 s by default instead of 5
 *    minutes): JS heap after a forced GC (CDP) every 5 s; growth and slope.
 *
 * Results: a table on stdout and JSON in bench/results/dashboard.json.
 * Knobs (env): BENCH_DASHBOARD_SECONDS (streaming seconds, default 60), BENCH_DASHBOARD_RUNS (default 5).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { launchBrowser, startDashboardNode } from "../test/helpers/browser.ts";

const RESULTS = fileURLToPath(new URL("./results/dashboard.json", import.meta.url));
const STREAM_SECONDS = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 60);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 5);
const TICKS_PER_SECOND = 50;
const FRAME_SECONDS = 20;
const SYMBOL = "BENCH";

const LWC_STANDALONE = path.join(path.dirname(createRequire(import.meta.url).resolve("lightweight-charts/package.json")), "dist", "lightweight-charts.standalone.production.js");

/**
 * The floor for frame time: a bare page with lightweight-charts alone, 500 candles, the last one
 * updated TICKS_PER_SECOND times a second by a timer in the page (no network, no indicators).
 */
const BARE_CHART = `(() => {
	const el = document.createElement("div");
	el.style.cssText = "width:1200px;height:560px";
	document.body.appendChild(el);
	const chart = LightweightCharts.createChart(el, { width: 1200, height: 560 });
	const s = chart.addSeries(LightweightCharts.CandlestickSeries, {});
	const t0 = Math.floor(Date.now() / 60000) * 60 - 499 * 60;
	let p = 100;
	const data = [];
	for (let i = 0; i < 500; i++) { const o = p; p *= 1 + (Math.random() - 0.5) * 0.004; data.push({ time: t0 + i * 60, open: o, high: Math.max(o, p) * 1.001, low: Math.min(o, p) * 0.999, close: p }); }
	s.setData(data);
	const last = { ...data[499] };
	setInterval(() => { last.close *= 1 + (Math.random() - 0.5) * 0.001; last.high = Math.max(last.high, last.close); last.low = Math.min(last.low, last.close); s.update({ ...last }); }, ${1000 / TICKS_PER_SECOND});
})()`;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

/** Installed in the page: per-frame work and rAF intervals until `__probe.on` is false. */
const PROBE = `(() => {
	const p = { work: [], intervals: [], last: 0, on: true };
	window.__probe = p;
	const loop = t => {
		if (!p.on) return;
		requestAnimationFrame(loop);
		const start = performance.now();
		if (p.last) p.intervals.push(t - p.last);
		p.last = t;
		const ch = new MessageChannel();
		ch.port1.onmessage = () => p.work.push(performance.now() - start);
		ch.port2.postMessage(0);
	};
	requestAnimationFrame(loop);
})()`;

async function main(): Promise<void> {
	const t0 = Date.now();
	const srv = await startDashboardNode([SYMBOL], 520);
	const browser = await launchBrowser();
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	try {
		// 1. First render.
		const renders: number[] = [];
		const baselines: number[] = [];
		for (let i = 0; i <= RUNS; i++) {
			const page = await context.newPage();
			await page.goto(`${srv.base}/#${SYMBOL}/1m`);
			await page.waitForFunction(() => (globalThis as any).__rookery?.firstRenderAt != null, undefined, { timeout: 30_000 });
			const at = (await page.evaluate("window.__rookery.firstRenderAt")) as number;
			const bars = (await page.evaluate("window.__rookery.bars")) as number;
			if (bars < 500) throw new Error(`expected a 500-bar chart, got ${bars}`);
			if (i > 0) renders.push(at); // the first load builds the bundle
			await page.close();
			const plain = await context.newPage();
			await plain.goto(`${srv.base}/dashboard.css`);
			// First paint when the browser reports one, else the first frame after load.
			const paint = (await plain.evaluate("new Promise(r => requestAnimationFrame(() => r((performance.getEntriesByType('paint').find(e => e.name === 'first-paint') || {}).startTime ?? performance.now())))")) as number | null;
			if (i > 0 && paint !== null) baselines.push(paint);
			await plain.close();
		}

		// 2 and 3: one page, idle probe, then streaming with the probe and heap samples.
		const page = await context.newPage();
		await page.goto(`${srv.base}/#${SYMBOL}/1m`);
		await page.waitForFunction(() => (globalThis as any).__rookery?.loads > 0 && (globalThis as any).__rookery.tickSeqs().length > 0, undefined, { timeout: 30_000 });
		const cdp = await context.newCDPSession(page);
		const heap = async () => {
			await cdp.send("HeapProfiler.collectGarbage");
			return (await cdp.send("Runtime.getHeapUsage")).usedSize;
		};
		const probe = async (ms: number) => {
			await page.evaluate(PROBE);
			await sleep(ms);
			return (await page.evaluate("(() => { window.__probe.on = false; return { work: window.__probe.work, intervals: window.__probe.intervals }; })()")) as { work: number[]; intervals: number[] };
		};
		const idle = await probe(5000);
		const barePage = await context.newPage();
		await barePage.addScriptTag({ path: LWC_STANDALONE });
		await barePage.evaluate(BARE_CHART);
		await barePage.evaluate(PROBE);
		await sleep(FRAME_SECONDS * 1000);
		const bare = (await barePage.evaluate("(() => { window.__probe.on = false; return { work: window.__probe.work, intervals: window.__probe.intervals }; })()")) as { work: number[]; intervals: number[] };
		await barePage.close();

		const last = (await page.evaluate("window.__rookery.lastBar()")) as { close: number };
		let price = last.close;
		let posted = 0;
		let failed = 0;
		let inFlight = 0;
		const timer = setInterval(() => {
			price = Math.max(1, price * (1 + (Math.random() - 0.5) * 0.001));
			inFlight++;
			void srv
				.post({ symbol: SYMBOL, price: Math.round(price * 10_000) / 10_000, size: 1, ts: Date.now() })
				.then(
					r => (r.status === 200 ? posted++ : failed++),
					() => failed++,
				)
				.finally(() => inFlight--);
		}, 1000 / TICKS_PER_SECOND);
		// Frames first (20 s, which also warms the page up), then the heap over STREAM_SECONDS more.
		const frames = await probe(FRAME_SECONDS * 1000);
		const heapSamples: Array<{ s: number; bytes: number }> = [{ s: 0, bytes: await heap() }];
		const streamStart = Date.now();
		while (Date.now() - streamStart < STREAM_SECONDS * 1000) {
			await sleep(Math.max(0, 5000 - ((Date.now() - streamStart) % 5000)));
			heapSamples.push({ s: Math.round((Date.now() - streamStart) / 1000), bytes: await heap() });
		}
		clearInterval(timer);
		while (inFlight > 0) await sleep(20);
		const hook = (await page.evaluate("({ gaps: window.__rookery.gaps, duplicates: window.__rookery.duplicates, received: window.__rookery.tickSeqs().length })")) as { gaps: number; duplicates: number; received: number };

		const n = heapSamples.length;
		const xs = heapSamples.map(h => h.s);
		const ys = heapSamples.map(h => h.bytes);
		const mx = xs.reduce((a, b) => a + b, 0) / n;
		const my = ys.reduce((a, b) => a + b, 0) / n;
		const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0); // bytes/s
		const result = {
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, loadavg: os.loadavg().map(x => +x.toFixed(2)) },
			firstRender: { bars: 500, runs: renders.length, medianMs: median(renders), maxMs: Math.max(...renders), baselineFirstPaintMs: median(baselines), ratio: median(renders) / median(baselines), targetMs: 1000 },
			frames: {
				ticksPerSecond: TICKS_PER_SECOND,
				streaming: { frames: frames.work.length, p50: pct(frames.work, 50), p95: pct(frames.work, 95), p99: pct(frames.work, 99), intervalP95: pct(frames.intervals, 95) },
				idle: { frames: idle.work.length, p50: pct(idle.work, 50), p95: pct(idle.work, 95), p99: pct(idle.work, 99), intervalP95: pct(idle.intervals, 95) },
				bareChart: { frames: bare.work.length, p50: pct(bare.work, 50), p95: pct(bare.work, 95), p99: pct(bare.work, 99), intervalP95: pct(bare.intervals, 95) },
				targetP95Ms: 16,
			},
			// GC'd heap still holds frames in flight, so single samples scatter: compare the medians of the first and last three.
			memory: { seconds: STREAM_SECONDS, startBytes: median(ys.slice(0, 3)), endBytes: median(ys.slice(-3)), minBytes: Math.min(...ys), maxBytes: Math.max(...ys), slopeBytesPerMinute: slope * 60, samples: heapSamples },
			stream: { posted, failed, received: hook.received, gaps: hook.gaps, duplicates: hook.duplicates },
			totalSeconds: Math.round((Date.now() - t0) / 1000),
		};

		const fr = result.firstRender;
		const st = result.frames.streaming;
		const id = result.frames.idle;
		const bc = result.frames.bareChart;
		const mem = result.memory;
		console.log(`\nDashboard in headless chromium (${os.cpus().length} cores, load ${result.machine.loadavg.join(" ")})\n`);
		console.log("| measure | dashboard | baseline | ratio | target |\n|---|---|---|---|---|");
		console.log(
			`| first render, 500-bar chart (nav → drawn), median of ${fr.runs} (max) | ${f(fr.medianMs)} ms (${f(fr.maxMs)}) | ${f(fr.baselineFirstPaintMs)} ms first paint of a text page from the gateway | ${f(fr.ratio, 2)}× | < 1000 ms |`,
		);
		console.log(
			`| frame time p95 at ${TICKS_PER_SECOND} ticks/s (p50 / p99), ${st.frames} frames | ${f(st.p95, 2)} ms (${f(st.p50, 2)} / ${f(st.p99, 2)}) | ${f(bc.p95, 2)} ms bare chart, ${TICKS_PER_SECOND} updates/s (${f(bc.p50, 2)} / ${f(bc.p99, 2)}) | ${f(st.p95 / bc.p95, 2)}× | < 16 ms |`,
		);
		console.log(`| frame time p95, dashboard idle (p50 / p99) | ${f(id.p95, 2)} ms (${f(id.p50, 2)} / ${f(id.p99, 2)}) | | | |`);
		console.log(`| rAF interval p95 | ${f(st.intervalP95, 2)} ms | ${f(bc.intervalP95, 2)} ms bare chart | ${f(st.intervalP95 / bc.intervalP95, 2)}× | ~16.7 ms |`);
		console.log(
			`| JS heap after GC over ${mem.seconds} s of streaming (first 3 → last 3 samples, medians; min–max) | ${f(mem.startBytes / 1e6, 2)} → ${f(mem.endBytes / 1e6, 2)} MB (${f(mem.minBytes / 1e6, 2)}–${f(mem.maxBytes / 1e6, 2)}) | | ${f(mem.endBytes / mem.startBytes, 3)}× | flat |`,
		);
		console.log(`| heap slope | ${f(mem.slopeBytesPerMinute / 1e3, 1)} KB/min | | | ~0 |`);
		console.log(`| ticks posted / received by the page, gaps, duplicates | ${posted} / ${hook.received}, ${hook.gaps}, ${hook.duplicates} | | | 0 gaps |`);
		mkdirSync(path.dirname(RESULTS), { recursive: true });
		writeFileSync(RESULTS, JSON.stringify(result, null, 2) + "\n");
		console.log(`\nwritten ${path.relative(process.cwd(), RESULTS)} (${result.totalSeconds} s)`);
	} finally {
		await browser.close();
		await srv.stop();
	}
}

main().then(
	() => process.exit(0),
	err => {
		console.error(err);
		process.exit(1);
	},
);
