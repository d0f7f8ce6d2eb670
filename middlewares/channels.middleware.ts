/**
 * Reliable messages between services (@moleculer/channels, pinned at 0.1.8: this file is the only
 * one that knows its internals). Cluster mode: Redis Streams (consumer groups, ack, a crashed
 * consumer's messages claimed by another after `claimIdleMs`, a message whose handler keeps
 * throwing moved to a dead-letter stream). Embedded mode: an in-process bounded queue
 * (middlewares/memory-channel-adapter.ts; nothing survives the process; docs/alerts.md, "Delivery").
 *
 * 0.1.8 subscribes and connects in the middleware's `started` hook, which Moleculer runs after
 * every service's `started()`: a service that sends from `started()` gets "Adapter not yet
 * connected". Here the same hook runs as `starting` (before services start), which
 * test/integration/alert-delivery-channels.spec.ts checks against the unchanged middleware.
 */
import { createRequire } from "node:module";
import { Errors, type Middleware, type ServiceBroker } from "moleculer";
import type { Redis, RedisOptions } from "ioredis";
import channels from "@moleculer/channels";
import { MemoryChannelAdapter } from "./memory-channel-adapter.ts";

/** Messages one group of the in-process channel holds before `sendToChannel` is refused. */
export const MEMORY_CHANNEL_QUEUE = 100_000;

export const CHANNELS_VERSION = "0.1.8";

export interface ChannelsOptions {
	/** Redis URL (cluster mode) or null (embedded: in-process adapter). */
	redisUrl: string | null;
	/** TLS and other client options for Redis (lib/config/tls.ts). */
	redis?: RedisOptions;
	/** Redis: claim a crashed consumer's pending messages after this long idle. */
	claimIdleMs: number;
	/** Redis: after this many throwing deliveries a message goes to the channel's dead-letter stream. */
	maxRetries: number;
	/** Embedded: messages a group may hold (default MEMORY_CHANNEL_QUEUE). */
	memoryQueue?: number;
}

/** ioredis options from a URL (the adapter passes either a URL or options, not both). */
export function redisOptionsFromUrl(url: string, extra: RedisOptions = {}): RedisOptions {
	const u = new URL(url);
	const db = Number(u.pathname.slice(1) || 0);
	return {
		host: u.hostname.replace(/^\[|\]$/g, ""),
		port: Number(u.port || 6379),
		...(u.username && { username: decodeURIComponent(u.username) }),
		...(u.password && { password: decodeURIComponent(u.password) }),
		db,
		...(u.protocol === "rediss:" && { tls: {} }),
		...extra,
	};
}

export function assertChannelsVersion(): void {
	const version = (createRequire(import.meta.url)("@moleculer/channels/package.json") as { version: string }).version;
	if (version !== CHANNELS_VERSION)
		throw new Error(`@moleculer/channels ${version} is installed; middlewares/channels.middleware.ts is written for ${CHANNELS_VERSION} (re-check its started/starting fix and the DLQ behaviour, then update)`);
}

/** The adapter settings for `opts`, as @moleculer/channels takes them. */
export function channelsAdapter(opts: ChannelsOptions): object {
	if (!opts.redisUrl) return new MemoryChannelAdapter({ maxQueue: opts.memoryQueue ?? MEMORY_CHANNEL_QUEUE });
	return {
		type: "Redis",
		options: {
			redis: {
				...redisOptionsFromUrl(opts.redisUrl, opts.redis),
				consumerOptions: { minIdleTime: opts.claimIdleMs, claimInterval: Math.min(1000, Math.max(50, Math.round(opts.claimIdleMs / 4))), processingAttemptsInterval: 1000, readTimeoutInterval: 0, startID: "0" },
			},
			maxRetries: opts.maxRetries,
			deadLettering: { enabled: true, queueName: "FAILED_MESSAGES" },
		},
	};
}

/** The channels middleware, its `started` hook run as `starting`. */
export function Channels(opts: ChannelsOptions): Middleware {
	assertChannelsVersion();
	const { started, ...mw } = channels.Middleware({ adapter: channelsAdapter(opts), context: false } as never);
	return { ...mw, starting: started } as unknown as Middleware;
}

/** The unchanged 0.1.8 middleware, for the test that shows why the fix is needed. */
export function UnpatchedChannels(opts: ChannelsOptions): Middleware {
	return channels.Middleware({ adapter: channelsAdapter(opts), context: false } as never) as unknown as Middleware;
}

/** The Redis stream of a channel: 0.1.8 prefixes channel names with the namespace. */
export function channelStream(namespace: string, channel: string): string {
	return namespace ? `${namespace}.${channel}` : channel;
}

/** Stream ids (`<ms>-<seq>`) in order. */
function idBefore(a: string, b: string): boolean {
	const [am, as] = a.split("-").map(BigInt);
	const [bm, bs] = b.split("-").map(BigInt);
	return am < bm || (am === bm && as < bs);
}

/**
 * Redis keeps stream entries after every group acknowledged them; 0.1.8 never trims. Remove the
 * entries every group has read and acknowledged (`XTRIM MINID` to the oldest entry some group still
 * holds pending or has not read) and answer how many are left: the backlog.
 */
export async function trimAcknowledged(redis: Redis, stream: string): Promise<number> {
	let groups: unknown[][];
	try {
		groups = (await redis.xinfo("GROUPS", stream)) as unknown[][];
	} catch {
		return 0; // no such stream yet
	}
	let keepFrom: string | null = null;
	for (const g of groups) {
		const f = new Map<string, unknown>();
		for (let i = 0; i < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
		const [pending, oldestPending] = (await redis.xpending(stream, String(f.get("name")))) as [number, string | null];
		const id = pending > 0 && oldestPending ? oldestPending : String(f.get("last-delivered-id"));
		if (keepFrom === null || idBefore(id, keepFrom)) keepFrom = id;
	}
	if (keepFrom !== null) await redis.xtrim(stream, "MINID", keepFrom);
	return redis.xlen(stream);
}

/**
 * `sendToChannel` that fails instead of doing nothing: 0.1.8's Redis adapter returns without
 * publishing once it is stopping, so a caller that removes its own copy after sending (the retry
 * schedule, a dead letter) would lose the message during a shutdown.
 */
export async function sendReliably(broker: ServiceBroker, channel: string, payload: unknown): Promise<void> {
	const b = broker as unknown as { channelAdapter?: { stopping?: boolean; connected?: boolean }; sendToChannel(c: string, p: unknown): Promise<void> };
	if (!b.channelAdapter || b.channelAdapter.stopping || !b.channelAdapter.connected) throw new Errors.MoleculerRetryableError(`channel ${channel}: the adapter is not connected (stopping or not started)`, 503, "CHANNEL_UNAVAILABLE");
	await b.sendToChannel(channel, payload);
}
