import type { Bar } from "../bars/bar.ts";
import { CumulativeIndicator } from "./indicator.ts";
import { checkBar } from "./validate.ts";

/** A bar that may name its trading session; VWAP restarts whenever the name changes. */
export interface SessionBar extends Bar {
	session?: string | number;
}

export type SessionOf = (bar: SessionBar) => string | number;

const DAY_MS = 86_400_000;

/** The bar's own `session` if it has one, else its UTC calendar day. */
export const defaultSession: SessionOf = bar => bar.session ?? Math.floor(bar.time / DAY_MS);

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
export class Vwap extends CumulativeIndicator {
	readonly sessionOf: SessionOf;
	// A day number (a small integer) or the bar's own session name: neither is a boxed double.
	#session: string | number | null = null;

	get kind(): string {
		return "vwap";
	}

	protected get slots(): number {
		return 2;
	}

	constructor(sessionOf: SessionOf = defaultSession) {
		super(2); // [Σ typical·volume, Σ volume] of the session
		const m = this.arena.f64;
		m[this.o] = 0;
		m[this.o + 1] = 0;
		this.sessionOf = sessionOf;
	}

	update(bar: Bar): string | null {
		const reason = checkBar(bar);
		if (reason !== null) return reason;
		const m = this.arena.f64;
		const o = this.o;
		const session = this.sessionOf(bar);
		if (session !== this.#session) {
			this.#session = session;
			m[o] = 0;
			m[o + 1] = 0;
		}
		const pv = (m[o] += typicalPrice(bar) * bar.volume);
		const volume = (m[o + 1] += bar.volume);
		// Two assignments, not `volume > 0 ? pv / volume : NaN`: that form boxes its number (docs/plugins.md).
		if (volume > 0) m[this.at] = pv / volume;
		else m[this.at] = NaN;
		this.accepted++;
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const fresh = this.sessionOf(bar) !== this.#session;
		const pv = (fresh ? 0 : m[this.o]) + typicalPrice(bar) * bar.volume;
		const volume = (fresh ? 0 : m[this.o + 1]) + bar.volume;
		out[at] = volume > 0 ? pv / volume : NaN;
	}

	protected save(): VwapState {
		const m = this.arena.f64;
		return { session: this.#session, pv: m[this.o], volume: m[this.o + 1] };
	}

	protected restore(s: VwapState): void {
		const m = this.arena.f64;
		this.#session = s.session;
		m[this.o] = s.pv;
		m[this.o + 1] = s.volume;
		m[this.at] = s.volume > 0 ? s.pv / s.volume : NaN;
	}
}

/** (high + low + close)/3. */
export function typicalPrice(bar: Bar): number {
	return (bar.high + bar.low + bar.close) / 3;
}
