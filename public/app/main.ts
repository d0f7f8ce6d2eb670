/**
 * Rookery dashboard: watchlist, live chart per symbol and timeframe (bars from REST, then the
 * WebSocket with resume), indicator legend as the server publishes it, signals, intelligence and
 * cluster views. `window.__rookery` is a read-only view of the stream state for browser tests.
 */
import { api, setToken, token, type Bar, type IndicatorValues, type Signal, type Tick } from "./api.ts";
import { PriceChart } from "./chart.ts";
import { AlertsWidget } from "./alerts.ts";
import { LiveWidgets } from "./live.ts";
import { esc, failure, renderCluster, renderIntelligence } from "./panels.ts";
import { StreamClient, type Frame } from "./stream.ts";

const TF_MS: Record<string, number> = { "1s": 1000, "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000 };
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state = {
	symbol: null as string | null,
	tf: "1m",
	symbols: [] as string[],
	prices: new Map<string, number>(),
	/** Seq of the REST answer the chart was loaded from; older frames are already in it. */
	loadedSeq: 0,
	loading: null as Promise<void> | null,
	held: [] as Frame[],
	/** Tick seqs of the shown symbol as received (bounded), and what a gap check found. */
	tickSeqs: [] as number[],
	gaps: 0,
	duplicates: 0,
	legend: null as IndicatorValues | null,
	/** First chart drawn: ms from the REST requests, and ms since navigation start. */
	firstRenderMs: null as number | null,
	firstRenderAt: null as number | null,
	/** How long the last chart.load took (indicators over the bars, series data). */
	chartLoadMs: null as number | null,
	loads: 0,
};

const chart = new PriceChart($("chart"));
const stream = new StreamClient(
	() => {
		const t = token();
		return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws${t ? `?token=${encodeURIComponent(t)}` : ""}`;
	},
	{
		state: (s, detail) => {
			const el = $("conn");
			el.textContent = s === "live" ? "live" : s === "connecting" ? "connecting…" : `disconnected: ${detail ?? ""}; retrying`;
			el.className = `conn ${s === "live" ? "live" : s === "down" ? "down" : ""}`;
			if (s === "live" && stream.connections > 1) {
				widgets.resync();
				alerts.resync();
			}
		},
		frame: f => widgets.onFrame(f) || alerts.onFrame(f) || onFrame(f),
	},
);
const widgets = new LiveWidgets(stream);
const alerts = new AlertsWidget(stream, () => state.symbol);

const topicsOf = (sym: string, tf: string) => [`ticks:${sym}`, `bars:${tf}:${sym}`, `indicators:${sym}`, `signals:${sym}`];

function onFrame(f: Frame): void {
	if (f.type === "error") {
		$("conn").textContent = `stream error ${f.code}: ${f.message}`;
		return;
	}
	const topic = f.topic ?? "";
	const sym = topic.split(":").at(-1)!;
	if (topic.startsWith("ticks:") && sym !== state.symbol) {
		const t = f.data as Tick | undefined;
		if (t && (f.type === "update" || f.type === "snapshot")) setPrice(sym, t.price);
		return;
	}
	if (sym !== state.symbol) return;
	if (state.loading) {
		state.held.push(f);
		return;
	}
	apply(f);
}

function apply(f: Frame): void {
	const topic = f.topic!;
	if (f.type === "reset") {
		// Missed updates that cannot be replayed: the REST answers are the truth again.
		if (topic.startsWith("ticks:")) state.tickSeqs.length = 0;
		else void load(false);
		return;
	}
	if (topic.startsWith("ticks:")) {
		const t = f.data as Tick;
		if (f.type === "update") {
			const prev = state.tickSeqs.at(-1);
			if (prev !== undefined && f.seq! <= prev) state.duplicates++;
			else if (prev !== undefined && f.seq! !== prev + 1) state.gaps++;
			state.tickSeqs.push(f.seq!);
			if (state.tickSeqs.length > 5000) state.tickSeqs.splice(0, 1000);
		} else state.tickSeqs = [f.seq!];
		if (f.seq! > state.loadedSeq) draw({ tick: t });
	} else if (topic.startsWith("bars:")) {
		const d = f.data as { final: boolean; bar: Bar; seq?: number } | null;
		if (!d?.bar || (f.seq ?? 0) < state.loadedSeq) return;
		if (d.final) {
			// Final bars are committed in order, each once; a forming bar waiting to be drawn goes first.
			flush();
			chart.applyBar(d.bar, true);
		} else draw({ bar: d.bar });
	} else if (topic.startsWith("indicators:")) {
		if (f.type === "snapshot") {
			const tfs = (f.data as { timeframes?: Array<{ tf: string; final: IndicatorValues }> } | null)?.timeframes ?? [];
			const mine = tfs.find(x => x.tf === state.tf);
			if (mine) showLegend(mine.final);
		} else {
			const d = f.data as { tf: string; final: boolean; time: number; values: Record<string, number | null> };
			if (d.tf === state.tf && d.final) showLegend({ time: d.time, values: d.values });
		}
	} else if (topic.startsWith("signals:") && f.type === "update") {
		const s = f.data as Signal;
		if (s.tf === state.tf) {
			chart.setSignals([s]);
			addSignalRows([s], true);
		}
	}
}

/**
 * Ticks and forming bars arrive faster than frames (50 ticks/s, each with several frames): only the
 * newest of each is drawn, once per animation frame.
 */
const pending: { tick: Tick | null; bar: Bar | null; frame: number | null } = { tick: null, bar: null, frame: null };
function draw(next: { tick?: Tick; bar?: Bar }): void {
	if (next.bar) {
		pending.bar = next.bar;
		pending.tick = null; // the bar already holds the ticks before it
	}
	if (next.tick) pending.tick = next.tick;
	pending.frame ??= requestAnimationFrame(flush);
}
function flush(): void {
	if (pending.frame !== null) cancelAnimationFrame(pending.frame);
	pending.frame = null;
	const { bar, tick } = pending;
	pending.bar = pending.tick = null;
	if (bar) chart.applyBar(bar, false);
	if (tick) {
		chart.applyTick(tick.price, tick.ts, TF_MS[state.tf]);
		setPrice(tick.symbol, tick.price);
	} else if (bar) setPrice(state.symbol!, bar.close);
}

function setPrice(sym: string, price: number): void {
	state.prices.set(sym, price);
	const el = document.querySelector<HTMLElement>(`#watchlist [data-symbol="${CSS.escape(sym)}"] .p`);
	if (el) el.textContent = price.toFixed(2);
	if (sym === state.symbol) $("chart-price").textContent = price.toFixed(4);
}

function fmt(v: number | null): string {
	if (v === null) return "–";
	const a = Math.abs(v);
	return v.toFixed(a >= 1000 ? 2 : a >= 1 ? 4 : 6);
}

/** The server's values as they are (REST or WS), each with its full-precision number in data-value. */
function showLegend(ind: IndicatorValues): void {
	state.legend = ind;
	$("ind-time").textContent = ind.time !== null ? `(last final ${state.tf} bar ${new Date(ind.time).toISOString().slice(0, 16).replace("T", " ")} UTC)` : "(warming up)";
	$("legend").innerHTML = Object.entries(ind.values)
		.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd data-name="${esc(k)}" data-value="${v === null ? "" : String(v)}">${fmt(v)}</dd></div>`)
		.join("");
}

function addSignalRows(signals: Signal[], prepend = false): void {
	const ol = $("signals");
	const html = signals.map(s => `<li class="${s.direction}">${new Date(s.barTime).toISOString().slice(0, 16).replace("T", " ")} ${esc(s.strategy)} <strong>${s.direction}</strong> (${s.strength.toFixed(2)}): ${esc(s.reason)}</li>`).join("");
	if (prepend) ol.insertAdjacentHTML("afterbegin", html);
	else ol.innerHTML = html || `<li class="muted">none yet</li>`;
	while (ol.children.length > 50) ol.lastElementChild!.remove();
}

/** REST: bars, indicators and signals of the shown symbol and timeframe; frames that arrive meanwhile wait. */
function load(firstRender: boolean): Promise<void> {
	const sym = state.symbol!;
	const tf = state.tf;
	const t0 = performance.now();
	const run = (async () => {
		try {
			const [bars, ind, sig] = await Promise.all([
				api<{ seq: number; bars: Bar[] }>(`/api/v1/symbols/${encodeURIComponent(sym)}/bars?tf=${tf}&limit=500`),
				api<{ seq: number; final: IndicatorValues }>(`/api/v1/symbols/${encodeURIComponent(sym)}/indicators?tf=${tf}`),
				api<{ signals: Signal[] }>(`/api/v1/symbols/${encodeURIComponent(sym)}/signals?tf=${tf}&limit=100`),
			]);
			if (sym !== state.symbol || tf !== state.tf) return;
			state.loadedSeq = Math.min(bars.seq, ind.seq);
			pending.bar = pending.tick = null;
			const c0 = performance.now();
			chart.load(bars.bars, ind.final.time, Object.keys(ind.final.values), sig.signals, tf);
			state.chartLoadMs = performance.now() - c0;
			showLegend(ind.final);
			addSignalRows(sig.signals);
			const last = bars.bars.at(-1);
			if (last) setPrice(sym, last.close);
			state.loads++;
			if (firstRender)
				requestAnimationFrame(() => {
					state.firstRenderAt ??= performance.now();
					state.firstRenderMs ??= state.firstRenderAt - t0;
				});
		} catch (err) {
			$("legend").innerHTML = `<p class="err">${esc((err as Error).message)}</p>`;
		}
	})();
	state.loading = run;
	return run.finally(() => {
		if (state.loading !== run) return;
		state.loading = null;
		const held = state.held;
		state.held = [];
		for (const f of held) apply(f);
	});
}

function show(sym: string, tf = state.tf): void {
	const old = state.symbol;
	if (old === sym && tf === state.tf) return;
	if (old)
		stream.unsubscribe(
			topicsOf(old, state.tf)
				.filter(t => !t.startsWith("ticks:"))
				.concat(state.symbols.includes(old) ? [] : [`ticks:${old}`]),
		);
	state.symbol = sym;
	state.tf = tf;
	state.tickSeqs = [];
	state.gaps = state.duplicates = 0;
	location.hash = `${sym}/${tf}`;
	$("chart-symbol").textContent = sym;
	$("intel-symbol").textContent = sym;
	($("tf") as HTMLSelectElement).value = tf;
	for (const b of document.querySelectorAll<HTMLButtonElement>("#watchlist button")) b.setAttribute("aria-current", String(b.dataset.symbol === sym));
	state.held = [];
	// Subscribed before the REST read: what happens in between is held, then applied by seq.
	const p = load(state.firstRenderMs === null);
	stream.unsubscribe([`ticks:${sym}`]);
	stream.subscribe(topicsOf(sym, tf));
	void p;
}

function renderWatchlist(): void {
	const q = ($("search") as HTMLInputElement).value.trim().toUpperCase();
	const list = state.symbols.filter(s => s.includes(q));
	$("watchlist").innerHTML = list.length
		? list.map(s => `<li><button type="button" data-symbol="${esc(s)}" aria-current="${s === state.symbol}"><span>${esc(s)}</span><span class="p">${state.prices.get(s)?.toFixed(2) ?? ""}</span></button></li>`).join("")
		: `<li class="muted">no symbol matches “${esc(q)}”</li>`;
}

async function loadSymbols(): Promise<void> {
	// A symbol in the address (#AAPL/5m) is loaded at once, beside the watchlist.
	const [hs, htf] = decodeURIComponent(location.hash.slice(1)).split("/");
	if (hs) show(hs.toUpperCase(), htf && htf in TF_MS ? htf : state.tf);
	try {
		const res = await api<{ items: Array<{ symbol: string; price: number | null }> }>("/api/v1/symbols?limit=1000");
		state.symbols = res.items.map(i => i.symbol).sort();
		for (const i of res.items) if (typeof i.price === "number") state.prices.set(i.symbol, i.price);
		renderWatchlist();
		stream.subscribe(
			state.symbols
				.slice(0, 50)
				.filter(s => s !== state.symbol)
				.map(s => `ticks:${s}`),
		);
		if (!state.symbol || !state.symbols.includes(state.symbol)) {
			if (state.symbols[0]) show(state.symbols[0]);
		}
	} catch (err) {
		$("watchlist").innerHTML = `<li>${failure(err)}</li>`;
	}
}

function selectView(view: string): void {
	for (const b of document.querySelectorAll<HTMLButtonElement>("button.tab")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
	for (const v of ["market", "intel", "alerts", "events", "cluster"]) $(`view-${v}`).hidden = v !== view;
	if (view === "events") widgets.open();
	if (view === "alerts") alerts.open();
	if (view === "intel" && state.symbol) void renderIntelligence($("intel"), state.symbol);
	if (view === "cluster") void renderCluster($("cluster"));
}

$("watchlist").addEventListener("click", e => {
	const b = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-symbol]");
	if (b) show(b.dataset.symbol!);
});
$("search").addEventListener("input", renderWatchlist);
$("search").addEventListener("keydown", e => {
	if (e.key !== "Enter") return;
	const first = document.querySelector<HTMLButtonElement>("#watchlist button[data-symbol]");
	if (first) show(first.dataset.symbol!);
});
$("tf").addEventListener("change", e => state.symbol && show(state.symbol, (e.target as HTMLSelectElement).value));
for (const b of document.querySelectorAll<HTMLButtonElement>("button.tab")) b.addEventListener("click", () => selectView(b.dataset.view!));
$("intel-run").addEventListener("click", () => state.symbol && void renderIntelligence($("intel"), state.symbol));
$("cluster-run").addEventListener("click", () => void renderCluster($("cluster")));
$("auth").addEventListener("submit", e => {
	e.preventDefault();
	const input = $("token") as HTMLInputElement;
	setToken(input.value.trim() || null);
	input.value = "";
	restart();
});
$("forget").addEventListener("click", () => {
	setToken(null);
	restart();
});

function restart(): void {
	stream.close();
	state.symbol = null;
	stream.connect();
	void loadSymbols();
}

Object.defineProperty(window, "__rookery", {
	value: Object.freeze({
		get symbol() {
			return state.symbol;
		},
		get tf() {
			return state.tf;
		},
		lastSeq: (topic: string) => stream.lastSeq.get(topic) ?? null,
		tickSeqs: () => [...state.tickSeqs],
		get gaps() {
			return state.gaps;
		},
		get duplicates() {
			return state.duplicates;
		},
		get connections() {
			return stream.connections;
		},
		get loads() {
			return state.loads;
		},
		get firstRenderMs() {
			return state.firstRenderMs;
		},
		get firstRenderAt() {
			return state.firstRenderAt;
		},
		get chartLoadMs() {
			return state.chartLoadMs;
		},
		get bars() {
			return chart.count;
		},
		lastBar: () => (chart.lastBar ? { ...chart.lastBar } : null),
		line: (name: string) => chart.lastPoint(name),
		legend: () => (state.legend ? structuredClone(state.legend) : null),
		feedIds: () => widgets.feed.map(e => e.id),
		alertIds: () => alerts.feed.map(a => a.alert_id),
		shownWindow: () => (widgets.shownWindow ? { ...widgets.shownWindow } : null),
	}),
});

stream.connect();
void loadSymbols();
