/**
 * Intelligence streams owned by lease (docs/agents.md, "Intelligence streams"): definitions in the
 * KV hash `intel:streams`; the node holding `intel:stream:{id}:owner` (a fenced lease,
 * lib/keyed/lease.ts: `kv.leases`) runs the stream, renewing the lease on every sweep; a sweep also drops streams lost or deleted and takes over those whose
 * lease lapsed. A stream's `seq` is written to `intel:stream:{id}:seq` before each update is
 * published, and a node taking a stream over continues from it, so seq never repeats across
 * owners (at most the one update written but not published by a killed owner is missing).
 *
 * What an update contains (`analyze`) and where it goes (`publish`) are the caller's; this class
 * knows the KV and timers only.
 */
import { BusyError } from "../protocol/errors.ts";
import { WIRE_VERSION } from "../protocol/wire.ts";
import type { KvStore } from "../kv/index.ts";
import { HeldLease, type HeldLeaseOptions } from "../keyed/lease.ts";
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

interface OwnedStream {
	def: StreamDefinition;
	timer: NodeJS.Timeout;
	/** The tick in progress; a tick due meanwhile is skipped, not queued. */
	running: Promise<void> | null;
	/** Last seq published (or written) here; null until read from the KV. */
	seq: number | null;
	/** The stream's lease; its epoch grows with every owner. */
	lease: HeldLease;
}

/** The lease is someone else's: not an error, the stream runs there. */
class HeldElsewhere extends Error {}

export class StreamRunner {
	readonly #owned = new Map<string, OwnedStream>();
	readonly #leasing: HeldLeaseOptions;

	constructor(private readonly opts: StreamRunnerOptions) {
		this.#leasing = { leases: opts.kv.leases, holder: opts.nodeID, ttlMs: opts.leaseMs, waitMs: 0, now: opts.now, held: () => new HeldElsewhere() };
	}

	/** The stream's lease when it is free (or this node's); null while another node holds it. */
	#take(id: string): Promise<HeldLease | null> {
		return HeldLease.take(streamLeaseKey(id), this.#leasing).catch(err => {
			if (err instanceof HeldElsewhere) return null;
			throw err;
		});
	}

	get ownedCount(): number {
		return this.#owned.size;
	}

	owns(id: string): boolean {
		return this.#owned.has(id);
	}

	/** Store a new stream and run it here when its lease is free (it is: the id is new). */
	async create(def: StreamDefinition): Promise<void> {
		const { kv, maxStreams } = this.opts;
		if (Object.keys(await kv.hgetall(STREAMS_KEY)).length >= maxStreams) throw new BusyError(`too many intelligence streams (limit ${maxStreams}); stop one first`);
		await kv.hset(STREAMS_KEY, def.id, def);
		const lease = await this.#take(def.id);
		if (lease) this.#run(def, lease);
	}

	/** Delete a stream's definition and seq; false when it did not exist. Other nodes drop it on their sweep (or the caller's broadcast). */
	async remove(id: string): Promise<boolean> {
		const existed = await this.opts.kv.hdel(STREAMS_KEY, id);
		if (!existed) return false;
		this.drop(id);
		await this.opts.kv.del(streamSeqKey(id));
		await this.opts.kv.del(streamLatestKey(id));
		return true;
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

	/** Renew the streams run here, drop the ones lost or deleted, take over those nobody holds. */
	async sweep(): Promise<void> {
		const { kv, nodeID } = this.opts;
		const defs = await kv.hgetall<StreamDefinition>(STREAMS_KEY);
		for (const [id, s] of [...this.#owned]) {
			if (!defs[id] || !(await s.lease.renew())) this.drop(id);
		}
		for (const def of Object.values(defs)) {
			if (this.#owned.has(def.id)) continue;
			const lease = await this.#take(def.id);
			if (lease) {
				this.opts.log.info(`intelligence stream ${def.id} taken over by ${nodeID} (epoch ${lease.epoch})`);
				this.#run(def, lease);
			}
		}
	}

	/** Stop running a stream here and free its lease. */
	drop(id: string): void {
		const s = this.#owned.get(id);
		if (!s) return;
		clearInterval(s.timer);
		this.#owned.delete(id);
		void s.lease.release().catch(() => {});
	}

	/** One analysis and update of a stream run here (what its timer calls); skipped while one is running. */
	tick(id: string): Promise<void> {
		const s = this.#owned.get(id);
		if (!s) return Promise.resolve();
		if (s.running) return s.running; // a slow analysis skips a tick rather than piling up
		s.running = this.#tick(s).finally(() => (s.running = null));
		return s.running;
	}

	/** Wait for the ticks in progress. */
	async settled(): Promise<void> {
		await Promise.all([...this.#owned.values()].map(s => s.running));
	}

	close(): void {
		for (const id of [...this.#owned.keys()]) this.drop(id);
	}

	#run(def: StreamDefinition, lease: HeldLease): void {
		const s: OwnedStream = { def, lease, running: null, seq: null, timer: setInterval(() => void this.tick(def.id), def.interval_ms) };
		this.#owned.set(def.id, s);
		void this.tick(def.id);
	}

	async #tick(s: OwnedStream): Promise<void> {
		const { kv, nodeID, now, log } = this.opts;
		const id = s.def.id;
		try {
			const data = await this.opts.analyze(s.def);
			if (this.#owned.get(id) !== s) return; // dropped meanwhile
			// Continue the previous owner's count; written before publishing, so a seq is never published twice.
			s.seq ??= (await kv.get<number>(streamSeqKey(id))) ?? 0;
			const seq = s.seq + 1;
			await kv.set(streamSeqKey(id), seq, Math.max(SEQ_TTL_MS, 10 * s.def.interval_ms)).catch(err => log.warn(`intelligence stream ${id}: seq ${seq} not stored (${errorReason(err)}); counting on in memory`));
			if (this.#owned.get(id) !== s) return;
			s.seq = seq;
			const update: IntelligenceUpdate = { v: WIRE_VERSION, type: "intelligence_update", stream_id: id, seq, ts: now(), node: nodeID, data };
			// Stored before it is published: a subscriber whose snapshot read misses it is already
			// subscribed when it is published (one that gets both drops the repeat by seq).
			await kv.set(streamLatestKey(id), update, Math.max(SEQ_TTL_MS, 10 * s.def.interval_ms)).catch(err => log.warn(`intelligence stream ${id}: latest update not stored (${errorReason(err)})`));
			if (this.#owned.get(id) !== s) return;
			this.opts.publish(update);
		} catch (err) {
			log.warn(`intelligence stream ${id}: ${errorReason(err)}`);
		}
	}
}
