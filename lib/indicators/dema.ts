import type { Bar } from "../bars/bar.ts";
import { EmaCore, type EmaState } from "./core/ema-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/**
 * Double and triple exponential moving averages (TA-Lib DEMA, TEMA): a chain of EMAs, each seeded
 * with the SMA of the first n outputs of the one before. DEMA = 2·e1 − e2 (first value at bar
 * 2(n−1)); TEMA = e3 + (3·e1 − 3·e2) (first value at bar 3(n−1)). `depth` picks which.
 */
class ChainedEma extends ScalarIndicator {
	readonly kind: string;
	readonly params: readonly number[];
	readonly lookback: number;
	#e1: EmaCore;
	#e2: EmaCore;
	#e3: EmaCore | null;

	constructor(kind: "dema" | "tema", period: number) {
		super();
		if (!Number.isInteger(period) || period < 2) throw new RangeError(`${kind} period must be an integer >= 2, got ${period}`);
		this.kind = kind;
		this.#e1 = new EmaCore(period);
		this.#e2 = new EmaCore(period);
		this.#e3 = kind === "tema" ? new EmaCore(period) : null;
		this.params = [period];
		this.lookback = (kind === "tema" ? 3 : 2) * (period - 1);
	}

	get value(): number | null {
		return orNull(this.row[0]);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.accepted++;
		const e1 = this.#e1.push(bar.close);
		if (Number.isNaN(e1)) return null;
		const e2 = this.#e2.push(e1);
		if (Number.isNaN(e2)) return null;
		this.row[0] = mix(e1, e2, this.#e3 === null ? null : this.#e3.push(e2));
		return null;
	}

	protected preview(bar: Bar): number | null {
		const e1 = this.#e1.peek(bar.close);
		const e2 = Number.isNaN(e1) ? NaN : this.#e2.peek(e1);
		if (Number.isNaN(e2)) return null;
		return orNull(mix(e1, e2, this.#e3 === null ? null : this.#e3.peek(e2)));
	}

	protected save(): EmaState[] {
		return [this.#e1, this.#e2, ...(this.#e3 ? [this.#e3] : [])].map((e) => e.save());
	}

	protected restore(s: EmaState[]): void {
		this.#e1.load(s[0]);
		this.#e2.load(s[1]);
		this.#e3?.load(s[2]);
		this.row[0] = mix(this.#e1.value, this.#e2.value, this.#e3 === null ? null : this.#e3.value);
	}
}

/** TA-Lib's exact expressions; NaN (warm-up) propagates. */
function mix(e1: number, e2: number, e3: number | null): number {
	return e3 === null ? 2.0 * e1 - e2 : e3 + (3.0 * e1 - 3.0 * e2);
}

export class Dema extends ChainedEma {
	constructor(period = 20) {
		super("dema", period);
	}
}

export class Tema extends ChainedEma {
	constructor(period = 20) {
		super("tema", period);
	}
}
