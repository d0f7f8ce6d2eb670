import type { Bar } from "../bars/bar.ts";
import { EMA_SLOTS, EMA_VALUE, type EmaState, emaInit, emaLoad, emaPeek, emaSave, emaStep, emaValue } from "./core/ema-core.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkPeriod, windowLookback, withPeriod } from "./period-indicator.ts";
import { checkBar } from "./validate.ts";

/**
 * Double and triple exponential moving averages (TA-Lib DEMA, TEMA): a chain of EMAs, each seeded
 * with the SMA of the first n outputs of the one before. DEMA = 2·e1 − e2 (first value at bar
 * 2(n−1)); TEMA = e3 + (3·e1 − 3·e2) (first value at bar 3(n−1)). `depth` picks which.
 * State: the chained EMAs.
 */
abstract class ChainedEma extends withPeriod(ScalarIndicator, windowLookback) {
	/** 2 for DEMA, 3 for TEMA: how many EMAs are chained. */
	readonly #depth: number;

	protected get slots(): number {
		return this.#depth * EMA_SLOTS;
	}

	constructor(depth: 2 | 3, period: number) {
		checkPeriod(depth === 3 ? "tema" : "dema", period, 2);
		super(depth * EMA_SLOTS);
		this.initPeriod(period);
		for (let i = 0; i < depth; i++) emaInit(this.arena.f64, this.o + i * EMA_SLOTS, period);
		this.#depth = depth;
	}

	override get lookback(): number {
		return this.#depth * windowLookback(this.period);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const o = this.o;
		const m = this.arena.f64;
		// Each EMA's value read from the arena, not returned (emaStep says why).
		emaStep(m, o, bar.close);
		const e1 = m[o + EMA_VALUE];
		if (Number.isNaN(e1)) return null;
		emaStep(m, o + EMA_SLOTS, e1);
		const e2 = m[o + EMA_SLOTS + EMA_VALUE];
		if (Number.isNaN(e2)) return null;
		if (this.#depth === 3) {
			emaStep(m, o + 2 * EMA_SLOTS, e2);
			mix(m, this.at, 3, e1, e2, m[o + 2 * EMA_SLOTS + EMA_VALUE]);
		} else mix(m, this.at, 2, e1, e2, 0);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const o = this.o;
		const e1 = emaPeek(m, o, bar.close);
		const e2 = Number.isNaN(e1) ? NaN : emaPeek(m, o + EMA_SLOTS, e1);
		if (Number.isNaN(e2)) out[at] = NaN;
		else mix(out, at, this.#depth, e1, e2, this.#depth === 3 ? emaPeek(m, o + 2 * EMA_SLOTS, e2) : 0);
	}

	protected save(): EmaState[] {
		const out: EmaState[] = [];
		for (let i = 0; i < this.#depth; i++) out.push(emaSave(this.arena.f64, this.o + i * EMA_SLOTS));
		return out;
	}

	protected restore(s: EmaState[]): void {
		const m = this.arena.f64;
		const o = this.o;
		for (let i = 0; i < this.#depth; i++) emaLoad(m, o + i * EMA_SLOTS, s[i]);
		mix(m, this.at, this.#depth, emaValue(m, o), emaValue(m, o + EMA_SLOTS), this.#depth === 3 ? emaValue(m, o + 2 * EMA_SLOTS) : 0);
	}
}

/** TA-Lib's exact expressions; NaN (warm-up) propagates. */
/**
 * DEMA or TEMA from the chained EMAs (e3 unused for DEMA), written into out[at]: a number|null
 * parameter or a returned double is boxed on every update when V8 does not inline the call.
 */
function mix(out: Float64Array, at: number, depth: number, e1: number, e2: number, e3: number): void {
	if (depth === 3) out[at] = e3 + (3.0 * e1 - 3.0 * e2);
	else out[at] = 2.0 * e1 - e2;
}

export class Dema extends ChainedEma {
	constructor(period = 20) {
		super(2, period);
	}

	get kind(): string {
		return "dema";
	}
}

export class Tema extends ChainedEma {
	constructor(period = 20) {
		super(3, period);
	}

	get kind(): string {
		return "tema";
	}
}
