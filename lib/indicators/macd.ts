import type { Bar } from "../bars/bar.ts";
import { EMA_SLOTS, type EmaState, emaInit, emaLoad, emaPeek, emaPushN, emaSave, emaValue } from "./core/ema-core.ts";
import { Indicator, whole } from "./indicator.ts";
import { checkBar } from "./validate.ts";

export interface MacdValue {
	macd: number;
	signal: number;
	hist: number;
}

interface MacdState {
	fast: EmaState;
	slow: EmaState;
	signal: EmaState;
}

const OUTPUTS = Object.freeze(["macd", "signal", "hist"]);
// State: three EMAs.
const FAST = 0;
const SLOW = EMA_SLOTS;
const SIGNAL = 2 * EMA_SLOTS;

/**
 * MACD as TA-Lib aligns it: both EMAs start on the same bar, so the fast EMA is seeded with the mean
 * of the `fast` closes ending where the slow EMA's seed ends (not the first `fast` closes); the signal
 * EMA runs on the MACD line. All three outputs start at bar slow+signal−2 (33 for 12/26/9).
 */
export class Macd extends Indicator<MacdValue> {
	readonly fast: number;
	readonly slow: number;
	readonly signal: number;

	constructor(fast = 12, slow = 26, signal = 9) {
		super(3 * EMA_SLOTS);
		this.fast = whole(fast);
		this.slow = whole(slow);
		this.signal = whole(signal);
		// TA-Lib silently swaps the periods when slow < fast; do the same so results agree.
		const [f, s] = slow < fast ? [slow, fast] : [fast, slow];
		const m = this.arena.f64;
		emaInit(m, this.o + SLOW, s);
		emaInit(m, this.o + FAST, f, s - f);
		emaInit(m, this.o + SIGNAL, signal);
	}

	protected get slots(): number {
		return 3 * EMA_SLOTS;
	}

	get kind(): string {
		return "macd";
	}

	get params(): readonly number[] {
		return [this.fast, this.slow, this.signal];
	}

	get outputs(): readonly string[] {
		return OUTPUTS;
	}

	get lookback(): number {
		return Math.max(this.fast, this.slow) - 1 + this.signal - 1;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const seen = ++this.accepted;
		const m = this.arena.f64;
		const o = this.o;
		// As the constructor set them up: TA-Lib's swap when slow < fast.
		const f = this.fast < this.slow ? this.fast : this.slow;
		const s = this.fast < this.slow ? this.slow : this.fast;
		const line = emaPushN(m, o + FAST, f, s - f, seen, bar.close) - emaPushN(m, o + SLOW, s, 0, seen, bar.close);
		if (Number.isNaN(line)) return null;
		const signal = emaPushN(m, o + SIGNAL, this.signal, 0, seen - s + 1, line); // the line exists from bar s−1
		if (Number.isNaN(signal)) return null;
		const at = this.at;
		m[at] = line;
		m[at + 1] = signal;
		m[at + 2] = line - signal;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const line = emaPeek(m, o + FAST, bar.close) - emaPeek(m, o + SLOW, bar.close);
		const signal = Number.isNaN(line) ? NaN : emaPeek(m, o + SIGNAL, line);
		const ok = !Number.isNaN(signal);
		out[at] = ok ? line : NaN;
		out[at + 1] = signal;
		out[at + 2] = ok ? line - signal : NaN;
	}

	protected read(m: Float64Array, at: number): MacdValue | null {
		return Number.isNaN(m[at + 1]) ? null : { macd: m[at], signal: m[at + 1], hist: m[at + 2] };
	}

	protected save(): MacdState {
		const m = this.arena.f64;
		return { fast: emaSave(m, this.o + FAST), slow: emaSave(m, this.o + SLOW), signal: emaSave(m, this.o + SIGNAL) };
	}

	protected restore(s: MacdState): void {
		const m = this.arena.f64;
		const o = this.o;
		emaLoad(m, o + FAST, s.fast);
		emaLoad(m, o + SLOW, s.slow);
		emaLoad(m, o + SIGNAL, s.signal);
		const signal = emaValue(m, o + SIGNAL);
		const line = emaValue(m, o + FAST) - emaValue(m, o + SLOW);
		const ok = !Number.isNaN(signal);
		m[this.at] = ok ? line : NaN;
		m[this.at + 1] = signal;
		m[this.at + 2] = ok ? line - signal : NaN;
	}
}
