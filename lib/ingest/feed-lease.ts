/**
 * Ingest's feeds as keyed actors (mixins/ingest-feeds.mixin.ts): a feed is one instrument a data
 * worker polls (`market_data:AAPL`) or one push vendor's stream (`push:{vendor}`). Its actor is
 * the fenced lease `ingest:lease:{feed}` in the KV (lib/keyed/lease.ts): while it holds the lease
 * this node polls the instrument or runs the stream, and nobody else does. Nothing to snapshot:
 * polled items are written as they come. Pure: the KV leases and the start/stop hooks are passed in.
 */
import { HeldLease, type HeldLeaseOptions } from "../keyed/lease.ts";
import type { KeyedActor } from "../keyed/actor-host.ts";

export const feedLeaseKey = (feed: string) => `ingest:lease:${feed}`;
export const pushFeed = (vendor: string) => `push:${vendor}`;
export const polledFeed = (dataType: string, symbol: string) => `${dataType}:${symbol}`;

const IDLE = Promise.resolve();

export class FeedLease implements KeyedActor {
	lastActivity: number;
	readonly mailbox = { pending: 0, idle: () => IDLE };

	private constructor(
		readonly feed: string,
		readonly lease: HeldLease,
		private readonly stop: () => Promise<void>,
		now: () => number,
	) {
		this.lastActivity = now();
	}

	/** Take the feed's lease (free, or lapsed: a killed owner's), then `start` what it runs here; `stop` undoes it. */
	static async take(feed: string, leasing: HeldLeaseOptions, start: () => void, stop: () => Promise<void>): Promise<FeedLease> {
		const lease = await HeldLease.take(feedLeaseKey(feed), leasing);
		start();
		return new FeedLease(feed, lease, stop, leasing.now);
	}

	/** Whether this node holds the lease now (a data worker polls only then). */
	get live(): boolean {
		return this.lease.token !== null;
	}

	get epoch(): number | null {
		return this.lease.epoch;
	}

	/** Extend the lease; when another node took it, stop here. */
	async renew(): Promise<boolean> {
		const ok = await this.lease.renew();
		if (!ok) await this.stop();
		return ok;
	}

	async snapshot(): Promise<void> {}

	/** Stop, then free the lease for the next owner (handoff). */
	async release(): Promise<void> {
		await this.stop();
		await this.lease.release();
	}
}
