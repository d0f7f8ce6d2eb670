/**
 * Latency from a POST to the WebSocket `update` frames it causes, open loop: a batch every
 * `intervalMs` to `postPort`, a WS client on `wsPort` noting when each (topic, seq) arrives. The
 * POST's answer names the seqs it was given per topic, so every frame's send time is known even
 * when answers come back out of order or after the frames. The warm-up is sent and discarded.
 */
import http from "node:http";
import { WebSocket } from "ws";
import { waitFor } from "../../test/helpers/ports.ts";
import type { CpuMeter } from "./cpu.ts";
import { histogram, now, paced, post, recordMs, sleep, type Histogram } from "./load.ts";
import { readStages, resetStages, type NodeStages } from "./stages.ts";

export interface Latency {
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
	samples: number;
	/** Items accepted (or messages sent) per second over the measured window. */
	ratePerSec: number;
	/** Accepted items of the measured window whose frame never arrived. */
	missing: number;
	errors: number;
	cpu: Record<string, number>;
	/** The POST's own round trip (until the items are accepted), p50/p99 ms. */
	postRtt?: { p50: number; p99: number };
	byGroup?: Record<string, { p50: number; p99: number; samples: number }>;
	/** Each node's per-hop attribution of the measured window (GET /metrics/stages). */
	stages?: NodeStages[];
}

/** Histogram of µs → Latency in ms. */
export function summarise(h: Histogram, extra: Omit<Latency, "p50" | "p90" | "p99" | "max" | "mean" | "samples">): Latency {
	const ms = (us: number) => Math.round(us) / 1000;
	return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue), mean: ms(h.mean), samples: h.totalCount, ...extra };
}

/** A WS client subscribed to `topics`, noting when each (topic, seq) update arrives. */
export async function wsArrivals(port: number, topics: string[]) {
	const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
	const arrivals = new Map<string, Map<number, number>>(topics.map(t => [t, new Map()]));
	let subscribed = false;
	ws.on("message", data => {
		const t = now();
		const f = JSON.parse(data.toString()) as { type: string; topic?: string; seq?: number };
		if (f.type === "subscribed") subscribed = true;
		else if (f.type === "update" && f.topic !== undefined) arrivals.get(f.topic)?.set(f.seq!, t);
	});
	await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
	ws.send(JSON.stringify({ op: "subscribe", topics }));
	await waitFor(() => subscribed, { what: "WS subscribed" });
	return { arrivals, close: () => ws.close() };
}

/** Seqs an answer gave, per topic: `[topic, firstSeq, lastSeq]` (firstSeq null = none). */
export type SeqRange = [topic: string, firstSeq: number | null, lastSeq: number];

export interface PostToWsOptions {
	postPort: number;
	wsPort: number;
	path: string;
	topics: string[];
	/** The body of batch i (built at send time, so its `ts` is current). */
	body: (i: number) => Buffer;
	/** Items in one batch (for the offered rate). */
	batch: number;
	/** The answer of an accepted batch → the seqs it was given. */
	ranges: (answer: string) => SeqRange[];
	intervalMs: number;
	warmupMs: number;
	durationMs: number;
	cpu: CpuMeter;
	/** Also break the latency down by this (e.g. the topic's owner node). */
	groupOf?: (topic: string) => string;
	/** Gateway ports of the nodes whose stage histograms cover the measured window. */
	stagePorts?: number[];
}

export async function postToWs(opts: PostToWsOptions): Promise<Latency> {
	const ws = await wsArrivals(opts.wsPort, opts.topics);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	const sent: Array<{ t: number; rtt: number; ranges: SeqRange[] | null }> = [];
	const pending = new Set<Promise<void>>();
	let errors = 0;
	const phase = (durationMs: number) =>
		paced(durationMs, opts.intervalMs, () => {
			const body = opts.body(sent.length);
			const rec: (typeof sent)[number] = { t: now(), rtt: 0, ranges: null };
			sent.push(rec);
			const p = post(agent, opts.postPort, opts.path, body)
				.then(r => {
					if (r.status >= 300) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
					rec.rtt = now() - rec.t;
					rec.ranges = opts.ranges(r.text);
				})
				.catch((err: Error) => {
					if (errors++ === 0) process.stderr.write(`  POST ${opts.path} failed: ${err.message}\n`);
				})
				.finally(() => pending.delete(p));
			pending.add(p);
		});
	await phase(opts.warmupMs);
	const warmBatches = sent.length;
	if (opts.stagePorts) await resetStages(opts.stagePorts);
	opts.cpu.start();
	const t0 = now();
	await phase(opts.durationMs);
	const seconds = (now() - t0) / 1000;
	const cpu = opts.cpu.stop();
	await Promise.all(pending);
	await sleep(500); // the last frames in flight
	ws.close();
	agent.destroy();
	const stages = opts.stagePorts ? await readStages(opts.stagePorts) : undefined;

	const h = histogram();
	const rtt = histogram();
	const groups = new Map<string, Histogram>();
	let accepted = 0;
	let missing = 0;
	for (const rec of sent.slice(warmBatches)) {
		if (rec.ranges) recordMs(rtt, rec.rtt);
		for (const [topic, first, last] of rec.ranges ?? []) {
			if (first === null) continue;
			const got = ws.arrivals.get(topic);
			const key = opts.groupOf?.(topic);
			let gh = key === undefined ? undefined : groups.get(key);
			if (key !== undefined && !gh) groups.set(key, (gh = histogram()));
			for (let seq = first; seq <= last; seq++) {
				accepted++;
				const t = got?.get(seq);
				if (t === undefined) {
					missing++;
					continue;
				}
				const us = Math.max(1, Math.round((t - rec.t) * 1000));
				h.recordValue(us);
				gh?.recordValue(us);
			}
		}
	}
	const none = { ratePerSec: 0, missing: 0, errors: 0, cpu: {} };
	const postRtt = summarise(rtt, none);
	const byGroup = Object.fromEntries([...groups].map(([k, g]) => [k, (({ p50, p99, samples }) => ({ p50, p99, samples }))(summarise(g, none))]));
	return { ...summarise(h, { ratePerSec: accepted / seconds, missing, errors, cpu }), postRtt: { p50: postRtt.p50, p99: postRtt.p99 }, ...(groups.size ? { byGroup } : {}), ...(stages ? { stages } : {}) };
}

/** The seqs of a `POST /api/v1/ticks` answer, per `ticks:{SYM}` topic. */
export const tickRanges = (answer: string): SeqRange[] => (JSON.parse(answer) as { symbols: Array<{ symbol: string; firstSeq: number | null; lastSeq: number }> }).symbols.map(r => [`ticks:${r.symbol}`, r.firstSeq, r.lastSeq]);
