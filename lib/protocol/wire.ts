/**
 * What leaves a node: NATS subjects and WebSocket topics for teams and clients, and the JSON
 * messages they carry. `v` is the schema version; bump it on any incompatible change. Every
 * message carries `seq`: the symbol's sequence number of the tick that produced it.
 */
import { SYMBOL_PATTERN, type SequencedTick } from "./tick.ts";
import { isTimeframe, type Timeframe } from "../bars/timeframes.ts";
import type { BuiltBar } from "../bars/bar-slot.ts";
import type { Signal } from "../strategies/signal.ts";

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

export function toTickMessage(t: SequencedTick): TickMessage {
	const m: TickMessage = { v: WIRE_VERSION, seq: t.seq, ts: t.ts, symbol: t.symbol, price: t.price, size: t.size };
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
};

export function tickSubject(symbol: string): string {
	return subjects.ticks(symbol);
}

/** A client topic, parsed: `ticks:{SYM}`, `bars:{tf}:{SYM}`, `indicators:{SYM}`, `signals:{SYM}`. */
export type Topic =
	| { kind: "ticks" | "indicators" | "signals"; symbol: string; name: string; subject: string }
	| { kind: "bars"; tf: Timeframe; symbol: string; name: string; subject: string };

export const TOPIC_FORMS = "ticks:{SYMBOL}, bars:{tf}:{SYMBOL}, indicators:{SYMBOL} or signals:{SYMBOL}";

export function parseTopic(name: unknown): Topic | null {
	if (typeof name !== "string") return null;
	const i = name.indexOf(":");
	if (i < 0) return null;
	const kind = name.slice(0, i);
	let rest = name.slice(i + 1);
	if (kind === "bars") {
		const j = rest.indexOf(":");
		const tf = rest.slice(0, j);
		rest = rest.slice(j + 1);
		if (j < 0 || !isTimeframe(tf) || !SYMBOL_PATTERN.test(rest)) return null;
		return { kind, tf, symbol: rest, name, subject: subjects.bars(tf, rest) };
	}
	if ((kind === "ticks" || kind === "indicators" || kind === "signals") && SYMBOL_PATTERN.test(rest)) {
		return { kind, symbol: rest, name, subject: subjects[kind](rest) };
	}
	return null;
}
