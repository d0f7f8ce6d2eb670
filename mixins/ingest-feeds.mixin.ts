/**
 * Ingest's feeds as always-on keyed actors (mixins/keyed-actor.mixin.ts, key `feed`): each
 * instrument a running data worker polls (`{data_type}:{SYM}`) and each push vendor in
 * market_data's chain (`push:{vendor}`, while market_data runs, is enabled and has symbols) has
 * one live owner across the ingest nodes: its rendezvous owner, under the fenced lease
 * `ingest:lease:{feed}` (lib/ingest/feed-lease.ts). A worker polls an instrument only while this
 * node holds its lease; a push vendor streams only on its lease holder. When the ingest nodes
 * change only the feeds that move are handed off; a killed node's feeds are taken over once their
 * leases lapse. REPL `actors ingest` lists them. While the KV is unreachable the leases held stay
 * (renewals keep trying) and the feeds as last read keep running.
 */
import type { ServiceSchema } from "moleculer";
import type { NodeDeps } from "../runtime/deps.ts";
import { DATA_TYPES, PushVendor, type DataType, type PushState, type VendorAdapter } from "../lib/vendors/index.ts";
import type { DataWorker } from "../lib/workers/data-worker.ts";
import type { IngestConfigRepo } from "../lib/workers/ingest-config.ts";
import { UnavailableError } from "../lib/protocol/errors.ts";
import { FeedLease, polledFeed, pushFeed } from "../lib/ingest/feed-lease.ts";
import type { VendorMessagesMethods, VendorMessagesVars } from "./vendor-messages.mixin.ts";
import { keyedActorMixin, type KeyedActorService } from "./keyed-actor.mixin.ts";

export interface PushRun {
	vendor: PushVendor;
	state: PushState;
	leased: boolean;
	/** The wait for room in the buffer a waiting producer is in, shared. */
	room: Promise<void> | null;
}

export interface IngestFeedsVars {
	vendors: Map<string, VendorAdapter>;
	workers: Map<DataType, DataWorker>;
	repo: IngestConfigRepo;
	pushes: Map<string, PushRun>;
}
export interface IngestFeedsMethods {
	/** Whether this node polls (data type, symbol) now: it holds the instrument's lease. */
	polls(dataType: DataType, symbol: string): Promise<boolean>;
	/** Lease the feeds this node owns now (after the workers started or stopped); keyed-actor.mixin.ts. */
	activateOwned(): Promise<number>;
}
type Service = KeyedActorService<FeedLease> & IngestFeedsVars & IngestFeedsMethods & VendorMessagesVars & VendorMessagesMethods;

const running = (svc: Service, dt: DataType) => svc.workers.get(dt)?.status().status === "running";

export function ingestFeedsMixin(deps: NodeDeps): Partial<ServiceSchema> {
	const w = deps.config.workers;
	// As the workers' leases were: two intervals of the fastest data type (at most 5 s) plus 5 s.
	const leaseMs = 2 * Math.min(5000, ...DATA_TYPES.map(dt => w.intervals[dt] * 1000)) + 5000;
	const keyed = keyedActorMixin<FeedLease>({
		key: "feed",
		keyRule: { type: "string", pattern: /^[A-Za-z0-9_.:/^=-]{1,80}$/ }, // {data_type}:{SYM} (SYMBOL_PATTERN allows / too) or push:{vendor}
		noun: "ingest feed",
		limits: { leaseMs, passivateAfterMs: Infinity, maxActivations: 16, activationQueue: 100_000 },
		now: deps.now,
		alwaysOn: {
			async keys(this: KeyedActorService<FeedLease>) {
				const svc = this as Service;
				const feeds: Record<string, null> = {};
				for (const dt of DATA_TYPES) if (running(svc, dt)) for (const s of await svc.repo.symbolsFor(dt)) feeds[polledFeed(dt, s)] = null;
				const cadence = await svc.repo.cadence("market_data");
				if (running(svc, "market_data") && cadence.enabled && (await svc.repo.symbolsFor("market_data")).length > 0) for (const name of cadence.vendors) if (svc.vendors.get(name) instanceof PushVendor) feeds[pushFeed(name)] = null;
				return feeds;
			},
			everyMs: 500,
		},
		activate(feed) {
			const svc = this as Service;
			const leasing = { leases: deps.kv.leases, holder: svc.broker.nodeID, ttlMs: leaseMs, waitMs: 0, now: deps.now, held: (k: string, holder: string) => new UnavailableError(`${k} is held by ${holder}`, { holder }) };
			const run = feed.startsWith("push:") ? svc.pushes.get(feed.slice(5)) : undefined;
			if (!run)
				return FeedLease.take(
					feed,
					leasing,
					() => {},
					async () => {},
				);
			return FeedLease.take(
				feed,
				leasing,
				() => {
					run.leased = true;
					void svc.repo.symbolsFor("market_data").then(symbols => run.leased && startPush(svc, run, symbols, w.bufferLimit));
				},
				async () => {
					run.leased = false;
					await run.vendor.stop();
				},
			);
		},
		describe: a => ({ live: a.live }),
	});
	return {
		mixins: [keyed],

		methods: {
			async polls(this: Service, dataType: DataType, symbol: string): Promise<boolean> {
				const a = await this.keyed.actors.get(polledFeed(dataType, symbol))?.catch(() => null);
				return a?.live ?? false;
			},
		},
	} as unknown as Partial<ServiceSchema>;
}

/** A run per push vendor (none streaming yet). */
export function pushRuns(vendors: ReadonlyMap<string, VendorAdapter>): Map<string, PushRun> {
	return new Map([...vendors].filter((e): e is [string, PushVendor] => e[1] instanceof PushVendor).map(([name, vendor]) => [name, { vendor, state: { state: "idle" }, leased: false, room: null }]));
}

function startPush(svc: Service, run: PushRun, symbols: string[], bufferLimit: number): void {
	run.vendor.start(symbols, {
		items: items => {
			svc.emitItems(items, { vendor: run.vendor.name, worker_id: null, retry_count: 0, fallback: false, handedOver: true });
			// A producer that can wait (replay) waits while the buffer is over half full. One shared
			// wait per stream (a live stream does not wait, so no waits pile up).
			if (svc.pipeline.stats.queued <= bufferLimit / 2) return;
			return (run.room ??= svc.pipeline.room(bufferLimit / 2, () => run.leased).finally(() => (run.room = null)));
		},
		state: st => (run.state = st),
		// A replay waits once the buffer is half full: a step of more than that half would be cut.
		maxItems: Math.max(1, Math.floor(bufferLimit / 2)),
	});
}
