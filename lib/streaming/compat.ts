/**
 * The predecessor systems' streaming names, mapped to our topics (docs/compat.md): channels
 * `stream:{data_type}:{SYM}` (data type `market_data` is our `ticks`), the WS paths
 * `/ws/market/{SYM,SYM}`, `/ws/intelligence/{id}` and `/streaming/ws?channels=&symbols=`, the
 * SSE body `{channels, data_types, symbols}`, and seed 000's frames on its WS paths (wsDialectFor).
 */
import { parseJson } from "../validation/json.ts";
import { DATA_TYPE_KINDS, isDataTypeKind } from "../protocol/wire.ts";
import { normalizeSymbol } from "../protocol/tick.ts";

/** A symbol the one way (lib/protocol/tick.ts); one that is not stays as given, and the topic parse refuses it. */
const symbolOf = (s: string) => normalizeSymbol(s) ?? s;

/** Predecessor data types: `market_data` is our `ticks`; the others keep their name. */
export const CHANNEL_DATA_TYPES = ["market_data", ...DATA_TYPE_KINDS] as const;

/** Seed 000's WS paths carry the caller's alerts too (docs/alerts.md). */
const SEED_ALERTS_TOPIC = "alerts:me";

const kindOf = (dataType: string) => (dataType === "market_data" ? "ticks" : isDataTypeKind(dataType) ? dataType : null);

/** `stream:market_data:AAPL` → `ticks:AAPL`; null for a name that is not a channel. */
export function channelToTopic(channel: string): string | null {
	const m = /^stream:([a-z_]+):(.+)$/.exec(channel);
	if (!m) return null;
	const kind = kindOf(m[1]);
	return kind ? `${kind}:${symbolOf(m[2])}` : null;
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

/** A list or a comma-separated string of names; anything else in a list is refused (never String()ed: it may be a trap). */
const strings = (v: unknown): string[] =>
	(Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : [])
		.map(s => {
			if (typeof s !== "string") throw new Error("channels, data_types and symbols must be strings");
			return s.trim();
		})
		.filter(Boolean);

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
		const sym = symbolOf(s);
		if (channels.length && covered.has(sym) && dataTypes.length === 0) continue;
		for (const d of dataTypes.length ? dataTypes : ["market_data"]) out.add(`${kindOf(d)}:${sym}`);
	}
	return [...out];
}

/** The topics a WebSocket path subscribes on connect; null for a path that is not ours. */
export function topicsForWsPath(pathname: string, query: URLSearchParams): string[] | null {
	if (pathname === "/ws") return [];
	let m = /^\/ws\/market\/([^/]+)$/.exec(pathname);
	// Seed 000's paths also carry the caller's alerts (`{"type":"alert","data":…}`, seed000Outgoing).
	if (m)
		return [
			...decodeURIComponent(m[1])
				.split(",")
				.map(s => symbolOf(s.trim()))
				.filter(Boolean)
				.map(s => `ticks:${s}`),
			SEED_ALERTS_TOPIC,
		];
	m = /^\/ws\/intelligence\/([^/]+)$/.exec(pathname);
	if (m) return [`intel:${decodeURIComponent(m[1])}`, SEED_ALERTS_TOPIC];
	if (pathname === "/streaming/ws") return selectionToTopics({ channels: query.getAll("channels").join(","), symbols: query.getAll("symbols").join(","), data_types: query.getAll("data_types").join(",") });
	return null;
}

/** How a predecessor WS path speaks: its client frames in, its frame shapes out. */
export interface WsDialect {
	/** A client frame in the predecessor's shape, as ours (other frames unchanged). */
	incoming(text: string): string;
	/** Our frame as the predecessor's clients expect it (other frames unchanged). */
	outgoing(text: string): string;
}

/**
 * Seed 000's client frame `{"type": "subscribe"|"unsubscribe", "subscription_type": "market_data",
 * "symbols": [...]}` (also `"intelligence"` with `stream_id`) → `{"op", "topics"}`. A subscription
 * type we do not know becomes a topic the session refuses with an error frame naming it.
 */
function seed000Incoming(text: string): string {
	let msg: { type?: unknown; op?: unknown; subscription_type?: unknown; symbols?: unknown; stream_id?: unknown };
	try {
		msg = parseJson(text) as typeof msg;
	} catch {
		return text; // the session answers bad (or refused) JSON itself
	}
	if (!msg || typeof msg !== "object" || Array.isArray(msg) || msg.op !== undefined) return text;
	if (msg.type === "ping") return JSON.stringify({ op: "ping" });
	if (msg.type !== "subscribe" && msg.type !== "unsubscribe") return text;
	const kind = typeof msg.subscription_type === "string" ? msg.subscription_type : "market_data";
	let topics: string[];
	try {
		topics = kind === "intelligence" ? strings(msg.stream_id).map(id => `intel:${id}`) : strings(msg.symbols).map(s => `${kindOf(kind) ?? kind}:${s.toUpperCase()}`);
	} catch {
		// Names that are not strings: the session refuses the frame ('topics' must be a non-empty array).
		return JSON.stringify({ op: msg.type, topics: null });
	}
	return JSON.stringify({ op: msg.type, topics });
}

const INTEL_FRAME = /^\{"type":"(update|snapshot)","topic":"intel:/;
const ALERT_FRAME = /^\{"type":"update","topic":"alerts:/;

/**
 * Intelligence frames as seed 000's clients read them: the update itself at the top level
 * (`type: "intelligence_update"`, `stream_id`, `seq`, `ts`, `data`), with our `topic`, and
 * `snapshot: true` on the stream's last update sent first on subscribe. Alerts: `{"type":"alert","data":…}`.
 */
function seed000Outgoing(text: string): string {
	if (ALERT_FRAME.test(text)) return `{"type":"alert","data":${JSON.stringify((JSON.parse(text) as { data: unknown }).data)}}`;
	// The alerts topic is the path's own, not one the client asked for: its confirmation names only the client's.
	if (text.startsWith('{"type":"subscribed"') && text.includes(`"${SEED_ALERTS_TOPIC}"`)) {
		const f = JSON.parse(text) as { topics: string[] };
		return JSON.stringify({ ...f, topics: f.topics.filter(t => t !== SEED_ALERTS_TOPIC) });
	}
	const m = INTEL_FRAME.exec(text);
	if (!m) return text;
	try {
		const f = JSON.parse(text) as { topic: string; data?: { type?: unknown } };
		if (!f.data || f.data.type !== "intelligence_update") return text;
		return JSON.stringify(m[1] === "snapshot" ? { ...f.data, topic: f.topic, snapshot: true } : { ...f.data, topic: f.topic });
	} catch {
		return text;
	}
}

/** The dialect of a WS path: seed 000's on `/ws/market/…` and `/ws/intelligence/…`; null for ours. */
export function wsDialectFor(pathname: string): WsDialect | null {
	return /^\/ws\/(market|intelligence)\//.test(pathname) ? { incoming: seed000Incoming, outgoing: seed000Outgoing } : null;
}
