import type { Bar } from "../bars/bar.ts";
import { SmaCore, type SmaState } from "./core/sma-core.ts";
import { ScalarIndicator, orNull } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** Simple moving average of closes (TA-Lib SMA). First value at bar period−1. */
export class Sma extends ScalarIndicator {
	readonly kind = "sma";
	readonly params: readonly number[];
	readonly lookback: number;
	#core: SmaCore;
	#value = NaN;

	constructor(period = 20) {
		super();
		this.#core = new SmaCore(period);
		this.params = [period];
		this.lookback = period - 1;
	}

	get value(): number | null {
		return orNull(this.#value);
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		this.row[0] = this.#value = this.#core.push(bar.close);
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): number | null {
		return orNull(this.#core.peek(bar.close));
	}

	protected save(): SmaState & { value: number | null } {
		return { ...this.#core.save(), value: orNull(this.#value) };
	}

	protected restore(s: SmaState & { value: number | null }): void {
		this.#core.load(s);
		this.#value = s.value ?? NaN;
	}
}
