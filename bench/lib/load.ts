/**
 * Load generation and latency recording shared by the benches (bench/ingest.ts, bench/alerts.ts,
 * bench/events.ts): a keep-alive POST, a closed loop of pre-built bodies (`saturate`: N in flight,
 * each sending the next as soon as its last answered), an open-loop pacer, and microsecond hdr
 * histograms read back in milliseconds.
 */
import http from "node:http";
import * as hdr from "hdr-histogram-js";
import type { CpuMeter } from "./cpu.ts";

export const now = () => performance.now();
export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface Posted {
	status: number;
	text: string;
}

/** One POST of a JSON body over `agent` (keep-alive), resolved with the status and the answer's text. */
export function post(agent: http.Agent, port: number, urlPath: string, body: Buffer): Promise<Posted> {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } }, res => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
			res.on("error", reject);
		});
		req.on("error", reject);
		req.end(body);
	});
}

/** `{ticks: [...]}` of `batch` ticks spread round-robin over `symbols`, all at `ts`. */
export function ticksBody(symbols: string[], batch: number, ts: number, seed: number): Buffer {
	const ticks = [];
	for (let i = 0; i < batch; i++) {
		const k = seed + i;
		ticks.push({ symbol: symbols[i % symbols.length], price: 100 + ((k * 7919) % 1000) / 100, size: 1 + (k % 500), ts });
	}
	return Buffer.from(JSON.stringify({ ticks }));
}

export interface Throughput {
	/** Accepted items (ticks, events…) per second over the measured window. */
	ticksPerSec: number;
	requests: number;
	ticks: number;
	errors: number;
	seconds: number;
	/** Mean CPU use over the measured window, in cores, per process. */
	cpu: Record<string, number>;
	/** CPU seconds over the measured window, per process. */
	cpuSeconds: Record<string, number>;
}

export interface SaturateOptions {
	port: number;
	path: string;
	bodies: Buffer[];
	/** Items the answer accepted (0 = an error). */
	accepted: (r: Posted) => number;
	cpu: CpuMeter;
	concurrency: number;
	warmupMs: number;
	seconds: number;
}

/** Closed loop: `concurrency` clients each POST a pre-serialised body as soon as the last returns. */
export async function saturate(opts: SaturateOptions): Promise<Throughput> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
	let next = 0;
	const run = async (until: number, count: { ticks: number; requests: number; errors: number }) => {
		while (now() < until) {
			const r = await post(agent, opts.port, opts.path, opts.bodies[next++ % opts.bodies.length]);
			const n = r.status < 300 ? opts.accepted(r) : 0;
			if (n === 0) {
				count.errors++;
				if (count.errors === 1) process.stderr.write(`  POST ${opts.path} -> ${r.status}: ${r.text.slice(0, 300)}\n`);
			}
			count.ticks += n;
			count.requests++;
		}
	};
	const warm = { ticks: 0, requests: 0, errors: 0 };
	const warmUntil = now() + opts.warmupMs;
	await Promise.all(Array.from({ length: opts.concurrency }, () => run(warmUntil, warm)));
	const count = { ticks: 0, requests: 0, errors: 0 };
	opts.cpu.start();
	const t0 = now();
	await Promise.all(Array.from({ length: opts.concurrency }, () => run(t0 + opts.seconds * 1000, count)));
	const seconds = (now() - t0) / 1000;
	const cpu = opts.cpu.stop();
	agent.destroy();
	return { ticksPerSec: count.ticks / seconds, requests: count.requests, ticks: count.ticks, errors: count.errors, seconds, cpu, cpuSeconds: opts.cpu.lastSeconds };
}

/**
 * Open loop at a fixed rate: batch i is due at t0 + i·interval whether or not earlier ones have
 * answered (so a stall shows up as latency instead of silently lowering the load).
 */
export async function paced(durationMs: number, intervalMs: number, send: (i: number) => void): Promise<void> {
	const t0 = now();
	let i = 0;
	while (now() - t0 < durationMs) {
		const due = Math.floor((now() - t0) / intervalMs);
		for (; i <= due; i++) send(i);
		await sleep(Math.max(0, t0 + i * intervalMs - now()));
	}
}

/** A latency histogram in µs, 1 µs to 10 min, 3 significant digits. */
export function histogram() {
	return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}
export type Histogram = ReturnType<typeof histogram>;

/** Record a time in ms (as µs, at least 1). */
export function recordMs(h: Histogram, ms: number): void {
	h.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** The q-th percentile in ms, rounded to the µs. */
export function percentileMs(h: Histogram, q: number): number {
	return Math.round(h.getValueAtPercentile(q)) / 1000;
}
