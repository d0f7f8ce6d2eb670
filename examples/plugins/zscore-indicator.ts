/**
 * Example indicator plug-in (docs/plugins.md): the z-score of the close over the last n closes,
 *   (close − mean) / σ   (population σ; 0 when the window is flat), first value at bar n − 1.
 * `zscore:20` in `analysis.indicators` publishes column `zscore_20`. State lives in the arena
 * (a ring of the last n closes), so updates allocate nothing and snapshots round-trip.
 */
import { type Bar, checkBar, definePlugin, ringAt, ringFull, ringInit, ringLoad, ringPush, ringSize, ringSlots, ringToJSON, ScalarIndicator, whole } from "../../lib/plugins/api.ts";

export class ZScore extends ScalarIndicator {
	readonly period: number;

	constructor(period = 20) {
		if (!Number.isInteger(period) || period < 2) throw new RangeError(`zscore period must be an integer >= 2, got ${period}`);
		super(ringSlots(period));
		ringInit(this.arena.f64, this.o, period);
		this.period = whole(period);
	}

	protected get slots(): number {
		return ringSlots(this.period);
	}

	get kind(): string {
		return "zscore";
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
		ringPush(m, this.o, bar.close);
		this.accepted++;
		if (ringFull(m, this.o)) zscore(m, this.o, 0, NaN, m, this.at);
		return null;
	}

	protected preview(bar: Bar, out: Float64Array, at: number): void {
		const m = this.arena.f64;
		const size = ringSize(m, this.o);
		// As if pushed: a full ring drops its oldest (index 0), a filling one must reach n.
		if (size === this.period) zscore(m, this.o, 1, bar.close, out, at);
		else if (size === this.period - 1) zscore(m, this.o, 0, bar.close, out, at);
		else out[at] = NaN;
	}

	protected save(): number[] {
		return ringToJSON(this.arena.f64, this.o);
	}

	protected restore(window: number[]): void {
		const m = this.arena.f64;
		ringLoad(m, this.o, window);
		if (ringFull(m, this.o)) zscore(m, this.o, 0, NaN, m, this.at);
		else m[this.at] = NaN;
	}
}

/**
 * Writes to out[at] the z of the newest value over ring[from..size) plus `extra` (when not NaN) as
 * the newest. Written, not returned: a double returned from a call V8 does not inline is boxed,
 * one allocation per update (the contract's no-allocation check caught exactly that).
 */
function zscore(m: Float64Array, o: number, from: number, extra: number, out: Float64Array, at: number): void {
	const size = ringSize(m, o);
	const n = size - from + (Number.isNaN(extra) ? 0 : 1);
	let sum = 0;
	for (let i = from; i < size; i++) sum += ringAt(m, o, i);
	if (!Number.isNaN(extra)) sum += extra;
	const mean = sum / n;
	let ss = 0;
	for (let i = from; i < size; i++) ss += (ringAt(m, o, i) - mean) ** 2;
	if (!Number.isNaN(extra)) ss += (extra - mean) ** 2;
	const sd = Math.sqrt(ss / n);
	const last = Number.isNaN(extra) ? ringAt(m, o, size - 1) : extra;
	out[at] = sd > 0 ? (last - mean) / sd : 0;
}

/** The batch formula, for the contract test: every bar's z-score from scratch. */
export function zscoreBatch(closes: readonly number[], n: number): Array<number | null> {
	return closes.map((_, i) => {
		if (i < n - 1) return null;
		const w = closes.slice(i - n + 1, i + 1);
		const mean = w.reduce((a, x) => a + x, 0) / n;
		const sd = Math.sqrt(w.reduce((a, x) => a + (x - mean) ** 2, 0) / n);
		return sd > 0 ? (closes[i] - mean) / sd : 0;
	});
}

export default definePlugin({
	apiVersion: 1,
	name: "example-zscore",
	indicators: [{ kind: "zscore", defaults: [20], make: ([n]) => new ZScore(n) }],
});
