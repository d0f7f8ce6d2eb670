/**
 * The Alerts view (docs/alerts.md): the caller's rules (admins: every rule but the built-in system
 * ones) with a form to create one and a button to delete each, and the live alert feed: the last
 * hour's history from REST, then `alerts:me` over the WebSocket (no replay: a reconnect reads REST).
 */
import type { AlertRule } from "../../lib/alerts/rule.ts";
import { api, ApiError } from "./api.ts";
import { esc, failure } from "./panels.ts";
import type { Frame, StreamClient } from "./stream.ts";

export interface Alert {
	alert_id: string;
	rule_id: string;
	rule_name: string;
	severity: string;
	message: string;
	ts: number;
	inputs: Record<string, unknown>;
}

const TOPIC = "alerts:me";
const FEED_MAX = 50;
/** Sources that fire on every matching update: no op, no value. */
const EVERY_UPDATE = new Set(["signal", "event", "pattern"]);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class AlertsWidget {
	readonly feed: Alert[] = [];
	rules: AlertRule[] = [];
	#opened = false;

	constructor(
		private readonly stream: StreamClient,
		private readonly symbol: () => string | null,
	) {
		$("rule-form").addEventListener("submit", e => {
			e.preventDefault();
			void this.create();
		});
		$("rules").addEventListener("click", e => {
			const b = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-delete]");
			if (b) void this.remove(b.dataset.delete!);
		});
	}

	open(): void {
		const sym = $<HTMLInputElement>("rule-symbol");
		if (!sym.value && this.symbol()) sym.value = this.symbol()!;
		if (this.#opened) return;
		this.#opened = true;
		this.stream.subscribe([TOPIC]);
		void this.loadRules();
		void this.loadFeed();
	}

	resync(): void {
		if (this.#opened) void this.loadFeed();
	}

	onFrame(f: Frame): boolean {
		if (!f.topic?.startsWith("alerts:")) return false;
		if (f.topic === TOPIC && f.type === "update") this.#add([f.data as Alert]);
		return true;
	}

	async loadRules(): Promise<void> {
		try {
			const page = await api<{ items: AlertRule[] }>("/api/v1/alerts/rules?limit=1000");
			this.rules = page.items.filter(r => r.owner !== "system");
			const cond = (r: AlertRule) => {
				const c = r.condition;
				return [c.source, c.symbol, c.tf, c.field, c.metric, c.op, c.value].filter(x => x !== undefined && x !== "").join(" ");
			};
			$("rules").innerHTML = this.rules.length
				? this.rules
						.map(
							r =>
								`<li data-rule="${esc(r.id)}"><strong>${esc(r.name)}</strong> <span class="muted">${esc(r.severity)}</span><br><code>${esc(cond(r))}</code> <button type="button" data-delete="${esc(r.id)}" aria-label="Delete rule ${esc(r.name)}">Delete</button></li>`,
						)
						.join("")
				: `<li class="muted">no rules yet</li>`;
		} catch (err) {
			$("rules").innerHTML = `<li>${failure(err)}</li>`;
		}
	}

	async loadFeed(): Promise<void> {
		try {
			const page = await api<{ items: Alert[] }>(`/api/v1/alerts/history?from=${Date.now() - 3_600_000}&limit=1000`);
			this.#add(page.items);
		} catch (err) {
			$("alert-feed").innerHTML = `<li>${failure(err)}</li>`;
		}
	}

	/** The form as a rule: empty fields are left out; op and value only where the source compares. */
	async create(): Promise<void> {
		const form = $<HTMLFormElement>("rule-form");
		const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();
		const source = v("source");
		const condition: Record<string, unknown> = { source };
		for (const k of ["symbol", "tf", "field", "metric"]) if (v(k)) condition[k] = k === "symbol" ? v(k).toUpperCase() : v(k);
		if (!EVERY_UPDATE.has(source)) {
			condition.op = v("op");
			if (v("value") !== "") condition.value = Number(v("value"));
		}
		const body: Record<string, unknown> = { name: v("name"), condition, severity: v("severity") };
		if (v("cooldown_ms") !== "") body.cooldown_ms = Number(v("cooldown_ms"));
		const msg = $("rule-msg");
		try {
			const { id } = await api<{ id: string }>("/api/v1/alerts/rules", { method: "POST", body });
			msg.className = "ok";
			msg.textContent = `Rule ${id} created.`;
			msg.dataset.ruleId = id;
			await this.loadRules();
		} catch (err) {
			msg.className = "err";
			const fields = err instanceof ApiError ? err.details?.map(d => d.field).join(", ") : "";
			msg.textContent = `${(err as Error).message}${fields ? ` (check: ${fields})` : ""}`;
		}
	}

	async remove(id: string): Promise<void> {
		try {
			await api(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { method: "DELETE" });
		} catch (err) {
			$("rule-msg").innerHTML = failure(err);
		}
		await this.loadRules();
	}

	#add(alerts: Alert[]): void {
		const known = new Set(this.feed.map(a => a.alert_id));
		for (const a of alerts) if (!known.has(a.alert_id)) this.feed.push(a);
		this.feed.sort((a, b) => b.ts - a.ts);
		this.feed.length = Math.min(this.feed.length, FEED_MAX);
		$("alert-feed").innerHTML = this.feed.length
			? this.feed
					.map(
						a =>
							`<li data-alert="${esc(a.alert_id)}" data-rule="${esc(a.rule_id)}" class="sev-${esc(a.severity)}"><time datetime="${new Date(a.ts).toISOString()}">${new Date(a.ts).toISOString().slice(11, 19)}</time> <strong>${esc(a.rule_name)}</strong> <span class="muted">${esc(a.severity)}</span> ${esc(a.message)}</li>`,
					)
					.join("")
			: `<li class="muted">no alerts in the last hour</li>`;
	}
}
