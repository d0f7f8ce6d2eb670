import type { Bar } from "../bars/bar.ts";
import { ScalarIndicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** A bar that may name its trading session; VWAP restarts whenever the name changes. */
export interface SessionBar extends Bar {
	session?: string | number;
}

export type SessionOf = (bar: SessionBar) => string | number;

const DAY_MS = 86_400_000;

/** The bar's own `session` if it has one, else its UTC calendar day. */
export const defaultSession: SessionOf = (bar) => bar.session ?? Math.floor(bar.time / DAY_MS);

interface VwapState {
	session: string | number | null;
	pv: number;
	volume: number;
}

/**
 * Session VWAP: Σ(typical price · volume) / Σ volume since the session began, typical price =
 * (high + low + close)/3. TA-Lib has no VWAP; this is the common charting definition. Null until the
 * session has traded volume.
 */
export class Vwap extends ScalarIndicator {
	readonly kind = "vwap";
	readonly params: readonly number[] = [];
	readonly lookback = 0;
	readonly sessionOf: SessionOf;
	#session: string | number | null = null;
	#pv = 0;
	#volume = 0;

	constructor(sessionOf: SessionOf = defaultSession) {
		super();
		this.sessionOf = sessionOf;
	}

	get value(): number | null {
		return this.#volume > 0 ? this.#pv / this.#volume : null;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const session = this.sessionOf(bar);
		if (session !== this.#session) {
			this.#session = session;
			this.#pv = 0;
			this.#volume = 0;
		}
		this.#pv += typical(bar) * bar.volume;
		this.#volume += bar.volume;
		this.row[0] = this.#volume > 0 ? this.#pv / this.#volume : NaN;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar): number | null {
		const fresh = this.sessionOf(bar) !== this.#session;
		const pv = (fresh ? 0 : this.#pv) + typical(bar) * bar.volume;
		const volume = (fresh ? 0 : this.#volume) + bar.volume;
		return volume > 0 ? pv / volume : null;
	}

	protected save(): VwapState {
		return { session: this.#session, pv: this.#pv, volume: this.#volume };
	}

	protected restore(s: VwapState): void {
		this.#session = s.session;
		this.#pv = s.pv;
		this.#volume = s.volume;
	}
}

function typical(bar: Bar): number {
	return (bar.high + bar.low + bar.close) / 3;
}
