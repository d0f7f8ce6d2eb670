/**
 * The streaming protocol for one connection, without the socket (WebSocket and SSE share it):
 * parses client frames, authenticates, keeps the subscriptions, sends the latest value first (or,
 * with `since`, the missed updates from the log) and then every update in seq order with no gap
 * and no duplicate, through a bounded send queue with the tier's slow-client policy.
 */
import { parseTopic, TOPIC_FORMS, type Topic } from "../protocol/wire.ts";
import { WsClose, WsErrorCode, type ServerFrame } from "../protocol/ws-codes.ts";
import { JsonRefusedError, parseJson, type JsonRefusal } from "../validation/json.ts";
import { SendQueue, type DropReason, type QueueLimits } from "./send-queue.ts";
import type { TopicHub, TopicListener } from "./topic-hub.ts";
import type { Hops } from "../metrics/stages.ts";

export interface SessionSocket {
	/** Write one frame; `written` is called once the transport took it. */
	send(text: string, written: () => void): void;
	/** Bytes handed to the transport and not yet written to the network. */
	bufferedAmount(): number;
	close(code: number, reason: string): void;
}

/** What a tier allows one connection. */
export interface SessionPolicy {
	tier: string;
	maxTopics: number;
	/** May subscribe to `ticks:*`-style topics. */
	wildcards: boolean;
	queue: QueueLimits;
}

/** A successful `auth`: who the client is and what it may do from now on. */
export interface SessionAuth {
	policy: SessionPolicy;
	sub: string | null;
	roles: string[];
}

export interface Snapshot {
	seq: number;
	data: unknown;
}

/** Log entries with seq ≥ fromSeq (oldest first, wire messages) and the log's last seq. */
export interface ReplayPage {
	entries: Array<{ seq: number; data: unknown }>;
	lastSeq: number;
}

export type SessionDropReason = DropReason | "pending-overflow";

export interface SessionOptions {
	policy: SessionPolicy;
	/** Until an `auth` op succeeds, only `auth` and `ping` are accepted. */
	authRequired: boolean;
	/** Bytes the socket may hold before frames wait in the connection's own queue. */
	socketHighWater: number;
	/** Updates held per topic while its snapshot or replay is read; beyond that they are dropped. */
	maxPendingPerTopic: number;
	/** Resuming further back than this many updates gets `reset` + snapshot instead of a replay. */
	maxReplay: number;
	/** Entries read per log request while replaying. */
	replayPageSize?: number;
	/** The topic's current value and the seq it reflects; live updates with a higher seq follow it. */
	snapshot(topic: Topic): Promise<Snapshot | null>;
	/** The topic's log from `fromSeq`, or null when the topic kind keeps none (only ticks do). */
	replay(topic: Topic, fromSeq: number, limit: number): Promise<ReplayPage | null>;
	/** Check a token (JWT or API key); throws with a message saying why it is refused. */
	authenticate(token: string): Promise<SessionAuth>;
	onAuthenticated?(auth: SessionAuth): void;
	onDrop(reason: SessionDropReason, n: number): void;
	/** A frame refused at parse (too deep, a prototype-poisoning key). */
	onJsonRefused?(reason: JsonRefusal): void;
	/** Subscribed on connect (predecessor paths, SSE), or right after `auth` when that is required. */
	initialTopics?: string[];
	/** `since` for the initial topics (SSE `Last-Event-ID`). */
	initialSince?: Record<string, number>;
	/** The subject a per-caller topic (`alerts:…`) is read from for this client; without it such topics are refused. */
	resolveTopic?(topic: Topic): Topic;
	now?: () => number;
}

interface TopicState {
	/** Frames that arrived before the snapshot/replay was sent; null once live. */
	pending: Array<{ seq: number | null; frame: string; key: string; hops?: Hops }> | null;
	/**
	 * The seq already covered (by the snapshot or the replay): frames at or below it are dropped.
	 * They can still arrive after it (in a cluster the reads and the updates travel on different
	 * connections).
	 */
	after: number;
	/** Held frames were dropped since the last snapshot/log read. */
	overflowed: boolean;
	/** The bus subject it is read from (the hub's key). */
	subject: string;
}

const MAX_SNAPSHOT_ATTEMPTS = 3;

/**
 * A client value for an error message, without calling anything on it: String() of a client's
 * object runs its `toString` (which may not be a function) and recurses through nested arrays.
 */
function describe(v: unknown): string {
	if (typeof v === "string") return `'${v.slice(0, 200)}'`;
	if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
	return Array.isArray(v) ? "(an array)" : `(${typeof v === "object" ? "an object" : typeof v})`;
}
const MAX_SINCE = Number.MAX_SAFE_INTEGER;

export class ClientSession implements TopicListener {
	#topics = new Map<string, TopicState>();
	#closed = false;
	#policy: SessionPolicy;
	#authed: boolean;
	readonly queue: SendQueue;

	constructor(
		readonly socket: SessionSocket,
		readonly hub: TopicHub,
		readonly opts: SessionOptions,
	) {
		this.#policy = opts.policy;
		this.#authed = !opts.authRequired;
		this.queue = new SendQueue(
			socket,
			opts.policy.queue,
			opts.socketHighWater,
			(r, n) => opts.onDrop(r, n),
			reason => {
				this.socket.close(WsClose.SLOW_CONSUMER, reason);
				this.close();
			},
		);
		if (this.#authed) this.#subscribeInitial();
	}

	#subscribeInitial(): void {
		const topics = this.opts.initialTopics;
		if (!topics?.length) return;
		const since: Record<string, number> = {};
		for (const [t, s] of Object.entries(this.opts.initialSince ?? {})) if (topics.includes(t)) since[t] = s;
		this.subscribe(topics, since);
	}

	get topics(): string[] {
		return [...this.#topics.keys()];
	}

	get policy(): SessionPolicy {
		return this.#policy;
	}

	get authenticated(): boolean {
		return this.#authed;
	}

	#send(frame: ServerFrame | string, key?: string, hops?: Hops): void {
		if (this.#closed) return;
		this.queue.push(typeof frame === "string" ? frame : JSON.stringify(frame), key, hops);
	}

	#error(code: WsErrorCode, message: string, topic?: string): void {
		this.#send(topic ? { type: "error", code, message, topic } : { type: "error", code, message });
	}

	/** Handle one text frame from the client. Bad input gets an error frame; the connection stays. */
	onMessage(text: string): void {
		let msg: unknown;
		try {
			msg = parseJson(text);
		} catch (err) {
			if (!(err instanceof JsonRefusedError)) return this.#error(WsErrorCode.BAD_JSON, "frame is not valid JSON");
			this.opts.onJsonRefused?.(err.reason);
			return this.#error(WsErrorCode.BAD_JSON, `frame refused: ${err.message}`);
		}
		if (!msg || typeof msg !== "object" || Array.isArray(msg)) return this.#error(WsErrorCode.BAD_REQUEST, "frame must be a JSON object with an 'op'");
		const { op, topics, since, token } = msg as { op?: unknown; topics?: unknown; since?: unknown; token?: unknown };
		if (op === "ping") return this.#send({ type: "pong", ts: (this.opts.now ?? Date.now)() });
		if (op === "auth") {
			if (typeof token !== "string" || token.length === 0 || token.length > 8192) return this.#error(WsErrorCode.BAD_REQUEST, "'token' must be a non-empty string (a JWT or an API key)");
			return void this.#auth(token);
		}
		if (op !== "subscribe" && op !== "unsubscribe") return this.#error(WsErrorCode.UNKNOWN_OP, `unknown op ${describe(op)} (expected auth, subscribe, unsubscribe or ping)`);
		if (!this.#authed) return this.#error(WsErrorCode.UNAUTHORIZED, 'authenticate first: {"op":"auth","token":"…"}');
		if (!Array.isArray(topics) || topics.length === 0) return this.#error(WsErrorCode.BAD_REQUEST, "'topics' must be a non-empty array of topic names");
		if (op === "unsubscribe") {
			if (!topics.every(t => typeof t === "string")) return this.#error(WsErrorCode.BAD_REQUEST, "'topics' must be an array of topic names (strings)");
			return this.unsubscribe(topics as string[]);
		}
		if (since !== undefined && (!since || typeof since !== "object" || Array.isArray(since))) return this.#error(WsErrorCode.BAD_REQUEST, "'since' must be an object {topic: seq}");
		const sinceMap = (since ?? {}) as Record<string, unknown>;
		for (const [name, seq] of Object.entries(sinceMap)) {
			if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || seq > MAX_SINCE) return this.#error(WsErrorCode.BAD_REQUEST, `since['${name.slice(0, 200)}'] must be a non-negative integer seq`, name.slice(0, 200));
			if (!topics.includes(name)) return this.#error(WsErrorCode.BAD_REQUEST, `since names '${name.slice(0, 200)}', which is not in 'topics'`, name.slice(0, 200));
		}
		this.subscribe(topics, sinceMap as Record<string, number>);
	}

	async #auth(token: string): Promise<void> {
		let auth: SessionAuth;
		try {
			auth = await this.opts.authenticate(token);
		} catch (err) {
			return this.#error(WsErrorCode.UNAUTHORIZED, (err as Error).message);
		}
		if (this.#closed) return;
		const first = !this.#authed;
		this.#authed = true;
		this.#policy = auth.policy;
		this.queue.limits = auth.policy.queue;
		this.opts.onAuthenticated?.(auth);
		this.#send({ type: "authenticated", tier: auth.policy.tier, sub: auth.sub, roles: auth.roles });
		if (first) this.#subscribeInitial();
	}

	subscribe(names: unknown[], since: Record<string, number> = {}): void {
		const parsed: Topic[] = [];
		const seen = new Set<string>();
		for (const n of names) {
			let t = parseTopic(n);
			if (!t) return this.#error(WsErrorCode.BAD_TOPIC, `bad topic ${describe(n)} (expected ${TOPIC_FORMS})`, typeof n === "string" ? n.slice(0, 200) : undefined);
			if (t.kind === "alerts") {
				// Read from the caller's own subject (lib/alerts/topics.ts); a session that cannot say whose it is serves none.
				if (!this.opts.resolveTopic) return this.#error(WsErrorCode.FORBIDDEN, "alert topics are not served here", t.name);
				t = this.opts.resolveTopic(t);
			}
			if (t.wildcard && !this.#policy.wildcards) return this.#error(WsErrorCode.FORBIDDEN, `the ${this.#policy.tier} tier may not subscribe to wildcard topics`, t.name);
			if (t.wildcard && since[t.name] !== undefined) return this.#error(WsErrorCode.BAD_REQUEST, "'since' is not supported on wildcard topics", t.name);
			if (this.#topics.has(t.name) || seen.has(t.name)) continue;
			seen.add(t.name);
			parsed.push(t);
			// Stop at the cap: one frame can list thousands of names.
			if (this.#topics.size + parsed.length > this.#policy.maxTopics) {
				return this.#error(WsErrorCode.TOO_MANY_TOPICS, `at most ${this.#policy.maxTopics} topics per connection on the ${this.#policy.tier} tier`);
			}
		}
		for (const t of parsed) {
			this.#topics.set(t.name, { pending: t.wildcard ? null : [], after: -1, overflowed: false, subject: t.subject });
			this.hub.add(t, this);
		}
		this.#send({ type: "subscribed", topics: parsed.map(t => t.name) });
		for (const t of parsed) {
			if (t.wildcard) continue; // no single current value: live updates only
			if (since[t.name] !== undefined) void this.#resume(t, since[t.name]);
			else void this.#sendSnapshot(t);
		}
	}

	/** The state `t` had when a read began, if it is still the current one (not unsubscribed meanwhile). */
	#current(name: string, mine: TopicState | undefined): TopicState | null {
		const st = this.#topics.get(name);
		return st && st === mine && st.pending ? st : null;
	}

	async #sendSnapshot(t: Topic, reset?: { since: number; reason: string }): Promise<void> {
		// The state this snapshot is for: after an unsubscribe and a new subscribe, the topic has a
		// new state and its own snapshot request, and this answer (read before the new bus
		// subscription was in force) must not be used for it.
		const mine = this.#topics.get(t.name);
		let snap: Snapshot | null = null;
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
		const st = this.#current(t.name, mine);
		if (!st) return;
		if (st.overflowed) this.#error(WsErrorCode.SNAPSHOT_FAILED, "updates came faster than the snapshot could be taken; some were skipped", t.name);
		if (reset) {
			// Derived topics keep no log: a client that is up to date needs nothing; one that is behind
			// (or ahead: the server's history was replaced) starts again from the snapshot.
			if ((snap?.seq ?? 0) === reset.since) return this.#goLive(t.name, st, reset.since);
			this.#send({ type: "reset", topic: t.name, seq: snap?.seq ?? 0, reason: reset.reason });
		}
		if (snap) this.#send({ type: "snapshot", topic: t.name, seq: snap.seq, data: snap.data });
		this.#goLive(t.name, st, snap?.seq ?? 0);
	}

	/**
	 * Send the updates after `since` from the symbol's log, then live ones, with no gap and no
	 * duplicate: live updates are held from before the first read; the log is read until it has
	 * caught up with them (again if the held ones overflowed meanwhile); held ones already replayed
	 * are dropped by seq. History that is gone, or too far back, gets `reset` + the snapshot.
	 */
	async #resume(t: Topic, since: number): Promise<void> {
		const mine = this.#topics.get(t.name);
		const pageSize = this.opts.replayPageSize ?? 1000;
		let after = since;
		let replayed = 0;
		try {
			await this.hub.ready();
			for (;;) {
				if (mine) mine.overflowed = false;
				const page = await this.opts.replay(t, after + 1, pageSize);
				const st = this.#current(t.name, mine);
				if (!st) return;
				if (!page) return void this.#sendSnapshot(t, { since, reason: `${t.kind} topics keep no log: starting from the current value` });
				if (replayed === 0) {
					const first = page.entries[0]?.seq;
					if (page.lastSeq < since) return void this.#sendSnapshot(t, { since, reason: `seq ${since} is ahead of the log (last seq ${page.lastSeq})` });
					if (first !== undefined && first > since + 1) return void this.#sendSnapshot(t, { since, reason: `updates after seq ${since} are no longer in the log (it starts at ${first})` });
					if (page.lastSeq - since > this.opts.maxReplay) return void this.#sendSnapshot(t, { since, reason: `${page.lastSeq - since} missed updates is more than the ${this.opts.maxReplay} replayed` });
				}
				for (const e of page.entries) {
					if (e.seq <= after) continue;
					this.#send(JSON.stringify({ type: "update", topic: t.name, seq: e.seq, data: e.data }), t.name);
					after = e.seq;
					replayed++;
				}
				// Caught up when the page was the log's end and nothing held was dropped meanwhile.
				if (page.entries.length < pageSize && !st.overflowed) return this.#goLive(t.name, st, after);
				if (replayed > this.opts.maxReplay + this.opts.maxPendingPerTopic) {
					// The symbol outruns the replay: the client gets the current value instead.
					return void this.#sendSnapshot(t, { since: after, reason: "updates arrive faster than they can be replayed" });
				}
			}
		} catch (err) {
			if (!this.#current(t.name, mine)) return;
			this.#error(WsErrorCode.RESUME_FAILED, `missed updates unavailable: ${(err as Error).message}`, t.name);
			void this.#sendSnapshot(t, { since: after, reason: "the log could not be read" });
		}
	}

	#goLive(name: string, st: TopicState, after: number): void {
		st.after = after;
		const pending = st.pending ?? [];
		st.pending = null;
		for (const p of pending) this.deliver(name, p.seq, p.frame, p.key, p.hops);
	}

	deliver(topic: string, seq: number | null, frame: string, key: string, hops?: Hops): void {
		const st = this.#topics.get(topic);
		if (!st) return;
		if (st.pending) {
			if (st.pending.length >= this.opts.maxPendingPerTopic) {
				// Held frames older than the next snapshot (or in the log) are not needed; drop them all.
				this.opts.onDrop("pending-overflow", st.pending.length);
				st.pending.length = 0;
				st.overflowed = true;
			}
			st.pending.push({ seq, frame, key, hops });
			return;
		}
		if (seq === null || seq > st.after) this.#send(frame, key, hops);
	}

	unsubscribe(names: string[]): void {
		const gone = names.filter(n => {
			const st = this.#topics.get(n);
			if (st) this.hub.remove(st.subject, this);
			return this.#topics.delete(n);
		});
		this.#send({ type: "unsubscribed", topics: gone });
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.queue.close();
		for (const st of this.#topics.values()) this.hub.remove(st.subject, this);
		this.#topics.clear();
	}
}
