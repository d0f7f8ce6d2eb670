/**
 * The predecessor systems' streaming names, mapped to our topics (docs/compat.md): channels
 * `stream:{data_type}:{SYM}` (data type `market_data` is our `ticks`), the WS paths
 * `/ws/market/{SYM,SYM}`, `/ws/intelligence/{id}` and `/streaming/ws?channels=&symbols=`, and the
 * SSE body `{channels, data_types, symbols}`.
 */
import { DATA_TYPE_KINDS, isDataTypeKind } from "../protocol/wire.ts";

/** Predecessor data types: `market_data` is our `ticks`; the others keep their name. */
export const CHANNEL_DATA_TYPES = ["market_data", ...DATA_TYPE_KINDS] as const;

const kindOf = (dataType: string) => (dataType === "market_data" ? "ticks" : isDataTypeKind(dataType) ? dataType : null);

/** `stream:market_data:AAPL` → `ticks:AAPL`; null for a name that is not a channel. */
export function channelToTopic(channel: string): string | null {
	const m = /^stream:([a-z_]+):(.+)$/.exec(channel);
	if (!m) return null;
	const kind = kindOf(m[1]);
	return kind ? `${kind}:${m[2].toUpperCase()}` : null;
}

/** `ticks:AAPL` → `stream:market_data:AAPL` (topics of other kinds have no channel). */
export function topicToChannel(topic: string): string | null {
	const i = topic.indexOf(":");
	const kind = topic.slice(0, i);
	const dataType = kind === "ticks" ? "market_data" : isDataTypeKind(kind) ? kind : null;
	return dataType ? `stream:${dataType}:${topic.slice(i + 1)}` : null;
}

export interface CompatSelection {
	channels?: unknown;
	data_types?: unknown;
	symbols?: unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : []).map(s => String(s).trim()).filter(Boolean);

/**
 * Topics for a predecessor selection: every channel, plus every symbol × data type (default
 * market_data) for symbols given without a channel. Throws with the name that does not map.
 */
export function selectionToTopics(sel: CompatSelection): string[] {
	const out = new Set<string>();
	const channels = strings(sel.channels);
	for (const c of channels) {
		const t = channelToTopic(c);
		if (!t) throw new Error(`unknown channel '${c}' (expected stream:{${CHANNEL_DATA_TYPES.join("|")}}:{SYMBOL})`);
		out.add(t);
	}
	const dataTypes = strings(sel.data_types);
	for (const d of dataTypes) if (!kindOf(d)) throw new Error(`unknown data type '${d}' (expected one of ${CHANNEL_DATA_TYPES.join(", ")})`);
	const covered = new Set([...out].map(t => t.slice(t.indexOf(":") + 1)));
	for (const s of strings(sel.symbols)) {
		const sym = s.toUpperCase();
		if (channels.length && covered.has(sym) && dataTypes.length === 0) continue;
		for (const d of dataTypes.length ? dataTypes : ["market_data"]) out.add(`${kindOf(d)}:${sym}`);
	}
	return [...out];
}

/** The topics a WebSocket path subscribes on connect; null for a path that is not ours. */
export function topicsForWsPath(pathname: string, query: URLSearchParams): string[] | null {
	if (pathname === "/ws") return [];
	let m = /^\/ws\/market\/([^/]+)$/.exec(pathname);
	if (m) return decodeURIComponent(m[1]).split(",").map(s => s.trim().toUpperCase()).filter(Boolean).map(s => `ticks:${s}`);
	m = /^\/ws\/intelligence\/([^/]+)$/.exec(pathname);
	if (m) return [`intel:${decodeURIComponent(m[1])}`];
	if (pathname === "/streaming/ws") return selectionToTopics({ channels: query.getAll("channels").join(","), symbols: query.getAll("symbols").join(","), data_types: query.getAll("data_types").join(",") });
	return null;
}
