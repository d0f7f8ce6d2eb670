/**
 * Intelligence streams (docs/agents.md, "Intelligence streams"): definitions in the KV hash
 * `intel:streams`; each stream is an always-on keyed actor (mixins/keyed-actor.mixin.ts, key = the
 * stream id) run by its rendezvous owner under the fenced lease `intel:stream:{id}:owner`
 * (lib/keyed/lease.ts: `kv.leases`). A stream's `seq` is written to `intel:stream:{id}:seq` before
 * each update is published, and a node taking a stream over continues from it, so seq never
 * repeats across owners (at most the one update written but not published by a killed owner is
 * missing).
 *
 * What an update contains (`analyze`) and where it goes (`publish`) are the caller's; this module
 * knows the KV and timers only: `StreamRunner` the definitions and activation, `StreamActor` one
 * running stream.
 */
import { BusyError, UnavailableError } from "../protocol/errors.ts";
import { WIRE_VERSION } from "../protocol/wire.ts";
import type { KvStore } from "../kv/index.ts";
import { HeldLease, type HeldLeaseOptions } from "../keyed/lease.ts";
import type { KeyedActor } from "../keyed/actor-host.ts";
import type { UnifiedOptions } from "./unified-request.ts";
import { errorReason } from "./symbol-analysis.ts";

export interface StreamDefinition {
	id: string;
	symbols: string[];
	interval_ms: number;
	options: Partial<UnifiedOptions>;
	created_at: string;
	/** Who started it (lib/auth/owner.ts); absent on streams stored before owners were recorded. */
	created_by?: string;
	/** The node it was started on: it runs there while that node is up (absent on older streams: rendezvous). */
	home?: string;
}

export interface IntelligenceUpdate {
	v: typeof WIRE_VERSION;
	type: "intelligence_update";
	stream_id: string;
	/** 1, 2, 3… per stream, continued by the node that takes it over. */
	seq: number;
	ts: number;
	node: string;
	data: unknown;
}

export interface StreamRunnerOptions {
	kv: KvStore;
	nodeID: string;
	leaseMs: number;
	maxStreams: number;
	now: () => number;
	/** One tick's analysis; a throw skips the tick (logged). */
	analyze(def: StreamDefinition): Promise<unknown>;
	publish(update: IntelligenceUpdate): void;
	log: { info(msg: string): void; warn(msg: string): void };
}

export const STREAMS_KEY = "intel:streams";
export const streamLeaseKey = (id: string) => `intel:stream:${id}:owner`;
export const streamSeqKey = (id: string) => `intel:stream:${id}:seq`;
/** The last update published, for subscribers' snapshot (`intel:{id}` topics). */
export const streamLatestKey = (id: string) => `intel:stream:${id}:latest`;
/** The stored seq outlives a stream nobody runs for this long (at least 10 intervals). */
const SEQ_TTL_MS = 86_400_000;

/** The mailbox of a stream: its tick in progress, if any (a tick due meanwhile is skipped, not queued). */
const NO_TICK = Promise.resolve();

/** One stream run on this node: its timer, its lease (the epoch grows with every owner), its seq. */
export class StreamActor implements KeyedActor {
	lastActivity: number;
	/** The tick in progress. */
	running: Promise<void> | null = null;
	/** Last seq published (or written) here; null until read from the KV. */
	seq: number | null = null;
	#timer: NodeJS.Timeout | null;
	/** Pending: the tick in progress. Ticks are not acknowledged work: passivation stops them (release) instead of waiting. */
	readonly mailbox: KeyedActor["mailbox"];

	constructor(
		readonly def: StreamDefinition,
		readonly lease: HeldLease,
		private readonly opts: StreamRunnerOptions,
	) {
		this.lastActivity = opts.now();
		const running = () => this.running;
		this.mailbox = {
			get pending() {
				return running() ? 1 : 0;
			},
			idle: () => NO_TICK,
		};
		this.#timer = setInterval(() => void this.tick(), def.interval_ms);
		void this.tick();
	}

	get epoch(): number | null {
		return this.lease.epoch;
	}

	/** Extend the lease; when it was lost (another node runs the stream now) stop ticking here. */
	async renew(): Promise<boolean> {
		const ok = await this.lease.renew();
		if (!ok) this.#stop();
		return ok;
	}

	/** Nothing to write: the seq is stored with every update. */
	async snapshot(): Promise<void> {}

	/** Stop ticking, let the tick in progress see it and stop, then free the lease for the next owner. */
	async release(): Promise<void> {
		this.#stop();
		await this.running;
		await this.lease.release();
	}

	/** One analysis and update (what the timer calls); skipped while one is running or once stopped. */
	tick(): Promise<void> {
		if (this.#timer === null) return NO_TICK;
		if (this.running) return this.running; // a slow analysis skips a tick rather than piling up
		this.running = this.#tick().finally(() => (this.running = null));
		return this.running;
	}

	#stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
	}

	async #tick(): Promise<void> {
		const { kv, nodeID, now, log } = this.opts;
		const { id } = this.def;
		const live = () => this.#timer !== null && this.lease.token !== null;
		const ttl = Math.max(SEQ_TTL_MS, 10 * this.def.interval_ms);
		try {
			const data = await this.opts.analyze(this.def);
			if (!live()) return; // stopped or lost meanwhile
			this.lastActivity = now();
			// Continue the previous owner's count; written before publishing, so a seq is never published twice.
			this.seq ??= (await kv.get<number>(streamSeqKey(id))) ?? 0;
			const seq = this.seq + 1;
			await kv.set(streamSeqKey(id), seq, ttl).catch(err => log.warn(`intelligence stream ${id}: seq ${seq} not stored (${errorReason(err)}); counting on in memory`));
			if (!live()) return;
			this.seq = seq;
			const update: IntelligenceUpdate = { v: WIRE_VERSION, type: "intelligence_update", stream_id: id, seq, ts: now(), node: nodeID, data };
			// Stored before it is published: a subscriber whose snapshot read misses it is already
			// subscribed when it is published (one that gets both drops the repeat by seq).
			await kv.set(streamLatestKey(id), update, ttl).catch(err => log.warn(`intelligence stream ${id}: latest update not stored (${errorReason(err)})`));
			if (!live()) return;
			this.opts.publish(update);
		} catch (err) {
			log.warn(`intelligence stream ${id}: ${errorReason(err)}`);
		}
	}
}

/** The streams' definitions in the KV, and the activation of one on this node. */
export class StreamRunner {
	readonly #leasing: HeldLeaseOptions;

	constructor(private readonly opts: StreamRunnerOptions) {
		this.#leasing = { leases: opts.kv.leases, holder: opts.nodeID, ttlMs: opts.leaseMs, waitMs: 0, now: opts.now, held: (id, holder) => new UnavailableError(`intelligence stream ${id} runs on ${holder}`, { holder }) };
	}

	/** Store a new stream (its owner runs it: activate). */
	async create(def: StreamDefinition): Promise<void> {
		const { kv, maxStreams } = this.opts;
		if ((await this.ids()).length >= maxStreams) throw new BusyError(`too many intelligence streams (limit ${maxStreams}); stop one first`);
		await kv.hset(STREAMS_KEY, def.id, def);
	}

	/** Take the stream's lease (free, or lapsed: a killed owner's) and run it here. */
	async activate(id: string): Promise<StreamActor> {
		const def = await this.get(id);
		if (!def) throw new UnavailableError(`no intelligence stream ${id}`);
		const lease = await HeldLease.take(streamLeaseKey(id), this.#leasing);
		this.opts.log.info(`intelligence stream ${id} runs on ${this.opts.nodeID} (epoch ${lease.epoch})`);
		return new StreamActor(def, lease, this.opts);
	}

	/** Delete a stream's definition, seq and last update; false when it did not exist. Its owner stops it (`removed`). */
	async remove(id: string): Promise<boolean> {
		const existed = await this.opts.kv.hdel(STREAMS_KEY, id);
		if (!existed) return false;
		await this.opts.kv.del(streamSeqKey(id));
		await this.opts.kv.del(streamLatestKey(id));
		return true;
	}

	/** The ids of every stream. */
	async ids(): Promise<string[]> {
		return Object.keys(await this.opts.kv.hgetall(STREAMS_KEY));
	}

	/** Every stream's id and home node (the always-on keys). */
	async homes(): Promise<Record<string, string | null>> {
		const defs = await this.opts.kv.hgetall<StreamDefinition>(STREAMS_KEY);
		return Object.fromEntries(Object.values(defs).map(d => [d.id, d.home ?? null]));
	}

	/** A stream's definition, or null. */
	get(id: string): Promise<StreamDefinition | null> {
		return this.opts.kv.hget<StreamDefinition>(STREAMS_KEY, id);
	}

	/** The stream's last published update (whichever node published it), or null. */
	latest(id: string): Promise<IntelligenceUpdate | null> {
		return this.opts.kv.get<IntelligenceUpdate>(streamLatestKey(id));
	}

	async list(): Promise<Array<StreamDefinition & { owner: string | null }>> {
		const defs = await this.opts.kv.hgetall<StreamDefinition>(STREAMS_KEY);
		return Promise.all(Object.values(defs).map(async d => ({ ...d, owner: await this.opts.kv.leaseHolder(streamLeaseKey(d.id)) })));
	}
}
