/**
 * The WebSocket protocol for one connection, without the socket: parses client frames, keeps the
 * subscriptions, sends the latest value first and then every update in seq order with no gap and
 * no duplicate, and enforces the send-queue bound.
 */
import { parseTopic, TOPIC_FORMS, type Topic } from "../protocol/wire.ts";
import { WsClose, WsErrorCode, type ServerFrame } from "../protocol/ws-codes.ts";
import type { TopicHub, TopicListener } from "./topic-hub.ts";

export interface SessionSocket {
	send(text: string): void;
	/** Bytes queued in the socket and not yet written to the network. */
	bufferedAmount(): number;
	close(code: number, reason: string): void;
}

export interface SessionOptions {
	maxTopics: number;
	maxBufferedBytes: number;
	/** Updates held per topic while its snapshot is fetched; beyond that the oldest go. */
	maxPendingPerTopic: number;
	/** The topic's current value and the seq it reflects; live updates with a higher seq follow it. */
	snapshot(topic: Topic): Promise<{ seq: number; data: unknown } | null>;
	onDrop(reason: "slow-consumer" | "pending-overflow"): void;
}

interface TopicState {
	/** Frames that arrived before the snapshot was sent; null once live. */
	pending: Array<{ seq: number; frame: string }> | null;
	/**
	 * The snapshot's seq: frames at or below it are already reflected in it. They can still arrive
	 * after it (in a cluster the snapshot and the updates travel on different connections).
	 */
	after: number;
	/** Held frames were dropped since the last snapshot request. */
	overflowed: boolean;
}

const MAX_SNAPSHOT_ATTEMPTS = 3;

export class ClientSession implements TopicListener {
	#topics = new Map<string, TopicState>();
	#closed = false;

	constructor(readonly socket: SessionSocket, readonly hub: TopicHub, readonly opts: SessionOptions) {}

	get topics(): string[] {
		return [...this.#topics.keys()];
	}

	#send(frame: ServerFrame | string): void {
		if (this.#closed) return;
		if (this.socket.bufferedAmount() > this.opts.maxBufferedBytes) {
			this.opts.onDrop("slow-consumer");
			this.socket.close(WsClose.SLOW_CONSUMER, "slow consumer: send queue full");
			this.close();
			return;
		}
		this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
	}

	#error(code: WsErrorCode, message: string, topic?: string): void {
		this.#send(topic ? { type: "error", code, message, topic } : { type: "error", code, message });
	}

	/** Handle one text frame from the client. Bad input gets an error frame; the connection stays. */
	onMessage(text: string): void {
		let msg: unknown;
		try {
			msg = JSON.parse(text);
		} catch {
			return this.#error(WsErrorCode.BAD_JSON, "frame is not valid JSON");
		}
		if (!msg || typeof msg !== "object" || Array.isArray(msg)) return this.#error(WsErrorCode.BAD_REQUEST, "frame must be a JSON object with an 'op'");
		const { op, topics } = msg as { op?: unknown; topics?: unknown };
		if (op === "ping") return this.#send({ type: "pong", ts: Date.now() });
		if (op !== "subscribe" && op !== "unsubscribe") return this.#error(WsErrorCode.UNKNOWN_OP, `unknown op '${String(op)}' (expected subscribe, unsubscribe or ping)`);
		if (!Array.isArray(topics) || topics.length === 0) return this.#error(WsErrorCode.BAD_REQUEST, "'topics' must be a non-empty array of topic names");
		if (op === "unsubscribe") return this.unsubscribe(topics.map(String));
		this.subscribe(topics);
	}

	subscribe(names: unknown[]): void {
		const parsed: Topic[] = [];
		const seen = new Set<string>();
		for (const n of names) {
			const t = parseTopic(n);
			if (!t) return this.#error(WsErrorCode.BAD_TOPIC, `bad topic '${String(n)}' (expected ${TOPIC_FORMS})`, String(n));
			if (this.#topics.has(t.name) || seen.has(t.name)) continue;
			seen.add(t.name);
			parsed.push(t);
			// Stop at the cap: one frame can list thousands of names.
			if (this.#topics.size + parsed.length > this.opts.maxTopics) {
				return this.#error(WsErrorCode.TOO_MANY_TOPICS, `at most ${this.opts.maxTopics} topics per connection`);
			}
		}
		for (const t of parsed) {
			this.#topics.set(t.name, { pending: [], after: 0, overflowed: false });
			this.hub.add(t, this);
		}
		this.#send({ type: "subscribed", topics: parsed.map(t => t.name) });
		for (const t of parsed) void this.#sendSnapshot(t);
	}

	async #sendSnapshot(t: Topic): Promise<void> {
		// The state this snapshot is for: after an unsubscribe and a new subscribe, the topic has a
		// new state and its own snapshot request, and this answer (read before the new bus
		// subscription was in force) must not be used for it.
		const mine = this.#topics.get(t.name);
		let snap: { seq: number; data: unknown } | null = null;
		// Updates that overflow the held buffer while the snapshot is fetched are gone: fetch a newer
		// snapshot, which covers them, rather than leave a gap (a few times, for a very busy topic).
		for (let attempt = 0; attempt < MAX_SNAPSHOT_ATTEMPTS; attempt++) {
			if (mine) mine.overflowed = false;
			try {
				// The bus subscription must be in force before the snapshot is read, or an update
				// published in between would be neither in the snapshot nor delivered.
				await this.hub.ready();
				snap = await this.opts.snapshot(t);
			} catch (err) {
				if (this.#topics.get(t.name) === mine) this.#error(WsErrorCode.SNAPSHOT_FAILED, `current value unavailable: ${(err as Error).message}`, t.name);
			}
			if (!mine?.overflowed) break;
		}
		const st = this.#topics.get(t.name);
		if (!st || st !== mine || !st.pending) return; // unsubscribed (and maybe subscribed again) meanwhile
		if (st.overflowed) this.#error(WsErrorCode.SNAPSHOT_FAILED, "updates came faster than the snapshot could be taken; some were skipped", t.name);
		st.after = snap?.seq ?? 0;
		if (snap) this.#send({ type: "snapshot", topic: t.name, seq: snap.seq, data: snap.data });
		const pending = st.pending;
		st.pending = null;
		for (const p of pending) this.deliver(t.name, p.seq, p.frame);
	}

	deliver(topic: string, seq: number, frame: string): void {
		const st = this.#topics.get(topic);
		if (!st) return;
		if (st.pending) {
			if (st.pending.length >= this.opts.maxPendingPerTopic) {
				// Held frames older than the next snapshot are not needed; drop them all and ask for it.
				st.pending.length = 0;
				st.overflowed = true;
				this.opts.onDrop("pending-overflow");
			}
			st.pending.push({ seq, frame });
			return;
		}
		if (seq > st.after) this.#send(frame);
	}

	unsubscribe(names: string[]): void {
		const gone = names.filter(n => this.#topics.delete(n));
		for (const n of gone) this.hub.remove(n, this);
		this.#send({ type: "unsubscribed", topics: gone });
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const n of this.#topics.keys()) this.hub.remove(n, this);
		this.#topics.clear();
	}
}
