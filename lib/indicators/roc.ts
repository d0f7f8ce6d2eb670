import type { Bar } from "../bars/bar.ts";
import { ringAt, ringFull, ringInit, ringLoad, ringNewest, ringOldest, ringPush, ringSize, ringSlots, ringToJSON } from "./core/ring.ts";
import { ScalarIndicator } from "./indicator.ts";
import { changesLookback, checkPeriod, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

/** Rate of change in percent, ((close / close n bars ago) − 1)·100, 0 when that close is 0 (TA-Lib ROC). First value at bar n. */
export class Roc extends withPeriod(ScalarIndicator, changesLookback) {
	get kind(): string {
		return "roc";
	}

	protected get slots(): number {
		return ringSlots(this.period + 1);
	}

	constructor(period = 10) {
		checkPeriod("roc", period, 1);
		super(ringSlots(period + 1)); // the last n+1 closes
		this.initPeriod(period);
		ringInit(this.arena.f64, this.o, period + 1);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		ringPush(m, o, bar.close);
		this.accepted++;
		if (ringFull(m, o)) m[this.at] = roc(bar.close, ringOldest(m, o));
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		if (ringSize(m, o) < this.period) out[at] = NaN;
		else out[at] = roc(bar.close, ringFull(m, o) ? ringAt(m, o, 1) : ringOldest(m, o));
	}

	protected save(): number[] {
		return ringToJSON(this.arena.f64, this.o);
	}

	protected restore(window: number[]): void {
		const m = this.arena.f64;
		const o = this.o;
		ringLoad(m, o, window);
		m[this.at] = ringFull(m, o) ? roc(ringNewest(m, o), ringOldest(m, o)) : NaN;
	}
}

function roc(close: number, then: number): number {
	return then !== 0.0 ? (close / then - 1.0) * 100.0 : 0.0;
}
