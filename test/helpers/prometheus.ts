/**
 * A real Prometheus server (the Debian `prometheus` binary) on a free port, scraping the given
 * targets every second, with its data in a temporary directory removed on stop.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitFor } from "./ports.ts";

export interface PrometheusServer {
	url: string;
	/** An instant query through the HTTP API: the result vector. */
	query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
	stop(): Promise<void>;
}

export async function startPrometheus(targets: string[], opts: { ruleFiles?: string[] } = {}): Promise<PrometheusServer> {
	const dir = mkdtempSync(path.join(os.tmpdir(), "rookery-prom-"));
	const port = await freePort();
	const config = [
		"global:",
		"  scrape_interval: 1s",
		"  evaluation_interval: 1s",
		...(opts.ruleFiles?.length ? ["rule_files:", ...opts.ruleFiles.map(f => `  - ${JSON.stringify(f)}`)] : []),
		"scrape_configs:",
		"  - job_name: rookery",
		"    metrics_path: /metrics",
		"    static_configs:",
		`      - targets: [${targets.map(t => JSON.stringify(t)).join(", ")}]`,
	].join("\n");
	writeFileSync(path.join(dir, "prometheus.yml"), config);
	const proc = spawn("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
	let stderr = "";
	proc.stderr!.on("data", d => (stderr = (stderr + d).slice(-4000)));
	const exited = new Promise<void>(resolve => proc.once("exit", () => resolve()));
	const url = `http://127.0.0.1:${port}`;
	await waitFor(
		async () =>
			proc.exitCode === null &&
			(await fetch(`${url}/-/ready`).then(
				r => r.ok,
				() => false,
			)),
		{ timeoutMs: 20_000, what: `prometheus ready (stderr: ${stderr})` },
	);
	return {
		url,
		async query(expr) {
			const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
			const body = (await r.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
			if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
			return body.data.result;
		},
		async stop() {
			if (proc.exitCode === null) {
				proc.kill("SIGTERM");
				await exited;
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
