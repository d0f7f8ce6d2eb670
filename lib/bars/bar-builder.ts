import { type BuiltBar, type Slot, type Trade, applyTrade, openSlot } from "./bar-slot.ts";
import { ClosedBars } from "./closed-bars.ts";
import { type Session, type Timeframe, TIMEFRAME_MS, bucketStart, utcDays } from "./timeframes.ts";

export type { BuiltBar, Trade };

/** What one trade did, as a union on `type`. */
export type TradeResult =
	| { type: "forming"; bar: BuiltBar; closed: BuiltBar | null } // landed in the forming bar; `closed` is the bar it closed, if any
	| { type: "amended"; bar: BuiltBar } // landed late in a closed bar, which must be re-published
	| { type: "refused"; reason: string };

export interface BarBuilderOptions {
	session?: Session;
	/** How far behind the newest trade a trade may be and still land in its bar. */
	lateToleranceMs?: number;
	/** Closed bars kept (for amendments and for `history`). */
	maxBars?: number;
}

export interface BarBuilderState {
	timeframe: Timeframe;
	watermark: number | null;
	forming: Slot | null;
	closed: Slot[];
}

/**
 * OHLCV + trades + VWAP bars of one timeframe from trades. The forming bar closes when a trade
 * opens a later bucket or when `closeUpTo(now)` passes its end. Trades up to `lateToleranceMs` behind
 * the newest one land in their own bar, which is amended and bumps its revision; older ones are refused.
 */
export class BarBuilder {
	readonly timeframe: Timeframe;
	readonly session: Session;
	readonly lateToleranceMs: number;
	readonly maxBars: number;
	#forming: Slot | null = null;
	#closed: ClosedBars; // oldest first
	#watermark = -Infinity;

	constructor(timeframe: Timeframe, opts: BarBuilderOptions = {}) {
		this.timeframe = timeframe;
		this.session = opts.session ?? utcDays;
		this.lateToleranceMs = opts.lateToleranceMs ?? 2_000;
		this.maxBars = opts.maxBars ?? 500;
		this.#closed = new ClosedBars(timeframe, this.maxBars);
	}

	get forming(): BuiltBar | null {
		return this.#forming?.bar ?? null;
	}

	/** Closed bars, oldest first (new objects). */
	get history(): BuiltBar[] {
		return this.recent(this.#closed.length);
	}

	/** The newest `limit` closed bars, oldest first (new objects). */
	recent(limit: number): BuiltBar[] {
		const n = this.#closed.length;
		const out: BuiltBar[] = [];
		for (let i = Math.max(0, n - limit); i < n; i++) out.push(this.#closed.bar(i));
		return out;
	}

	/** The closed bar that opened at `time` (a new object), if still held. */
	closedBar(time: number): BuiltBar | undefined {
		const i = this.#closed.lastAtOrBefore(time);
		return i >= 0 && this.#closed.timeAt(i) === time ? this.#closed.bar(i) : undefined;
	}

	add(t: Trade): TradeResult {
		if (!Number.isFinite(t.ts) || !Number.isFinite(t.price) || !(t.price > 0)) return refuse("trade needs a finite ts and a positive price");
		if (!Number.isFinite(t.size) || t.size < 0) return refuse("trade size must be a finite number >= 0");
		if (t.ts < this.#watermark - this.lateToleranceMs) {
			return refuse(`trade is ${this.#watermark - t.ts} ms behind the newest, tolerance is ${this.lateToleranceMs} ms`);
		}
		if (!this.session.isOpen(t.ts)) return refuse("trade is outside the trading session");
		if (t.ts > this.#watermark) this.#watermark = t.ts;
		const time = bucketStart(t.ts, this.timeframe, this.session);
		const forming = this.#forming;
		if (forming !== null && time === forming.bar.time) {
			applyTrade(forming, t);
			return { type: "forming", bar: forming.bar, closed: null };
		}
		const newestTime = forming?.bar.time ?? (this.#closed.length > 0 ? this.#closed.timeAt(this.#closed.length - 1) : -Infinity);
		if (time <= newestTime) return this.#amend(time, t);
		const closed = forming === null ? null : this.#close(forming);
		this.#forming = openSlot(this.timeframe, time, t);
		return { type: "forming", bar: this.#forming.bar, closed };
	}

	/** Closes the forming bar if `now` is past its end; returns it, or null. */
	closeUpTo(now: number): BuiltBar | null {
		const f = this.#forming;
		if (f === null || now < f.bar.time + TIMEFRAME_MS[this.timeframe]) return null;
		this.#forming = null;
		return this.#close(f);
	}

	#close(slot: Slot): BuiltBar {
		this.#closed.push(slot);
		return slot.bar;
	}

	/** A late trade for an earlier bucket: amend its bar, or create it if that bucket had no trades. */
	#amend(time: number, t: Trade): TradeResult {
		const i = this.#closed.lastAtOrBefore(time);
		if (i >= 0 && this.#closed.timeAt(i) === time) {
			const slot = this.#closed.slot(i);
			applyTrade(slot, t);
			slot.bar.revision++;
			this.#closed.set(i, slot);
			return { type: "amended", bar: slot.bar };
		}
		if (i < 0 && this.#closed.length >= this.maxBars) return refuse("the trade's bar is no longer held");
		const slot = openSlot(this.timeframe, time, t);
		this.#closed.insert(i + 1, slot);
		return { type: "amended", bar: slot.bar };
	}

	toJSON(): BarBuilderState {
		const copy = (s: Slot): Slot => ({ ...s, bar: { ...s.bar } });
		return {
			timeframe: this.timeframe,
			watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
			forming: this.#forming && copy(this.#forming),
			closed: Array.from({ length: this.#closed.length }, (_, i) => this.#closed.slot(i)),
		};
	}

	static fromJSON(s: BarBuilderState, opts: BarBuilderOptions = {}): BarBuilder {
		const b = new BarBuilder(s.timeframe, opts);
		b.#watermark = s.watermark ?? -Infinity;
		b.#forming = s.forming && { ...s.forming, bar: { ...s.forming.bar } };
		for (const c of s.closed.slice(-b.maxBars)) b.#closed.push(c);
		return b;
	}
}

function refuse(reason: string): TradeResult {
	return { type: "refused", reason };
}
