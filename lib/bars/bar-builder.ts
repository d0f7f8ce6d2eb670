import { type BuiltBar, type Slot, type Trade, openSlot } from "./bar-slot.ts";
import { ClosedBars, type FinalSlot } from "./closed-bars.ts";
import { type Session, type Timeframe, TIMEFRAME_MS, bucketStart, utcDays } from "./timeframes.ts";

export type { BuiltBar, Trade };

/** What one trade did, as a union on `type`. */
export type TradeResult =
	| { type: "forming"; bar: BuiltBar; closed: BuiltBar | null } // landed in the forming bar; `closed` is the bar it closed, if any
	| { type: "amended"; bar: BuiltBar } // landed late in a closed bar, which must be re-published
	| { type: "refused"; reason: string };

/**
 * What one trade did, without the bars as objects (`accept`): "forming" (landed in the forming
 * bar, perhaps a new one), "closed" (opened a new forming bar and closed the one before: the newest
 * closed bar), "amended" (`amended` holds the bar), "refused" (`refusal` says why).
 */
export type Accepted = "forming" | "closed" | "amended" | "refused";

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
	/** Oldest first; bars that can no longer be amended carry no bookkeeping (`FinalSlot`). */
	closed: (Slot | FinalSlot)[];
}

/**
 * OHLCV + trades + VWAP bars of one timeframe from trades. The forming bar closes when a trade
 * opens a later bucket or when `closeUpTo(now)` passes its end. Trades up to `lateToleranceMs` behind
 * the newest one land in their own bar, which is amended and bumps its revision; older ones are refused.
 * The forming bar is the row after the closed ones in `ClosedBars`; `forming`, `history` and the
 * results of `add` are new objects read from the rows.
 */
export class BarBuilder {
	readonly timeframe: Timeframe;
	readonly session: Session;
	readonly lateToleranceMs: number;
	readonly maxBars: number;
	#closed: ClosedBars; // oldest first, then the forming bar
	#watermark = -Infinity;
	#amended: BuiltBar | null = null;
	#refusal = "";

	constructor(timeframe: Timeframe, opts: BarBuilderOptions = {}) {
		this.timeframe = timeframe;
		this.session = opts.session ?? utcDays;
		this.lateToleranceMs = opts.lateToleranceMs ?? 2_000;
		this.maxBars = opts.maxBars ?? 500;
		this.#closed = new ClosedBars(timeframe, this.maxBars);
	}

	/** The forming bar (a new object), or null. */
	get forming(): BuiltBar | null {
		return this.#closed.hasForming ? this.#closed.bar(this.#closed.length) : null;
	}

	/** Whether there is a forming bar (without building it). */
	get hasForming(): boolean {
		return this.#closed.hasForming;
	}

	/** The bar the last `accept` that returned "amended" amended. */
	get amended(): BuiltBar | null {
		return this.#amended;
	}

	/** Why the last `accept` that returned "refused" refused its trade. */
	get refusal(): string {
		return this.#refusal;
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

	/**
	 * The oldest closed bar that opened after `time` (a new object), if any and if it opened at or
	 * before `upTo` (checked before the bar is built).
	 */
	closedAfter(time: number, upTo = Infinity): BuiltBar | undefined {
		const i = this.#closed.lastAtOrBefore(time) + 1;
		return i < this.#closed.length && this.#closed.timeAt(i) <= upTo ? this.#closed.bar(i) : undefined;
	}

	add(t: Trade): TradeResult {
		const r = this.accept(t);
		const rows = this.#closed;
		if (r === "refused") return { type: "refused", reason: this.#refusal };
		if (r === "amended") return { type: "amended", bar: this.#amended! };
		return { type: "forming", bar: rows.bar(rows.length), closed: r === "closed" ? rows.bar(rows.length - 1) : null };
	}

	/**
	 * `add` for the hot path: a tick lands in up to one bar per timeframe, and the bars as objects
	 * (three per timeframe and tick) are built only where they are published.
	 */
	accept(t: Trade): Accepted {
		this.#amended = null; // the previous trade's amended bar, read by now
		const reason = this.#refuses(t);
		if (reason !== null) {
			this.#refusal = reason;
			return "refused";
		}
		if (t.ts > this.#watermark) this.#watermark = t.ts;
		const r = this.#place(t);
		// Bars that end before the oldest acceptable trade can no longer be amended.
		this.#closed.settle(this.#watermark - this.lateToleranceMs - TIMEFRAME_MS[this.timeframe]);
		return r;
	}

	#refuses(t: Trade): string | null {
		if (!Number.isFinite(t.ts) || !Number.isFinite(t.price) || !(t.price > 0)) return "trade needs a finite ts and a positive price";
		if (!Number.isFinite(t.size) || t.size < 0) return "trade size must be a finite number >= 0";
		if (t.ts < this.#watermark - this.lateToleranceMs) return `trade is ${this.#watermark - t.ts} ms behind the newest, tolerance is ${this.lateToleranceMs} ms`;
		if (!this.session.isOpen(t.ts)) return "trade is outside the trading session";
		return null;
	}

	#place(t: Trade): Accepted {
		const time = bucketStart(t.ts, this.timeframe, this.session);
		const rows = this.#closed;
		if (rows.isForming(time)) {
			rows.apply(rows.length, t);
			return "forming";
		}
		if (rows.newestAtOrAfter(time)) return this.#amend(time, t);
		const forming = rows.hasForming;
		if (forming) rows.closeForming();
		rows.open(time, t);
		return forming ? "closed" : "forming";
	}

	/** Closes the forming bar if `now` is past its end; returns it, or null. */
	closeUpTo(now: number): BuiltBar | null {
		const rows = this.#closed;
		if (!rows.hasForming || now < rows.timeAt(rows.length) + TIMEFRAME_MS[this.timeframe]) return null;
		const bar = rows.bar(rows.length);
		rows.closeForming();
		return bar;
	}

	/** A late trade for an earlier bucket: amend its bar, or create it if that bucket had no trades. */
	#amend(time: number, t: Trade): Accepted {
		const rows = this.#closed;
		const i = rows.lastAtOrBefore(time);
		if (i >= 0 && rows.timeAt(i) === time) {
			rows.apply(i, t);
			rows.bumpRevision(i);
			this.#amended = rows.bar(i);
			return "amended";
		}
		if (i < 0 && rows.length >= this.maxBars) {
			this.#refusal = "the trade's bar is no longer held";
			return "refused";
		}
		const slot = openSlot(this.timeframe, time, t);
		rows.insert(i + 1, slot);
		this.#amended = slot.bar;
		return "amended";
	}

	toJSON(): BarBuilderState {
		const rows = this.#closed;
		return {
			timeframe: this.timeframe,
			watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
			forming: rows.hasForming ? (rows.slot(rows.length) as Slot) : null,
			closed: Array.from({ length: rows.length }, (_, i) => rows.slot(i)),
		};
	}

	/** Restores a snapshot; one whose closed bars all carry bookkeeping (the older form) is read too. */
	static fromJSON(s: BarBuilderState, opts: BarBuilderOptions = {}): BarBuilder {
		const b = new BarBuilder(s.timeframe, opts);
		b.#watermark = s.watermark ?? -Infinity;
		for (const c of s.closed.slice(-b.maxBars)) b.#closed.push(c);
		if (s.forming) b.#closed.setForming(s.forming);
		b.#closed.settle(b.#watermark - b.lateToleranceMs - TIMEFRAME_MS[b.timeframe]);
		return b;
	}
}
