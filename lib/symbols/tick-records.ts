/**
 * The objects a symbol actor makes per tick: the sequenced tick, its log entry, the wire messages
 * of what it changed. Kept apart from the actor so its turn reads as the protocol it follows.
 */
import type { Tick, SequencedTick } from "../protocol/tick.ts";
import { WIRE_VERSION } from "../protocol/wire.ts";
import type { AnalysisEvent } from "./symbol-analysis.ts";

// The hot path builds its objects as literals: in V8 (Node 20) `{ ...t, seq }` and `{ seq, ...rest }`
// are ~100× slower than a literal, and every object made that way slows each later read of it.

/** The tick with its seq, as `#apply` and the wire message need it. */
export function withSeq(t: Tick, seq: number): SequencedTick {
	const s: SequencedTick = { symbol: t.symbol, price: t.price, size: t.size, ts: t.ts, seq };
	if (t.bid !== undefined) s.bid = t.bid;
	if (t.ask !== undefined) s.ask = t.ask;
	if (t.id !== undefined) s.id = t.id;
	return s;
}

/**
 * The log entry's data: the tick as given (stores serialise it inside append, so sharing the
 * caller's object is safe), without a `seq` of its own should a caller have sent one (the seq is
 * the entry's id, so it is not repeated in the data).
 */
export function logged(t: Tick): Tick {
	if (!Object.hasOwn(t, "seq")) return t;
	const { seq: _ignored, ...data } = t as SequencedTick;
	return data;
}

/** The wire message of an analysis event (lib/protocol/wire.ts BarMessage, IndicatorsMessage, SignalMessage). */
export function analysisMessage(symbol: string, seq: number, e: AnalysisEvent): object {
	if (e.type === "bar") return { v: WIRE_VERSION, seq, symbol, tf: e.tf, final: e.final, bar: e.bar };
	if (e.type === "indicators") return { v: WIRE_VERSION, seq, symbol, tf: e.tf, time: e.time, final: e.final, values: e.values };
	return { v: WIRE_VERSION, seq, symbol, tf: e.tf, ...e.signal };
}

/** The latest quote is the newest tick by trade time; on equal times the later one wins. */
export const isNewest = (latest: { ts: number } | null, ts: number) => !latest || ts >= latest.ts;
