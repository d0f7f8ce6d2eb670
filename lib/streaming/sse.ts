/**
 * Server-Sent Events for the streaming protocol: the same ClientSession behind a text/event-stream
 * response. Each snapshot/update event's `id:` lists `topic/seq` for every topic seen so far (its
 * own first), so a reconnect's `Last-Event-ID` resumes every topic, not just the last one.
 */
import { ValidationError } from "../protocol/errors.ts";
import { parseTopic } from "../protocol/wire.ts";
import type { SessionSocket } from "./client-session.ts";

/** The response head of an event stream (no proxy buffering, no transform). */
export const SSE_HEADERS = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no" } as const;

/** A stream's topics, checked before it opens: at least one, each a topic (422 naming `topics`). */
export function checkStreamTopics(topics: readonly string[]): void {
	if (topics.length === 0) throw new ValidationError("'topics' must list at least one topic", [{ field: "topics", message: "required" }]);
	for (const t of topics) if (!parseTopic(t)) throw new ValidationError(`bad topic '${t.slice(0, 200)}'`, [{ field: "topics", message: "bad topic", actual: t.slice(0, 200) }]);
}

/** A part of Last-Event-ID: `topic/seq`, seq a non-negative integer in decimal without sign or leading zero. */
const ID_PART = /^(.+)\/(0|[1-9][0-9]{0,15})$/;

/**
 * `ticks:AAPL/42,bars:1m:AAPL/40` → { "ticks:AAPL": 42, "bars:1m:AAPL": 40 }, only for `topics`
 * (the ones the reconnect asks for: a client's header is not echoed back in every `id:`).
 * Malformed parts (`ticks:AAPL/`, `/5`, `ticks:AAPL/-1`, `ticks:AAPL/1e3`) are skipped: their topic
 * starts from its snapshot.
 */
export function parseLastEventId(id: string | undefined, topics: readonly string[]): Record<string, number> {
	const out: Record<string, number> = {};
	if (!id) return out;
	const wanted = new Set(topics);
	// The header is bounded by the HTTP server's header limit (16 KB); the parts read, here too.
	for (const part of id.split(",", 10_000)) {
		const m = ID_PART.exec(part.trim());
		if (!m || !wanted.has(m[1])) continue;
		const seq = Number(m[2]);
		if (Number.isSafeInteger(seq)) out[m[1]] = seq;
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

	constructor(
		readonly out: SseWritable,
		initial: Record<string, number> = {},
	) {
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
