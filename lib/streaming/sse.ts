/**
 * Server-Sent Events for the streaming protocol: the same ClientSession behind a text/event-stream
 * response. Each snapshot/update event's `id:` lists `topic/seq` for every topic seen so far (its
 * own first), so a reconnect's `Last-Event-ID` resumes every topic, not just the last one.
 */
import type { SessionSocket } from "./client-session.ts";

/** `ticks:AAPL/42,bars:1m:AAPL/40` → { "ticks:AAPL": 42, "bars:1m:AAPL": 40 }; bad parts are skipped. */
export function parseLastEventId(id: string | undefined): Record<string, number> {
	const out: Record<string, number> = {};
	if (!id) return out;
	for (const part of id.split(",").slice(0, 1000)) {
		const i = part.lastIndexOf("/");
		const seq = Number(part.slice(i + 1));
		if (i > 0 && Number.isSafeInteger(seq) && seq >= 0) out[part.slice(0, i)] = seq;
	}
	return out;
}

export interface SseWritable {
	write(chunk: string, cb: () => void): boolean;
	readonly writableLength: number;
	end(): void;
}

/** A SessionSocket writing SSE events; `seen` carries the seqs for the next `id:`. */
export class SseSocket implements SessionSocket {
	readonly seen = new Map<string, number>();
	closed = false;

	constructor(readonly out: SseWritable, initial: Record<string, number> = {}) {
		for (const [t, s] of Object.entries(initial)) this.seen.set(t, s);
	}

	send(text: string, written: () => void): void {
		if (this.closed) return;
		const f = JSON.parse(text) as { type: string; topic?: string; seq?: number };
		let head = `event: ${f.type}\n`;
		if ((f.type === "update" || f.type === "snapshot") && f.topic && typeof f.seq === "number") {
			this.seen.delete(f.topic);
			this.seen.set(f.topic, f.seq);
			const ids = [`${f.topic}/${f.seq}`];
			for (const [t, s] of this.seen) if (t !== f.topic) ids.push(`${t}/${s}`);
			head = `id: ${ids.join(",")}\n${head}`;
		}
		this.out.write(`${head}data: ${text}\n\n`, written);
	}

	bufferedAmount(): number {
		return this.out.writableLength;
	}

	/** A comment line: keeps proxies from timing the stream out, and finds dead peers. */
	heartbeat(): void {
		if (!this.closed) this.out.write(": heartbeat\n\n", () => {});
	}

	close(code: number, reason: string): void {
		if (this.closed) return;
		this.out.write(`event: close\ndata: ${JSON.stringify({ type: "close", code, reason })}\n\n`, () => {});
		this.closed = true;
		this.out.end();
	}
}
