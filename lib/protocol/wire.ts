/**
 * What leaves a node: NATS subjects and WebSocket topics for teams and clients, and the JSON
 * message they carry. `v` is the schema version; bump it on any incompatible change.
 */
import { SYMBOL_PATTERN, type SequencedTick } from "./tick.ts";

export const WIRE_VERSION = 1;

/** A tick as published on `rookery.ticks.{SYM}` and in WS `update` frames. */
export interface TickMessage extends SequencedTick {
	v: typeof WIRE_VERSION;
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

export function tickSubject(symbol: string): string {
	return `rookery.ticks.${subjectToken(symbol)}`;
}

/** A client topic, parsed. Only `ticks:{SYM}` exists so far; more kinds join this union. */
export type Topic = { kind: "ticks"; symbol: string; name: string; subject: string };

export function parseTopic(name: unknown): Topic | null {
	if (typeof name !== "string") return null;
	const i = name.indexOf(":");
	if (i < 0) return null;
	const kind = name.slice(0, i);
	const symbol = name.slice(i + 1);
	if (kind === "ticks" && SYMBOL_PATTERN.test(symbol)) return { kind, symbol, name, subject: tickSubject(symbol) };
	return null;
}
