import type { Bar } from "../bars/bar.ts";
import { EmaCore, type EmaState } from "./core/ema-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** Exponential moving average of closes, k = 2/(n+1), seeded with the SMA of the first n (TA-Lib EMA). */
export class Ema extends ScalarIndicator {
	readonly kind = "ema";
	readonly params: readonly number[];
	readonly lookback: number;
	#core: EmaCore;

	constructor(period = 20) {
		super();
		this.#core = new EmaCore(period);
		this.params = [period];
		this.lookback = this.#core.lookback;
	}

	get value(): number | null {
		return orNull(this.#core.value);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.row[0] = this.#core.push(bar.close);
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): number | null {
		return orNull(this.#core.peek(bar.close));
	}

	protected save(): EmaState {
		return this.#core.save();
	}

	protected restore(s: EmaState): void {
		this.#core.load(s);
	}
}
