import type { Bar } from "../bars/bar.ts";
import { type SmaState, smaInit, smaLoad, smaPeek, smaPush, smaSave, smaSlots } from "./core/sma-core.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** Simple moving average of closes (TA-Lib SMA). First value at bar period−1. */
export class Sma extends ScalarIndicator {
	readonly period: number;

	constructor(period = 20) {
		super(smaSlots(period));
		smaInit(this.arena.f64, this.o, period);
		this.period = period;
	}

	get kind(): string {
		return "sma";
	}

	get params(): readonly number[] {
		return [this.period];
	}

	get lookback(): number {
		return this.period - 1;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		m[this.at] = smaPush(m, this.o, bar.close);
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		out[at] = smaPeek(this.arena.f64, this.o, bar.close);
	}

	protected save(): SmaState & { value: number | null } {
		return { ...smaSave(this.arena.f64, this.o), value: this.value };
	}

	protected restore(s: SmaState & { value: number | null }): void {
		smaLoad(this.arena.f64, this.o, s);
		this.arena.f64[this.at] = s.value ?? NaN;
	}
}
