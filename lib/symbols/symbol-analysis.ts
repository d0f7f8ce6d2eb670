/**
 * A symbol's bars, indicators and signals for each of its timeframes, fed one tick at a time.
 *
 * A bar is *final* once the newest tick time (the watermark) is past its end plus the late
 * tolerance: no tick can change it any more. Indicators and strategies see each bar exactly once,
 * when it becomes final, so their values depend only on the accepted ticks in log order — a
 * replay of the log on another node gives identical results. The forming bar and provisional
 * indicator values are published as they change, at most once per `publishEveryMs` of tick time.
 */
import { BarBuilder, type BarBuilderState } from "../bars/bar-builder.ts";
import type { BuiltBar, Trade } from "../bars/bar-slot.ts";
import { TIMEFRAME_MS, type Timeframe } from "../bars/timeframes.ts";
import { IndicatorSet } from "../indicators/indicator-set.ts";
import type { IndicatorState } from "../indicators/indicator.ts";
import { createStrategy, restoreStrategy, signalOf, type Signal, type Strategy, type StrategyState } from "../strategies/index.ts";

export interface AnalysisConfig {
	timeframes: Timeframe[];
	/** Indicator specs, e.g. "macd:12:26:9". */
	indicators: string[];
	/** Strategy specs, e.g. "ma-cross:10:30". */
	strategies: string[];
	/** How far behind the newest tick a tick may be and still land in its bar; older ones are refused. */
	lateToleranceMs: number;
	/** Closed bars kept per timeframe. */
	maxBars: number;
	/** Forming bars and provisional indicators are published at most this often (tick time) per timeframe. */
	publishEveryMs: number;
	signalHistory: number;
}

export type AnalysisEvent =
	| { type: "bar"; tf: Timeframe; bar: BuiltBar; final: boolean }
	| { type: "indicators"; tf: Timeframe; time: number; final: boolean; values: Record<string, number | null> }
	| { type: "signal"; tf: Timeframe; signal: Signal };

export interface TimeframeIndicators {
	tf: Timeframe;
	/** Values after the last final bar, and that bar's open time. */
	final: { time: number | null; values: Record<string, number | null> };
	/** Values if the forming bar closed now; null without a forming bar. */
	provisional: { time: number; values: Record<string, number | null> } | null;
}

interface TfState {
	tf: Timeframe;
	builder: BarBuilder;
	set: IndicatorSet;
	strategies: Strategy[];
	/** The newest final bar's open time: the closed bars after it are the ones not final yet. */
	lastFinalTime: number | null;
	lastPublishTs: number;
}

export interface AnalysisState {
	watermark: number | null;
	timeframes: Array<{ builder: BarBuilderState; indicators: IndicatorState[]; strategies: StrategyState[]; pending: number[]; lastFinalTime: number | null }>;
	signals: Array<Signal & { tf: Timeframe }>;
}

// A stored signal is a record of numbers: a key ((timeframe index · 1024 + strategy index) · 2 + 1 for
// long), strength, bar time, then the strategy's inputs. The objects (with the reason text) are
// rebuilt when read. The history grows by half (at least 4 records) up to cfg.signalHistory.
const KEY = 0,
	STRENGTH = 1,
	BAR_TIME = 2,
	INPUTS = 3;
const signalKey = (tf: number, strategy: number, direction: 1 | -1) => (tf * 1024 + strategy) * 2 + (direction > 0 ? 1 : 0);

export class SymbolAnalysis {
	#tfs: TfState[];
	#watermark = -Infinity;
	/** The last cfg.signalHistory signals as records of `#stride` numbers, a ring from `#signalHead`. */
	#signals: number[] | null = null; // doubles, unboxed: cheaper than a Float64Array's headers
	#signalHead = 0;
	#signalCount = 0;
	readonly #stride: number;

	constructor(
		readonly cfg: AnalysisConfig,
		state?: AnalysisState,
	) {
		if (cfg.strategies.length >= 1024) throw new RangeError(`at most 1023 strategies per timeframe, got ${cfg.strategies.length}`);
		this.#tfs = cfg.timeframes.map((tf, i) => {
			const s = state?.timeframes[i];
			const usable = s !== undefined && s.builder.timeframe === tf;
			// Strategies read the timeframe's indicators rather than keeping copies of their own: the
			// ones the published list lacks join the set unpublished.
			let set: IndicatorSet;
			let strategies: Strategy[];
			if (usable) {
				set = IndicatorSet.fromJSON(s.indicators, cfg.indicators.length);
				strategies = s.strategies.map(x => restoreStrategy(x, set));
			} else {
				const own = cfg.strategies.map(x => createStrategy(x));
				set = new IndicatorSet(
					cfg.indicators,
					own.flatMap(x => x.indicators),
				);
				strategies = own.map(x => x.shareIndicators(set));
			}
			return {
				tf,
				builder: usable ? BarBuilder.fromJSON(s.builder, this.#builderOpts()) : new BarBuilder(tf, this.#builderOpts()),
				set,
				strategies,
				lastFinalTime: usable ? s.lastFinalTime : null,
				lastPublishTs: -Infinity,
			};
		});
		this.#stride = INPUTS + Math.max(0, ...this.#tfs.flatMap(s => s.strategies.map(x => x.inputNames.length)));
		if (state) {
			this.#watermark = state.watermark ?? -Infinity;
			for (const sig of state.signals.slice(-cfg.signalHistory)) this.#restoreSignal(sig);
		}
	}

	/** Stores a signal read from a snapshot, attributed to the strategy whose reason text it carries. */
	#restoreSignal(sig: Signal & { tf: Timeframe }): void {
		const tf = this.#tfs.findIndex(s => s.tf === sig.tf);
		if (tf < 0) return;
		const named = this.#tfs[tf].strategies.filter(x => x.name === sig.strategy);
		const direction = sig.direction === "long" ? 1 : -1;
		const strategy = named.find(x => x.reason(direction, sig.inputs) === sig.reason) ?? named[0];
		if (strategy === undefined) return;
		const inputs = strategy.inputNames.map(n => sig.inputs[n] ?? NaN);
		this.#storeSignal(tf, this.#tfs[tf].strategies.indexOf(strategy), direction, sig.strength, sig.barTime, inputs);
	}

	#storeSignal(tf: number, strategy: number, direction: 1 | -1, strength: number, barTime: number, inputs: readonly number[]): void {
		const cap = this.cfg.signalHistory;
		if (cap < 1) return;
		const stride = this.#stride;
		let buf = this.#signals;
		const held = buf === null ? 0 : buf.length / stride;
		if (this.#signalCount === held && held < cap) {
			// Grow in chunks: the ring is still in order from 0 while it is not full.
			const grown = new Array<number>(Math.min(cap, held + Math.max(4, held >> 1)) * stride).fill(0);
			if (buf !== null) for (let k = 0; k < buf.length; k++) grown[k] = buf[k];
			buf = this.#signals = grown;
		}
		const rows = buf!.length / stride;
		let slot: number;
		if (this.#signalCount < rows) slot = this.#signalHead + this.#signalCount++;
		else {
			slot = this.#signalHead;
			this.#signalHead = slot + 1 === rows ? 0 : slot + 1;
		}
		if (slot >= rows) slot -= rows;
		const o = slot * stride;
		buf![o + KEY] = signalKey(tf, strategy, direction);
		buf![o + STRENGTH] = strength;
		buf![o + BAR_TIME] = barTime;
		for (let i = 0; i < inputs.length; i++) buf![o + INPUTS + i] = inputs[i];
	}

	/** The i-th stored signal, 0 = oldest, as the object that was emitted. */
	#signalAt(i: number): Signal & { tf: Timeframe } {
		const buf = this.#signals!;
		const rows = buf.length / this.#stride;
		let slot = this.#signalHead + i;
		if (slot >= rows) slot -= rows;
		const o = slot * this.#stride;
		const key = buf[o + KEY];
		const s = this.#tfs[Math.floor(key / 2048)];
		const strategy = s.strategies[Math.floor(key / 2) % 1024];
		const inputs = buf.slice(o + INPUTS, o + INPUTS + strategy.inputNames.length);
		return { ...signalOf(strategy, key % 2 === 1 ? 1 : -1, buf[o + STRENGTH], inputs, buf[o + BAR_TIME]), tf: s.tf };
	}

	#builderOpts() {
		// The builder must never refuse what we accepted: our tolerance check runs first.
		return { lateToleranceMs: this.cfg.lateToleranceMs, maxBars: this.cfg.maxBars };
	}

	get watermark(): number {
		return this.#watermark;
	}

	/** Why a tick at `ts` would be refused given the newest tick time `watermark`, or null. */
	lateReason(ts: number, watermark = this.#watermark): string | null {
		if (ts >= watermark - this.cfg.lateToleranceMs) return null;
		return `tick is ${watermark - ts} ms older than the newest (${new Date(watermark).toISOString()}); tolerance is ${this.cfg.lateToleranceMs} ms`;
	}

	/** Feed one accepted tick; `emit` receives what changed, in order. */
	apply(t: Trade, emit: (e: AnalysisEvent) => void): void {
		if (t.ts > this.#watermark) this.#watermark = t.ts;
		for (const s of this.#tfs) {
			// The bars are built as objects only when published (at most every publishEveryMs).
			const r = s.builder.accept(t);
			if (r === "refused") continue;
			if (r === "amended") emit({ type: "bar", tf: s.tf, bar: s.builder.amended!, final: false });
			this.#finalize(s, emit);
			if (s.builder.hasForming && (t.ts - s.lastPublishTs >= this.cfg.publishEveryMs || r === "closed")) {
				const forming = s.builder.forming!;
				s.lastPublishTs = t.ts;
				emit({ type: "bar", tf: s.tf, bar: forming, final: false });
				if (s.set.peek(forming) === null) emit({ type: "indicators", tf: s.tf, time: forming.time, final: false, values: s.set.snapshot(true) });
			}
		}
	}

	#finalize(s: TfState, emit: (e: AnalysisEvent) => void): void {
		// A closed bar that left the bounded history before it became final is never committed.
		const limit = this.#watermark - TIMEFRAME_MS[s.tf] - this.cfg.lateToleranceMs;
		for (;;) {
			// Up to the limit: a closed bar waits here through the late tolerance, checked every tick,
			// and is built only once it is final.
			const bar = s.builder.closedAfter(s.lastFinalTime ?? -Infinity, limit);
			if (bar === undefined) break;
			const time = bar.time;
			s.set.update(bar);
			s.lastFinalTime = time;
			emit({ type: "bar", tf: s.tf, bar, final: true });
			emit({ type: "indicators", tf: s.tf, time, final: true, values: s.set.snapshot() });
			for (let k = 0; k < s.strategies.length; k++) {
				const strat = s.strategies[k];
				const sig = strat.update(bar);
				if (!sig) continue;
				const inputs = strat.inputNames.map(n => sig.inputs[n]);
				this.#storeSignal(this.#tfs.indexOf(s), k, sig.direction === "long" ? 1 : -1, sig.strength, sig.barTime, inputs);
				emit({ type: "signal", tf: s.tf, signal: sig });
			}
		}
	}

	#tf(tf: Timeframe): TfState | undefined {
		return this.#tfs.find(s => s.tf === tf);
	}

	get timeframes(): Timeframe[] {
		return this.#tfs.map(s => s.tf);
	}

	/** The newest `limit` bars of a timeframe, oldest first, the forming bar last. */
	bars(tf: Timeframe, limit: number): BuiltBar[] | null {
		const s = this.#tf(tf);
		if (!s) return null;
		const forming = s.builder.forming;
		const closed = s.builder.recent(forming ? limit - 1 : limit);
		if (forming && limit > 0) closed.push({ ...forming });
		return closed;
	}

	/** Closed bars only, oldest first (the forming one left out): what strategies have seen. */
	closedBars(tf: Timeframe, limit: number): BuiltBar[] | null {
		const s = this.#tf(tf);
		return s ? s.builder.recent(limit) : null;
	}

	indicators(tf: Timeframe): TimeframeIndicators | null {
		const s = this.#tf(tf);
		if (!s) return null;
		const forming = s.builder.forming;
		const provisional = forming && s.set.peek(forming) === null ? { time: forming.time, values: s.set.snapshot(true) } : null;
		return { tf, final: { time: s.lastFinalTime, values: s.set.snapshot() }, provisional };
	}

	/** Recent signals, newest first. */
	signals(limit: number, tf?: Timeframe): Array<Signal & { tf: Timeframe }> {
		const out: Array<Signal & { tf: Timeframe }> = [];
		let want = -1;
		if (tf !== undefined) {
			want = this.#tfs.findIndex(s => s.tf === tf);
			if (want < 0) return out;
		}
		const buf = this.#signals;
		const rows = buf === null ? 0 : buf.length / this.#stride;
		for (let i = this.#signalCount - 1; i >= 0 && out.length < limit; i--) {
			let slot = this.#signalHead + i;
			if (slot >= rows) slot -= rows;
			if (want < 0 || Math.floor(buf![slot * this.#stride + KEY] / 2048) === want) out.push(this.#signalAt(i));
		}
		return out;
	}

	/** Open times of the closed bars not final yet, oldest first (kept in snapshots; derived on restore). */
	#pending(s: TfState): number[] {
		const out: number[] = [];
		for (let bar = s.builder.closedAfter(s.lastFinalTime ?? -Infinity); bar !== undefined; bar = s.builder.closedAfter(bar.time)) out.push(bar.time);
		return out;
	}

	toJSON(): AnalysisState {
		return {
			watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
			timeframes: this.#tfs.map(s => ({ builder: s.builder.toJSON(), indicators: s.set.toJSON(), strategies: s.strategies.map(x => x.toJSON()), pending: this.#pending(s), lastFinalTime: s.lastFinalTime })),
			signals: Array.from({ length: this.#signalCount }, (_, i) => this.#signalAt(i)),
		};
	}
}
