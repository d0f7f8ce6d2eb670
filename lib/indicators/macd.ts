import type { Bar } from "../bars/bar.ts";
import { EmaCore, type EmaState } from "./core/ema-core.ts";
import { Indicator } from "./indicator.ts";
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

/**
 * MACD as TA-Lib aligns it: both EMAs start on the same bar, so the fast EMA is seeded with the mean
 * of the `fast` closes ending where the slow EMA's seed ends (not the first `fast` closes); the signal
 * EMA runs on the MACD line. All three outputs start at bar slow+signal−2 (33 for 12/26/9).
 */
export class Macd extends Indicator<MacdValue> {
	readonly kind = "macd";
	readonly params: readonly number[];
	readonly outputs = ["macd", "signal", "hist"] as const;
	readonly lookback: number;
	#fast: EmaCore;
	#slow: EmaCore;
	#signal: EmaCore;
	#value: MacdValue = { macd: 0, signal: 0, hist: 0 };
	#peeked: MacdValue = { macd: 0, signal: 0, hist: 0 };

	constructor(fast = 12, slow = 26, signal = 9) {
		super(3);
		this.params = [fast, slow, signal];
		// TA-Lib silently swaps the periods when slow < fast; do the same so results agree.
		const [f, s] = slow < fast ? [slow, fast] : [fast, slow];
		this.#slow = new EmaCore(s);
		this.#fast = new EmaCore(f, s - f);
		this.#signal = new EmaCore(signal);
		this.lookback = s - 1 + signal - 1;
	}

	get value(): MacdValue | null {
		return Number.isNaN(this.#signal.value) ? null : this.#value;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const line = this.#fast.push(bar.close) - this.#slow.push(bar.close);
		if (Number.isNaN(line)) return null;
		const v = this.#set(this.#value, line, this.#signal.push(line));
		if (Number.isNaN(v.signal)) return null;
		this.row[0] = v.macd;
		this.row[1] = v.signal;
		this.row[2] = v.hist;
		return null;
	}

	protected preview(bar: Bar): MacdValue | null {
		const line = this.#fast.peek(bar.close) - this.#slow.peek(bar.close);
		if (Number.isNaN(line)) return null;
		const signal = this.#signal.peek(line);
		return Number.isNaN(signal) ? null : this.#set(this.#peeked, line, signal);
	}

	#set(out: MacdValue, line: number, signal: number): MacdValue {
		out.macd = line;
		out.signal = signal;
		out.hist = line - signal;
		return out;
	}

	protected fill(out: Float64Array, at: number, v: MacdValue | null): void {
		out[at] = v === null ? NaN : v.macd;
		out[at + 1] = v === null ? NaN : v.signal;
		out[at + 2] = v === null ? NaN : v.hist;
	}

	protected save(): MacdState {
		return { fast: this.#fast.save(), slow: this.#slow.save(), signal: this.#signal.save() };
	}

	protected restore(s: MacdState): void {
		this.#fast.load(s.fast);
		this.#slow.load(s.slow);
		this.#signal.load(s.signal);
		if (!Number.isNaN(this.#signal.value)) this.#set(this.#value, this.#fast.value - this.#slow.value, this.#signal.value);
	}
}
