import type { Bar } from "../bars/bar.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface ObvState {
	obv: number | null;
	prevClose: number | null;
}

/**
 * On-balance volume as TA-Lib's OBV: starts at the first bar's volume (not 0), then adds the volume
 * on an up close, subtracts it on a down close, and holds on an equal close. No warm-up.
 */
export class Obv extends ScalarIndicator {
	readonly kind = "obv";
	readonly params: readonly number[] = [];
	readonly lookback = 0;
	#obv = NaN;
	#prevClose = NaN;

	get value(): number | null {
		return orNull(this.#obv);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.row[0] = this.#obv = this.#next(bar);
		this.#prevClose = bar.close;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): number | null {
		return this.#next(bar);
	}

	#next(bar: Bar): number {
		if (Number.isNaN(this.#obv)) return bar.volume;
		if (bar.close > this.#prevClose) return this.#obv + bar.volume;
		if (bar.close < this.#prevClose) return this.#obv - bar.volume;
		return this.#obv;
	}

	protected save(): ObvState {
		return { obv: orNull(this.#obv), prevClose: orNull(this.#prevClose) };
	}

	protected restore(s: ObvState): void {
		this.#obv = s.obv ?? NaN;
		this.#prevClose = s.prevClose ?? NaN;
	}
}
