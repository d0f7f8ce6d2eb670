import type { Bar } from "../bars/bar.ts";
import { CumulativeIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

interface ObvState {
	obv: number | null;
	prevClose: number | null;
}

/**
 * On-balance volume as TA-Lib's OBV: starts at the first bar's volume (not 0), then adds the volume
 * on an up close, subtracts it on a down close, and holds on an equal close. No warm-up.
 * The OBV itself is the output; the state is the previous close.
 */
export class Obv extends CumulativeIndicator {
	get kind(): string {
		return "obv";
	}

	protected get slots(): number {
		return 1;
	}

	constructor() {
		super(1);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		m[this.at] = obvNext(m[this.at], m[this.o], bar);
		m[this.o] = bar.close;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		out[at] = obvNext(m[this.at], m[this.o], bar);
	}

	protected save(): ObvState {
		const m = this.arena.f64;
		return { obv: orNull(m[this.at]), prevClose: orNull(m[this.o]) };
	}

	protected restore(s: ObvState): void {
		const m = this.arena.f64;
		m[this.at] = s.obv ?? NaN;
		m[this.o] = s.prevClose ?? NaN;
	}
}

/**
 * Branch-free in the direction: the sign of a close-to-close move is close to a coin flip, so an
 * if/else on it is mispredicted about half the time (measured: 13.4 → 7.8 ns per update). Exact:
 * obv + v·1, obv + v·(−1) and obv + v·0 are obv + v, obv − v and obv in IEEE arithmetic.
 */
export function obvNext(obv: number, prevClose: number, bar: Bar): number {
	if (Number.isNaN(obv)) return bar.volume;
	const close = bar.close;
	return obv + bar.volume * (+(close > prevClose) - +(close < prevClose));
}
