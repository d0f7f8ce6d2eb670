/**
 * Example strategy plug-in (docs/plugins.md): RSI mean reversion. Long when RSI(n) climbs back
 * above `low` (leaving oversold), short when it falls back below `high` (leaving overbought).
 * Strength = how far RSI moved past the level, 10 points counting as full strength.
 * `rsi-revert:14:30:70` in `analysis.strategies`; it reads the built-in RSI, so inside a symbol's
 * timeframe it shares that RSI with the published `rsi:14` column instead of computing its own.
 */
import { type AnyIndicator, type Bar, clamp01, createIndicator, cross, definePlugin, Strategy } from "../../lib/plugins/api.ts";

const INPUTS = Object.freeze(["close", "rsi"]);

export class RsiRevertStrategy extends Strategy {
	constructor(period = 14, low = 30, high = 70) {
		if (!(low > 0 && low < high && high < 100)) throw new RangeError(`rsi-revert needs 0 < low < high < 100, got ${low}, ${high}`);
		super([period, low, high], createIndicator({ kind: "rsi", params: [period] }), null, 1); // memory: previous RSI
	}

	get name(): string {
		return "rsi-revert";
	}

	get inputNames(): readonly string[] {
		return INPUTS;
	}

	reason(direction: 1 | -1): string {
		return direction > 0 ? `RSI(${this.param(0)}) rose back above ${this.param(1)}: leaving oversold` : `RSI(${this.param(0)}) fell back below ${this.param(2)}: leaving overbought`;
	}

	protected evaluate(bar: Bar) {
		const rsi = (this.first as AnyIndicator & { value: number | null }).value ?? NaN;
		const m = this.arena.f64;
		const prev = m[this.mem];
		m[this.mem] = rsi;
		const low = this.param(1);
		const high = this.param(2);
		if (cross(prev, low, rsi, low) === 1) return this.signal(bar, 1, clamp01((rsi - low) / 10), [bar.close, rsi]);
		if (cross(prev, high, rsi, high) === -1) return this.signal(bar, -1, clamp01((high - rsi) / 10), [bar.close, rsi]);
		return null;
	}
}

/** The batch rule, for the contract test: [bar index, direction] from the RSI column. */
export function rsiRevertBatch(rsi: ReadonlyArray<number | null>, low: number, high: number): Array<[number, "long" | "short"]> {
	const out: Array<[number, "long" | "short"]> = [];
	for (let i = 1; i < rsi.length; i++) {
		const [p, r] = [rsi[i - 1], rsi[i]];
		if (p === null || r === null) continue;
		if (p <= low && r > low) out.push([i, "long"]);
		else if (p >= high && r < high) out.push([i, "short"]);
	}
	return out;
}

export default definePlugin({
	apiVersion: 1,
	name: "example-rsi-revert",
	strategies: [{ name: "rsi-revert", make: ([n, low, high]) => new RsiRevertStrategy(n, low, high) }],
});
