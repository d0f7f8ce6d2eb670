/**
 * The nodes' per-hop latency attribution (lib/metrics/stages.ts, docs/architecture.md "Where a
 * tick's time goes") as a bench reads it: `DELETE /metrics/stages` on each node after the warm-up,
 * `GET /metrics/stages` after the measured window, and a table per node of every stage it recorded,
 * with the GC pauses and event-loop delay of the same window.
 */
import type { StageSummary } from "../../lib/metrics/stages.ts";
import type { PausesSnapshot } from "../../lib/metrics/pauses.ts";

export type NodeStages = { node: string; pid: number; enabled: boolean; stages: StageSummary[]; negative: number } & Partial<PausesSnapshot>;

async function call(port: number, method: "GET" | "DELETE"): Promise<unknown> {
	const res = await fetch(`http://127.0.0.1:${port}/metrics/stages`, { method });
	if (!res.ok) throw new Error(`${method} /metrics/stages on :${port}: ${res.status} ${await res.text()}`);
	return res.json();
}

/** A new window on every node: stage histograms emptied, GC and loop delay from now. */
export async function resetStages(ports: number[]): Promise<void> {
	await Promise.all(ports.map(p => call(p, "DELETE")));
}

export async function readStages(ports: number[]): Promise<NodeStages[]> {
	return Promise.all(ports.map(p => call(p, "GET") as Promise<NodeStages>));
}

const f = (x: number) => x.toFixed(2).padStart(8);

/** One block per node: stage, count, cumulative and incremental p50 / p99 (ms); then GC and loop delay. */
export function stageTable(nodes: NodeStages[]): string {
	const out: string[] = [];
	for (const n of nodes) {
		out.push(`\nwhere a tick's time goes on ${n.node} (pid ${n.pid}${n.seconds !== undefined ? `, ${n.seconds.toFixed(1)} s window` : ""}${n.enabled ? "" : ", stages OFF"}):`);
		out.push(`  ${"stage".padEnd(17)} ${"count".padStart(7)}  ${"cum p50".padStart(8)} ${"cum p99".padStart(8)}  ${"inc p50".padStart(8)} ${"inc p99".padStart(8)}  ${"inc max".padStart(8)}`);
		for (const s of n.stages) {
			if (s.count === 0) continue;
			out.push(`  ${s.stage.padEnd(17)} ${String(s.count).padStart(7)}  ${f(s.cumulative.p50)} ${f(s.cumulative.p99)}  ${f(s.incremental.p50)} ${f(s.incremental.p99)}  ${f(s.incremental.max)}`);
		}
		if (n.negative > 0) out.push(`  (${n.negative} negative times recorded as 0: clocks apart)`);
		if (n.gc) {
			const k = n.gc.byKind;
			out.push(
				`  GC: ${n.gc.count} pauses, ${n.gc.totalMs.toFixed(1)} ms in all (minor ${k.minor.count}/${k.minor.totalMs.toFixed(1)} ms, major ${k.major.count}/${k.major.totalMs.toFixed(1)} ms, incremental ${k.incremental.count}/${k.incremental.totalMs.toFixed(1)} ms); one pause p50 ${n.gc.pause.p50.toFixed(2)} / p99 ${n.gc.pause.p99.toFixed(2)} / max ${n.gc.pause.max.toFixed(2)} ms`,
			);
		}
		if (n.loopDelay) out.push(`  event-loop delay (beyond the ${n.loopDelay.resolutionMs} ms timer): p50 ${n.loopDelay.p50.toFixed(2)} / p99 ${n.loopDelay.p99.toFixed(2)} / max ${n.loopDelay.max.toFixed(2)} ms`);
	}
	return out.join("\n") + "\n";
}
