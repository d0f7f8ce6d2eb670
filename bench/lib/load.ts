/**
 * Load generation and latency recording shared by the benches that time a tick from its POST to a
 * frame on a WebSocket client (bench/ingest.ts, bench/alerts.ts): a keep-alive POST, an open-loop
 * pacer, and microsecond hdr histograms read back in milliseconds.
 */
import http from "node:http";
import * as hdr from "hdr-histogram-js";

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
