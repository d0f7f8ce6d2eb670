/**
 * The dashboard's WebSocket client (docs/protocol.md): remembers the last seq per topic and, after
 * a dropped connection, subscribes again with `since`, so `ticks` are replayed with no gap and no
 * duplicate; derived topics answer `reset` + snapshot, which the caller turns into a REST reload.
 */
export interface Frame {
	type: string;
	topic?: string;
	seq?: number;
	data?: unknown;
	code?: string;
	message?: string;
	reason?: string;
}

export interface StreamHandlers {
	frame(f: Frame): void;
	state(s: "connecting" | "live" | "down", detail?: string): void;
}

export class StreamClient {
	readonly lastSeq = new Map<string, number>();
	#topics = new Set<string>();
	#ws: WebSocket | null = null;
	#backoff = 250;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#closed = false;
	connections = 0;

	constructor(
		private readonly url: () => string,
		private readonly on: StreamHandlers,
	) {}

	connect(): void {
		this.#closed = false;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.on.state("connecting");
		const ws = new WebSocket(this.url());
		this.#ws = ws;
		ws.onopen = () => {
			this.connections++;
			this.#backoff = 250;
			this.on.state("live");
			if (this.#topics.size > 0) this.#send({ op: "subscribe", topics: [...this.#topics], since: this.#since([...this.#topics]) });
		};
		ws.onmessage = ev => {
			let f: Frame;
			try {
				f = JSON.parse(String(ev.data)) as Frame;
			} catch {
				return;
			}
			if (f.topic && typeof f.seq === "number" && (f.type === "update" || f.type === "snapshot" || f.type === "reset")) {
				// A replayed tick already seen (seq not above the last) is dropped here too.
				const last = this.lastSeq.get(f.topic);
				if (f.type === "update" && f.topic.startsWith("ticks:") && last !== undefined && f.seq <= last) return;
				this.lastSeq.set(f.topic, f.seq);
			}
			this.on.frame(f);
		};
		ws.onclose = ev => {
			if (this.#ws !== ws) return;
			this.#ws = null;
			this.on.state("down", ev.reason || `closed (${ev.code})`);
			if (this.#closed || ev.code === 4001) return;
			this.#timer = setTimeout(() => this.connect(), this.#backoff);
			this.#backoff = Math.min(this.#backoff * 2, 5000);
		};
	}

	/** Closes for good (a new token: the caller connects again). */
	close(): void {
		this.#closed = true;
		if (this.#timer) clearTimeout(this.#timer);
		this.#ws?.close(1000, "bye");
		this.#ws = null;
	}

	subscribe(topics: string[], fresh = true): void {
		const add = topics.filter(t => !this.#topics.has(t));
		for (const t of add) this.#topics.add(t);
		// A topic subscribed anew starts from its snapshot; `fresh` false resumes from the last seq.
		if (fresh) for (const t of add) this.lastSeq.delete(t);
		if (add.length > 0) this.#send({ op: "subscribe", topics: add, since: this.#since(add) });
	}

	unsubscribe(topics: string[]): void {
		const gone = topics.filter(t => this.#topics.delete(t));
		for (const t of gone) this.lastSeq.delete(t);
		if (gone.length > 0) this.#send({ op: "unsubscribe", topics: gone });
	}

	#since(topics: string[]): Record<string, number> | undefined {
		const since: Record<string, number> = {};
		for (const t of topics) {
			const s = this.lastSeq.get(t);
			if (s !== undefined) since[t] = s;
		}
		return Object.keys(since).length > 0 ? since : undefined;
	}

	#send(msg: object): void {
		if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
	}
}
