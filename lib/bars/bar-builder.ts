import { type BuiltBar, type Slot, type Trade, applyTrade, openSlot } from "./bar-slot.ts";
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
	#closed: Slot[] = []; // oldest first
	#watermark = -Infinity;

	constructor(timeframe: Timeframe, opts: BarBuilderOptions = {}) {
		this.timeframe = timeframe;
		this.session = opts.session ?? utcDays;
		this.lateToleranceMs = opts.lateToleranceMs ?? 2_000;
		this.maxBars = opts.maxBars ?? 500;
	}

	get forming(): BuiltBar | null {
		return this.#forming?.bar ?? null;
	}

	/** Closed bars, oldest first. */
	get history(): BuiltBar[] {
		return this.#closed.map((s) => s.bar);
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
		const newest = forming ?? this.#closed[this.#closed.length - 1];
		if (newest !== undefined && time <= newest.bar.time) return this.#amend(time, t);
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
		if (this.#closed.length > this.maxBars) this.#closed.shift();
		return slot.bar;
	}

	/** A late trade for an earlier bucket: amend its bar, or create it if that bucket had no trades. */
	#amend(time: number, t: Trade): TradeResult {
		let i = this.#closed.length - 1;
		while (i >= 0 && this.#closed[i].bar.time > time) i--;
		if (i >= 0 && this.#closed[i].bar.time === time) {
			const slot = this.#closed[i];
			applyTrade(slot, t);
			slot.bar.revision++;
			return { type: "amended", bar: slot.bar };
		}
		if (i < 0 && this.#closed.length >= this.maxBars) return refuse("the trade's bar is no longer held");
		const slot = openSlot(this.timeframe, time, t);
		this.#closed.splice(i + 1, 0, slot);
		if (this.#closed.length > this.maxBars) this.#closed.shift();
		return { type: "amended", bar: slot.bar };
	}

	toJSON(): BarBuilderState {
		const copy = (s: Slot): Slot => ({ ...s, bar: { ...s.bar } });
		return {
			timeframe: this.timeframe,
			watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
			forming: this.#forming && copy(this.#forming),
			closed: this.#closed.map(copy),
		};
	}

	static fromJSON(s: BarBuilderState, opts: BarBuilderOptions = {}): BarBuilder {
		const b = new BarBuilder(s.timeframe, opts);
		b.#watermark = s.watermark ?? -Infinity;
		b.#forming = s.forming && { ...s.forming, bar: { ...s.forming.bar } };
		b.#closed = s.closed.slice(-b.maxBars).map((c) => ({ ...c, bar: { ...c.bar } }));
		return b;
	}
}

function refuse(reason: string): TradeResult {
	return { type: "refused", reason };
}
