/**
 * The Events view's widgets (docs/events.md): a live feed of platform events filtered by type
 * (REST for the last minutes, then `events:{type}` over the WebSocket), and a window widget for one
 * metric and window (REST, then `analytics:{window}:{name}`). Neither topic has a snapshot or a
 * replay, so a (re)subscription reads REST again.
 */
import { EVENT_TYPES } from "../../lib/events/event-types.ts";
import { WINDOWS } from "../../lib/analytics/window-spec.ts";
import { api } from "./api.ts";
import { esc, failure } from "./panels.ts";
import type { Frame, StreamClient } from "./stream.ts";

export interface PlatformEvent {
	id: string;
	seq: number;
	type: string;
	ts: number;
	entity?: string | null;
	severity: string;
	data: Record<string, unknown>;
}
export interface WindowAnswer {
	name: string;
	window: string;
	from: number;
	to: number;
	count: number;
	avg: number | null;
	p50: number | null;
	p95: number | null;
	p99: number | null;
	min: number | null;
	max: number | null;
}

const FEED_MAX = 50;
const FIELDS = ["count", "avg", "p50", "p95", "p99", "min", "max"] as const;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const time = (ts: number) => new Date(ts).toISOString().slice(11, 19);

export class LiveWidgets {
	/** Event ids in the feed, newest first (bounded by FEED_MAX), and the shown window answer. */
	readonly feed: PlatformEvent[] = [];
	shownWindow: WindowAnswer | null = null;
	#eventTopic: string | null = null;
	#windowTopic: string | null = null;
	#opened = false;

	constructor(private readonly stream: StreamClient) {
		$<HTMLSelectElement>("ev-type").innerHTML = `<option value="*">all types</option>${EVENT_TYPES.map(t => `<option>${t}</option>`).join("")}`;
		$<HTMLSelectElement>("win-window").innerHTML = WINDOWS.map(w => `<option${w === "5m" ? " selected" : ""}>${w}</option>`).join("");
		$("ev-type").addEventListener("change", () => void this.showEvents());
		$("win-metric").addEventListener("change", () => void this.showWindow());
		$("win-window").addEventListener("change", () => void this.showWindow());
		$("win-refresh").addEventListener("click", () => void this.loadMetrics());
	}

	/** First opening of the view: the feed and the metric list. */
	open(): void {
		if (this.#opened) return;
		this.#opened = true;
		void this.showEvents();
		void this.loadMetrics();
	}

	/** After a reconnect the topics are subscribed again with no replay: REST fills what was missed. */
	resync(): void {
		if (!this.#opened) return;
		void this.showEvents();
		if (this.#windowTopic) void this.showWindow();
	}

	/** True when the frame was one of this view's topics. */
	onFrame(f: Frame): boolean {
		const topic = f.topic ?? "";
		if (topic.startsWith("events:")) {
			if (topic === this.#eventTopic && f.type === "update") this.#addEvents([f.data as PlatformEvent]);
			return true;
		}
		if (topic.startsWith("analytics:")) {
			if (topic === this.#windowTopic && f.type === "update") this.#setWindow(f.data as WindowAnswer);
			return true;
		}
		return false;
	}

	async showEvents(): Promise<void> {
		const type = $<HTMLSelectElement>("ev-type").value;
		const topic = `events:${type}`;
		if (this.#eventTopic && this.#eventTopic !== topic) this.stream.unsubscribe([this.#eventTopic]);
		this.#eventTopic = topic;
		// Subscribed first: an event stored during the REST read comes by both, and is shown once.
		this.stream.subscribe([topic]);
		this.feed.length = 0;
		$("events").innerHTML = `<li class="muted">loading…</li>`;
		try {
			const q = new URLSearchParams({ from: String(Date.now() - 15 * 60_000), limit: "1000" });
			if (type !== "*") q.set("type", type);
			const page = await api<{ items: PlatformEvent[] }>(`/api/v1/events?${q}`);
			if (this.#eventTopic !== topic) return;
			this.#addEvents(page.items);
		} catch (err) {
			$("events").innerHTML = `<li>${failure(err)}</li>`;
		}
	}

	#addEvents(events: PlatformEvent[]): void {
		const known = new Set(this.feed.map(e => e.id));
		for (const e of events) if (!known.has(e.id)) this.feed.push(e);
		this.feed.sort((a, b) => b.ts - a.ts || b.seq - a.seq);
		this.feed.length = Math.min(this.feed.length, FEED_MAX);
		$("events").innerHTML = this.feed.length
			? this.feed
					.map(e => {
						const d = JSON.stringify(e.data);
						return `<li data-id="${esc(e.id)}" class="sev-${esc(e.severity)}"><time datetime="${new Date(e.ts).toISOString()}">${time(e.ts)}</time> <strong>${esc(e.type)}</strong>${e.entity ? ` ${esc(e.entity)}` : ""} <span class="muted">${esc(e.severity)}</span> <code>${esc(d.length > 160 ? `${d.slice(0, 160)}…` : d)}</code></li>`;
					})
					.join("")
			: `<li class="muted">no events in the last 15 minutes</li>`;
	}

	async loadMetrics(): Promise<void> {
		const sel = $<HTMLSelectElement>("win-metric");
		try {
			const { items } = await api<{ items: string[] }>("/api/v1/analytics/metrics");
			const current = sel.value;
			sel.innerHTML = `<option value="">choose a metric</option>${items.map(m => `<option${m === current ? " selected" : ""}>${esc(m)}</option>`).join("")}`;
		} catch (err) {
			$("window").innerHTML = failure(err);
		}
	}

	async showWindow(): Promise<void> {
		const name = $<HTMLSelectElement>("win-metric").value;
		const win = $<HTMLSelectElement>("win-window").value;
		if (this.#windowTopic) this.stream.unsubscribe([this.#windowTopic]);
		this.#windowTopic = null;
		this.shownWindow = null;
		if (!name) {
			$("window").innerHTML = "";
			return;
		}
		const topic = `analytics:${win}:${name}`;
		this.#windowTopic = topic;
		this.stream.subscribe([topic]);
		try {
			const w = await api<WindowAnswer>(`/api/v1/analytics/windows/${encodeURIComponent(name)}?window=${win}`);
			if (this.#windowTopic === topic) this.#setWindow(w);
		} catch (err) {
			$("window").innerHTML = failure(err);
		}
	}

	/** An answer older than the shown one (a REST read overtaken by an update) is not shown. */
	#setWindow(w: WindowAnswer): void {
		if (this.shownWindow && w.to < this.shownWindow.to) return;
		this.shownWindow = w;
		const n = (v: number | null) => (v === null ? "–" : Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 2 : 4));
		$("window").innerHTML =
			`<p class="muted">${esc(w.name)} over ${esc(w.window)}: ${time(w.from)}–${time(w.to)} UTC</p><dl class="legend">${FIELDS.map(k => `<div><dt>${k}</dt><dd data-field="${k}" data-value="${w[k] ?? ""}">${n(w[k])}</dd></div>`).join("")}</dl>`;
	}
}
