/**
 * The intelligence and cluster views: each renders one REST answer as HTML (escaped), nothing more.
 */
import { api, ApiError } from "./api.ts";

export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const num = (x: unknown, d = 2) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "–");

/** An error as a paragraph, saying what to do about 401 and 403. */
export function failure(err: unknown): string {
	if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return `<p class="err">${esc(err.message)} — ${err.status === 403 ? "this view needs the admin role" : "enter an API key or token above"}.</p>`;
	return `<p class="err">Could not load: ${esc((err as Error).message)}</p>`;
}

interface AgentAnswer {
	status: string;
	node?: string;
	mode?: string;
	latency_ms?: number;
	error?: { message?: string } | string;
	reason?: string;
	result?: Record<string, any>;
}

/** One line of what an agent answered, by agent. */
function agentSummary(name: string, r: Record<string, any> | undefined): string {
	if (!r) return "";
	switch (name) {
		case "sentiment":
			return `${esc(r.summary?.label ?? "–")} (score ${num(r.summary?.score)}, ${esc(r.summary?.count ?? 0)} headlines)`;
		case "forecast": {
			const p = r.points?.at(-1);
			return `last ${num(r.last)}; in ${esc(r.horizon)} bars ${num(p?.mean)} (80 %: ${num(p?.lower80)}–${num(p?.upper80)}); direction ${esc(r.direction)}; volatility ${esc(r.volatility?.model ?? "–")}`;
		}
		case "explain":
			return `${esc(r.stance)} (score ${num(r.score, 3)}): ${esc(r.summary ?? "")}<ul>${(r.reasons ?? [])
				.slice(0, 6)
				.map((x: string) => `<li>${esc(x)}</li>`)
				.join("")}</ul>`;
		case "strategy":
			return `${esc(r.stance)}: ${(r.suggestions ?? []).map((s: any) => `${esc(s.action)} ${s.entry != null ? `at ${num(s.entry)} stop ${num(s.stop)} target ${num(s.target)}` : ""} (confidence ${num(s.confidence)})`).join("; ")}`;
		default:
			return `<code>${esc(JSON.stringify(r).slice(0, 300))}</code>`;
	}
}

export async function renderIntelligence(el: HTMLElement, symbol: string): Promise<void> {
	el.innerHTML = `<p class="muted">Asking every agent about ${esc(symbol)}…</p>`;
	try {
		const res = await api<{ symbols: Record<string, any>; agents_failed?: string[]; generated_at?: string; cached?: boolean }>("/api/v1/intelligence/unified", { method: "POST", body: { symbols: [symbol] } });
		const s = res.symbols[symbol];
		const c = s?.confidence ?? {};
		// Every numeric part the server reports (agreement, coverage, health, freshness, evidence, …).
		const parts = Object.keys(c).filter(k => k !== "confidence" && typeof c[k] === "number");
		const agents = Object.entries((s?.agents ?? {}) as Record<string, AgentAnswer>)
			.map(([name, a]) => {
				const err = (typeof a.error === "string" ? a.error : a.error?.message) ?? a.reason;
				return `<article class="agent" data-agent="${esc(name)}"><h3>${esc(name)} <span class="${a.status === "ok" ? "ok" : "failed"}">${esc(a.status)}</span></h3>
${a.node ? `<p class="muted">${esc(a.mode ?? "")} on ${esc(a.node)}, ${esc(a.latency_ms ?? "–")} ms</p>` : ""}${err ? `<p class="err">${esc(err)}</p>` : ""}<div>${agentSummary(name, a.result)}</div></article>`;
			})
			.join("");
		el.innerHTML = `<div class="meter"><label for="conf">Confidence</label><meter id="conf" min="0" max="1" value="${esc(c.confidence ?? 0)}"></meter><strong data-confidence="${esc(c.confidence ?? "")}">${num(c.confidence, 3)}</strong></div>
<table class="narrow"><caption class="sr-only">What the confidence is made of</caption><thead><tr><th scope="col">component</th><th scope="col">value</th></tr></thead><tbody>${parts.map(k => `<tr><td>${esc(k)}</td><td>${num(c[k], 3)}</td></tr>`).join("")}</tbody></table>
<p class="muted">price ${num(s?.price)} · seq ${esc(s?.seq ?? "–")} · data age ${esc(s?.data_age_ms ?? "–")} ms · ${res.cached ? "cached" : "fresh"}${res.agents_failed?.length ? ` · failed: ${esc(res.agents_failed.join(", "))}` : ""}${(s?.notes ?? []).map((n: string) => ` · ${esc(n)}`).join("")}</p>
<div class="agents">${agents}</div>`;
	} catch (err) {
		el.innerHTML = failure(err);
	}
}

function table(head: string[], rows: unknown[][]): string {
	return `<table><thead><tr>${head.map(h => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map(r => `<tr>${r.map(c => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

export async function renderCluster(el: HTMLElement): Promise<void> {
	el.innerHTML = `<p class="muted">Loading…</p>`;
	try {
		const [cluster, agents, workers, health] = await Promise.all([
			api<{ node: string; nodes: Array<{ id: string; available: boolean; services: string[]; symbolCount: number; symbols: string[] }> }>("/api/v1/cluster"),
			api<{ agents: Record<string, { available: boolean; health_score: number; utilization: number; error_rate: number; breaker_state: string; calls: number; latency_ms: { p50: number | null; p99: number | null } }> }>(
				"/api/v1/agents/status",
			),
			api<
				Array<{
					worker_id: string;
					status: string;
					current_vendor: string | null;
					success_count: number;
					error_count: number;
					last_run: string | null;
					last_error: string | null;
					nodes?: Array<{ node: string; pipeline?: { queued: number; dropped: number; degraded: boolean } }>;
				}>
			>("/api/v1/workers"),
			api<{ status: string; mode?: string; uptimeSeconds?: number; checks?: Record<string, { ok: boolean; latencyMs?: number }> }>("/health"),
		]);
		el.innerHTML = `<h3 class="sub">Health</h3><p>${esc(health.status)} (${esc(health.mode ?? "")}, up ${esc(health.uptimeSeconds ?? "–")} s)${Object.entries(health.checks ?? {})
			.map(([k, v]) => ` · ${esc(k)} ${v.ok ? "ok" : "failing"}${v.latencyMs !== undefined ? ` ${esc(v.latencyMs)} ms` : ""}`)
			.join("")}</p>
<h3 class="sub">Nodes</h3>${table(
			["node", "available", "services", "symbols"],
			cluster.nodes.map(n => [n.id + (n.id === cluster.node ? " (this)" : ""), n.available ? "yes" : "no", n.services.join(", "), `${n.symbolCount}: ${n.symbols.slice(0, 20).join(" ")}${n.symbols.length > 20 ? " …" : ""}`]),
		)}
<h3 class="sub">Agents</h3>${table(
			["agent", "available", "health", "utilization", "error rate", "breaker", "calls", "p50 / p99 ms"],
			Object.entries(agents.agents).map(([k, a]) => [k, a.available ? "yes" : "no", num(a.health_score), num(a.utilization), num(a.error_rate), a.breaker_state, a.calls, `${a.latency_ms.p50 ?? "–"} / ${a.latency_ms.p99 ?? "–"}`]),
		)}
<h3 class="sub">Feeds and data workers</h3>${table(
			["worker", "status", "vendor", "runs ok / failed", "last run", "buffer (queued / dropped)", "last error"],
			workers.map(w => [
				w.worker_id,
				w.status,
				w.current_vendor ?? "–",
				`${w.success_count} / ${w.error_count}`,
				w.last_run ?? "–",
				(w.nodes ?? []).map(n => `${n.node}: ${n.pipeline?.queued ?? 0} / ${n.pipeline?.dropped ?? 0}${n.pipeline?.degraded ? " degraded" : ""}`).join("; ") || "–",
				w.last_error ?? "",
			]),
		)}`;
	} catch (err) {
		el.innerHTML = failure(err);
	}
}
