/**
 * The price chart: candles, SMA/EMA/Bollinger overlays, RSI and MACD panes and strategy markers
 * (lightweight-charts). Overlay lines come from lib/indicators — the engine the server runs — over
 * the same bars: committed bars are `update`d, the forming one is `peek`ed, as a symbol actor does.
 */
import { CandlestickSeries, createChart, createSeriesMarkers, HistogramSeries, LineSeries, type IChartApi, type ISeriesApi, type ISeriesMarkersPluginApi, type SeriesMarker, type Time, type UTCTimestamp } from "lightweight-charts";
import { IndicatorSet } from "../../lib/indicators/indicator-set.ts";
import type { Bar, Signal } from "./api.ts";

/** Overlay kinds drawn, with the pane each goes to (0 = price). */
const DRAWN: Record<string, number> = { sma: 0, ema: 0, bbands: 0, rsi: 1, macd: 2 };
const DEFAULT_VALUE_NAMES = ["sma_20", "ema_20", "rsi_14", "macd_12_26_9.macd", "bbands_20_2.upper"];
const COLORS = ["#0b5cad", "#b3541e", "#6a3d9a", "#6a3d9a", "#6a3d9a", "#0a7a3d", "#0b5cad", "#b3541e"];

/** `sma_20` / `macd_12_26_9.hist` → the spec `sma:20` / `macd:12:26:9`, for kinds the chart draws. */
export function drawnSpecs(valueNames: string[]): string[] {
	const specs = new Set<string>();
	for (const k of valueNames) {
		const [kind, ...params] = k.split(".")[0].split("_");
		if (kind in DRAWN) specs.add([kind, ...params].join(":"));
	}
	return [...specs];
}

const sec = (ms: number) => (ms / 1000) as UTCTimestamp;

export class PriceChart {
	readonly chart: IChartApi;
	#candles: ISeriesApi<"Candlestick">;
	#lines = new Map<string, ISeriesApi<"Line"> | ISeriesApi<"Histogram">>();
	#markers: ISeriesMarkersPluginApi<Time>;
	#markerList: SeriesMarker<Time>[] = [];
	#set: IndicatorSet | null = null;
	#specs: string[] = [];
	#committed = -Infinity;
	#last: Bar | null = null;
	count = 0;

	constructor(el: HTMLElement) {
		this.chart = createChart(el, {
			autoSize: true,
			layout: { background: { color: "#ffffff" }, textColor: "#1b1f24", panes: { separatorColor: "#d0d5db" } },
			grid: { vertLines: { color: "#eef0f3" }, horzLines: { color: "#eef0f3" } },
			timeScale: { timeVisible: true, secondsVisible: false },
		});
		this.#candles = this.chart.addSeries(CandlestickSeries, { upColor: "#0a7a3d", downColor: "#b42318", borderVisible: false, wickUpColor: "#0a7a3d", wickDownColor: "#b42318" });
		this.#markers = createSeriesMarkers(this.#candles, []);
		// The server's default indicators: the panes exist before the data, so loading it lays nothing out again.
		this.#makeLines(drawnSpecs(DEFAULT_VALUE_NAMES));
	}

	get lastBar(): Bar | null {
		return this.#last;
	}

	/** All of a symbol's bars (oldest first, forming last), the time of the last final one, and its signals. */
	load(bars: Bar[], finalTime: number | null, valueNames: string[], signals: Signal[], tf: string): void {
		this.chart.applyOptions({ timeScale: { secondsVisible: tf === "1s" } });
		const specs = drawnSpecs(valueNames);
		if (specs.join() !== this.#specs.join()) this.#makeLines(specs);
		this.#set = specs.length > 0 ? new IndicatorSet(specs) : null;
		this.#committed = -Infinity;
		this.#candles.setData(bars.map(b => ({ time: sec(b.time), open: b.open, high: b.high, low: b.low, close: b.close })));
		const points = new Map<string, Array<{ time: UTCTimestamp; value?: number }>>();
		for (const name of this.#lines.keys()) points.set(name, []);
		bars.forEach((b, i) => {
			const commit = finalTime !== null ? b.time <= finalTime : i < bars.length - 1;
			const row = commit ? this.#commit(b) : this.#peek(b);
			for (const [name, list] of points) list.push(row && row[name] !== undefined && Number.isFinite(row[name]) ? { time: sec(b.time), value: row[name] } : { time: sec(b.time) });
		});
		for (const [name, list] of points) this.#lines.get(name)!.setData(list);
		this.#last = bars.at(-1) ?? null;
		this.count = bars.length;
		this.#markerList = [];
		this.setSignals(signals);
		this.chart.timeScale().scrollToRealTime();
	}

	/** A bar frame: the forming bar (peeked) or a final one (committed once). */
	applyBar(b: Bar, final: boolean): void {
		// A bar becomes final after the next one has started forming: an update of an older point.
		const older = this.#last !== null && b.time < this.#last.time;
		if (older) this.#candles.update({ time: sec(b.time), open: b.open, high: b.high, low: b.low, close: b.close }, true);
		else this.#setCandle(b);
		const row = final ? (b.time > this.#committed ? this.#commit(b) : null) : older ? null : this.#peek(b);
		if (row) for (const [name, s] of this.#lines) s.update(Number.isFinite(row[name]) ? { time: sec(b.time), value: row[name] } : { time: sec(b.time) }, older);
	}

	/** A tick moves the forming candle at once (the bar frame that follows carries the volume). */
	applyTick(price: number, ts: number, tfMs: number): void {
		const time = tfMs >= 86_400_000 ? ts - (ts % 86_400_000) : ts - (ts % tfMs);
		const last = this.#last;
		if (last && time < last.time) return;
		const b = last && last.time === time ? { ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price } : { time, open: price, high: price, low: price, close: price, volume: 0 };
		this.#setCandle(b);
	}

	setSignals(signals: Signal[]): void {
		for (const s of signals) this.#markerList.push(markerOf(s));
		this.#markerList.sort((a, b) => (a.time as number) - (b.time as number));
		if (this.#markerList.length > 300) this.#markerList.splice(0, this.#markerList.length - 300);
		this.#markers.setMarkers(this.#markerList);
	}

	/** The value each drawn line shows at its last point, for the page's debug hook. */
	lastPoint(name: string): number | null {
		const d = this.#lines.get(name)?.data();
		const p = d?.at(-1) as { time: number; value?: number } | undefined;
		return p?.value ?? null;
	}

	#setCandle(b: Bar): void {
		if (!this.#last || b.time > this.#last.time) this.count++;
		this.#last = b;
		this.#candles.update({ time: sec(b.time), open: b.open, high: b.high, low: b.low, close: b.close });
	}

	#commit(b: Bar): Record<string, number> | null {
		if (!this.#set || this.#set.update(b) !== null) return null;
		this.#committed = b.time;
		return rowOf(this.#set.columns, this.#set.values);
	}

	#peek(b: Bar): Record<string, number> | null {
		if (!this.#set || this.#set.peek(b) !== null) return null;
		return rowOf(this.#set.columns, this.#set.provisional);
	}

	#makeLines(specs: string[]): void {
		for (const s of this.#lines.values()) this.chart.removeSeries(s);
		this.#lines.clear();
		const columns = specs.length > 0 ? new IndicatorSet(specs).columns : [];
		columns.forEach((name, i) => {
			const kind = name.split("_")[0];
			const pane = DRAWN[kind] ?? 0;
			const base = { lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: pane > 0, title: name.replace(/^[a-z]+_[\d_]+\.?/, "") || name };
			const series = name.endsWith(".hist") ? this.chart.addSeries(HistogramSeries, { color: "#9aa4b1", priceLineVisible: false, title: "hist" }, pane) : this.chart.addSeries(LineSeries, { ...base, color: COLORS[i % COLORS.length] }, pane);
			this.#lines.set(name, series);
		});
		this.#specs = specs;
		// Price 3/5 of the height, RSI and MACD 1/5 each.
		this.chart.panes().forEach((p, i) => p.setStretchFactor(i === 0 ? 3 : 1));
	}
}

function rowOf(columns: readonly string[], values: Float64Array): Record<string, number> {
	const row: Record<string, number> = {};
	for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
	return row;
}

function markerOf(s: Signal): SeriesMarker<Time> {
	const long = s.direction === "long";
	// No text: with five strategies the labels would cover the candles (the list under the chart names them).
	return { time: sec(s.barTime), position: long ? "belowBar" : "aboveBar", color: long ? "#0a7a3d" : "#b42318", shape: long ? "arrowUp" : "arrowDown", size: 0.6 };
}
