/**
 * The message every vendor item becomes (the data-workers predecessor's StreamMessage), its channel
 * name, and the KV keys where it is kept: latest per (type, symbol) with a TTL, and a capped stream.
 */
import type { DataType, UpdateType, VendorItem } from "../vendors/vendor.ts";
import { isoTimeFormatter } from "./iso-time.ts";

export interface StreamMessage {
	/** `stream:{data_type}:{SYM}`, as the predecessor named its Redis channels. */
	channel: string;
	data_type: DataType;
	update_type: UpdateType;
	/** ISO-8601 time of the data. */
	timestamp: string;
	symbol: string;
	data: Record<string, unknown>;
	vendor: string;
	metadata: { worker_id: string | null; retry_count: number; fallback: boolean; node: string; received_at: string };
}

/** Channel names made so far, per data type and symbol: one string a stream, not one a message. */
const channels = new Map<DataType, Map<string, string>>();
/** Symbols cached per data type at most; past it the cache starts over (names are remade, not wrong). */
export const CHANNELS_CACHED = 10_000;

/** Channel names cached for `dataType` now (for tests: the cache stays bounded). */
export const channelsCached = (dataType: DataType): number => channels.get(dataType)?.size ?? 0;

export function channelOf(dataType: DataType, symbol: string): string {
	let bySymbol = channels.get(dataType);
	if (!bySymbol) channels.set(dataType, (bySymbol = new Map()));
	let channel = bySymbol.get(symbol);
	if (channel === undefined) {
		if (bySymbol.size >= CHANNELS_CACHED) bySymbol.clear();
		bySymbol.set(symbol, (channel = `stream:${dataType}:${symbol}`));
	}
	return channel;
}

export const messageKeys = {
	latest: (dataType: DataType, symbol: string) => `latest:${channelOf(dataType, symbol)}`,
	stream: (dataType: DataType, symbol: string) => channelOf(dataType, symbol),
};

/** The data times and the arrival times, each with its own second and day cache (lib/workers/iso-time.ts). */
const dataTime = isoTimeFormatter();
const receivedTime = isoTimeFormatter();

export function toStreamMessage(item: VendorItem, vendor: string, meta: { worker_id: string | null; retry_count: number; fallback: boolean; node: string; now: number }): StreamMessage {
	return {
		channel: channelOf(item.data_type, item.symbol),
		data_type: item.data_type,
		update_type: item.update_type,
		timestamp: dataTime(item.timestamp),
		symbol: item.symbol,
		data: item.data,
		vendor,
		metadata: { worker_id: meta.worker_id, retry_count: meta.retry_count, fallback: meta.fallback, node: meta.node, received_at: receivedTime(meta.now) },
	};
}
