/**
 * What leaves a node: NATS subjects and WebSocket topics for teams and clients, and the JSON
 * messages they carry. `v` is the schema version; bump it on any incompatible change. Every
 * message carries `seq`: the symbol's sequence number of the tick that produced it.
 */
import { SYMBOL_PATTERN, type SequencedTick, type Tick } from "./tick.ts";
import { isTimeframe, type Timeframe } from "../bars/timeframes.ts";
import type { BuiltBar } from "../bars/bar-slot.ts";
import type { Signal } from "../strategies/signal.ts";
import { isEventType, type EventType } from "../events/event-types.ts";
import { isWindowName, type WindowName } from "../analytics/window-spec.ts";
import { isMetricName } from "../analytics/metric-name.ts";

export const WIRE_VERSION = 1;

/** A tick as published on `rookery.ticks.{SYM}` and in WS `update` frames. */
export interface TickMessage extends SequencedTick {
	v: typeof WIRE_VERSION;
}

/** A bar of one timeframe: the forming bar as it changes, then the closed one with `final: true`. */
export interface BarMessage {
	v: typeof WIRE_VERSION;
	seq: number;
	symbol: string;
	tf: Timeframe;
	final: boolean;
	bar: BuiltBar;
}

/** Indicator values of one timeframe: provisional (forming bar) or final (closed bar). */
export interface IndicatorsMessage {
	v: typeof WIRE_VERSION;
	seq: number;
	symbol: string;
	tf: Timeframe;
	time: number;
	final: boolean;
	values: Record<string, number | null>;
}

export interface SignalMessage extends Signal {
	v: typeof WIRE_VERSION;
	seq: number;
	symbol: string;
	tf: Timeframe;
}

/**
 * The wire message of tick `t` written at `seq`. The symbol actor's ingest turn keeps it as the
 * sequenced tick too (it has every field of one, and `v`), so a tick makes one object there.
 */
export function toTickMessage(t: Tick, seq: number): TickMessage {
	const m: TickMessage = { v: WIRE_VERSION, seq, ts: t.ts, symbol: t.symbol, price: t.price, size: t.size };
	if (t.bid !== undefined) m.bid = t.bid;
	if (t.ask !== undefined) m.ask = t.ask;
	if (t.id !== undefined) m.id = t.id;
	return m;
}

/**
 * A symbol as one NATS subject token. `.` separates tokens in NATS, so `BRK.B` is published as
 * `BRK_B`; `_` is not allowed in symbols, so the mapping is reversible.
 */
export function subjectToken(symbol: string): string {
	return symbol.replaceAll(".", "_");
}

export function symbolFromToken(token: string): string {
	return token.replaceAll("_", ".");
}

export const subjects = {
	ticks: (symbol: string) => `rookery.ticks.${subjectToken(symbol)}`,
	bars: (tf: Timeframe, symbol: string) => `rookery.bars.${tf}.${subjectToken(symbol)}`,
	indicators: (symbol: string) => `rookery.indicators.${subjectToken(symbol)}`,
	signals: (symbol: string) => `rookery.signals.${subjectToken(symbol)}`,
	/** Vendor data of one type for one symbol (market_data, news, fundamentals, …), published by ingest. */
	dataType: (dataType: DataTypeKind | typeof MARKET_DATA_KIND, symbol: string) => `rookery.${dataType}.${subjectToken(symbol)}`,
	intel: (id: string) => `rookery.intel.${id}`,
	/** Platform events of one type (docs/events.md). */
	events: (type: string) => `rookery.events.${type}`,
	/** A metric's window aggregate; the metric name's dots are subject token separators. */
	windows: (window: string, name: string) => `rookery.windows.${window}.${name}`,
	/** The dashboard figures, every 5 s. */
	dashboard: "rookery.dashboard",
	/** Internal producers publish ticks here (queue group `ingest`: one ingest node takes each). */
	ingestTicks: "rookery.ingest.ticks",
	/** What ingest refused from `ingestTicks` and from vendors, with the reason. */
	ingestRejected: "rookery.ingest.rejected",
};

export function tickSubject(symbol: string): string {
	return subjects.ticks(symbol);
}

/** Data types of vendor streams, each a topic kind `{dataType}:{SYM}` on `rookery.{dataType}.{SYM}`. */
export const DATA_TYPE_KINDS = ["news", "fundamentals", "analytics", "insider_data"] as const;
export type DataTypeKind = (typeof DATA_TYPE_KINDS)[number];
export const isDataTypeKind = (k: string): k is DataTypeKind => (DATA_TYPE_KINDS as readonly string[]).includes(k);
/**
 * Vendor market data (quotes, bars, snapshots with volatility fields): topic `market_data:{SYM}` on
 * `rookery.market_data.{SYM}`; the trades themselves are `ticks:{SYM}`. Apart from DATA_TYPE_KINDS
 * because the predecessor's channel `stream:market_data:{SYM}` means `ticks:{SYM}` (lib/streaming/compat.ts).
 */
export const MARKET_DATA_KIND = "market_data";

/** An intelligence stream id: one NATS token, so no `.`, `*` or `>`. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The topic name's last segment when it matches every symbol (or stream id) of its kind. */
export const WILDCARD = "*";

interface TopicBase {
	name: string;
	subject: string;
	/** `ticks:*`, `bars:1m:*`, …: every symbol of the kind; `symbol`/`id` is then `*`. */
	wildcard: boolean;
}
/**
 * A client topic, parsed: `ticks:{SYM}`, `bars:{tf}:{SYM}`, `indicators:{SYM}`, `signals:{SYM}`,
 * `{dataType}:{SYM}` (market_data, news, fundamentals, analytics, insider_data) and `intel:{id}`; the last
 * segment may be `*`.
 */
export type Topic =
	| (TopicBase & { kind: "ticks" | "indicators" | "signals"; symbol: string })
	| (TopicBase & { kind: "bars"; tf: Timeframe; symbol: string })
	| (TopicBase & { kind: DataTypeKind | typeof MARKET_DATA_KIND; symbol: string })
	| (TopicBase & { kind: "intel"; id: string })
	| (TopicBase & { kind: "events"; type: EventType | typeof WILDCARD })
	| (TopicBase & { kind: "window"; window: WindowName; metric: string })
	| (TopicBase & { kind: "dashboard" })
	/** `alerts:{ruleId}` or `alerts:me`: resolved per caller (lib/alerts/topics.ts) before it is subscribed. */
	| (TopicBase & { kind: "alerts"; id: string });
export type TopicKind = Topic["kind"];

export const TOPIC_FORMS = `ticks:{SYMBOL}, bars:{tf}:{SYMBOL}, indicators:{SYMBOL}, signals:{SYMBOL}, ${[MARKET_DATA_KIND, ...DATA_TYPE_KINDS].map(k => `${k}:{SYMBOL}`).join(", ")}, intel:{id}, events:{type}, analytics:{window}:{metric}, alerts:{ruleId}, alerts:me or dashboard (the last segment may be ${WILDCARD})`;

const symbolOrWildcard = (s: string) => s === WILDCARD || SYMBOL_PATTERN.test(s);
const token = (s: string) => (s === WILDCARD ? WILDCARD : subjectToken(s));

export function parseTopic(name: unknown): Topic | null {
	if (typeof name !== "string" || name.length > 160) return null;
	if (name === "dashboard") return { kind: "dashboard", name, wildcard: false, subject: subjects.dashboard };
	const i = name.indexOf(":");
	if (i < 0) return null;
	const kind = name.slice(0, i);
	let rest = name.slice(i + 1);
	const wildcard = rest === WILDCARD || rest.endsWith(`:${WILDCARD}`);
	if (kind === "bars") {
		const j = rest.indexOf(":");
		const tf = rest.slice(0, j);
		rest = rest.slice(j + 1);
		if (j < 0 || !isTimeframe(tf) || !symbolOrWildcard(rest)) return null;
		return { kind, tf, symbol: rest, name, wildcard, subject: `rookery.bars.${tf}.${token(rest)}` };
	}
	if ((kind === "ticks" || kind === "indicators" || kind === "signals") && symbolOrWildcard(rest)) {
		return { kind, symbol: rest, name, wildcard, subject: `rookery.${kind}.${token(rest)}` };
	}
	if ((isDataTypeKind(kind) || kind === MARKET_DATA_KIND) && symbolOrWildcard(rest)) {
		return { kind, symbol: rest, name, wildcard, subject: `rookery.${kind}.${token(rest)}` };
	}
	if (kind === "events" && (rest === WILDCARD || isEventType(rest))) {
		return { kind, type: rest, name, wildcard, subject: subjects.events(rest) };
	}
	// `analytics:{window}:{metric}` (a window aggregate) beside `analytics:{SYMBOL}` (vendor data).
	const j = rest.indexOf(":");
	if (kind === "analytics" && j > 0 && isWindowName(rest.slice(0, j))) {
		const window = rest.slice(0, j) as WindowName;
		const metric = rest.slice(j + 1);
		if (metric !== WILDCARD && !isMetricName(metric)) return null;
		return { kind: "window", window, metric, name, wildcard, subject: metric === WILDCARD ? `rookery.windows.${window}.>` : subjects.windows(window, metric) };
	}
	if (kind === "alerts" && STREAM_ID_PATTERN.test(rest)) return { kind, id: rest, name, wildcard: false, subject: `rookery.alerts.${rest}` };
	if (kind === "intel" && (rest === WILDCARD || STREAM_ID_PATTERN.test(rest))) {
		return { kind, id: rest, name, wildcard, subject: subjects.intel(rest) };
	}
	return null;
}

/**
 * The concrete topic a message on `subject` belongs to, for a wildcard topic: `ticks:*` and
 * `rookery.ticks.BRK_B` → `ticks:BRK.B`. The symbol (or id) is the subject's last token.
 */
export function concreteTopicName(topic: Topic, subject: string): string {
	const prefix = topic.name.slice(0, topic.name.length - WILDCARD.length);
	// A metric name spans the subject's tokens after `rookery.windows.{window}.`.
	if (topic.kind === "window") return prefix + subject.split(".").slice(3).join(".");
	const last = subject.slice(subject.lastIndexOf(".") + 1);
	return prefix + (topic.kind === "intel" || topic.kind === "events" ? last : symbolFromToken(last));
}
