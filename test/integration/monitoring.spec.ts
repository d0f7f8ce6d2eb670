/**
 * k8s/monitoring: the alerting rules pass `promtool check rules` and their unit tests, the kustomization
 * renders both ConfigMaps, every dashboard query is valid PromQL, every metric the Grafana dashboard or
 * an alert queries is in `/metrics` of a real node running every service, and every `rookery_*` metric
 * that node serves is documented in docs/operations.md.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { startNode, type TestNode } from "../helpers/node.ts";

const dir = path.resolve(import.meta.dirname, "../../k8s/monitoring");
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: dir, encoding: "utf8" });

/** Metric names a PromQL expression reads (ours, Moleculer's, Node's and the process's). */
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:rookery|moleculer|nodejs|process)_[a-z0-9_]+/g)].map(m => m[0]);
/** The family a sample name belongs to (`x_bucket` → `x` for histograms). */
const family = (name: string, families: Set<string>) => (families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, ""));

type Dashboard = { panels: Array<{ targets?: Array<{ expr: string }> }>; templating: { list: Array<{ definition?: string }> } };
const dashboard = () => JSON.parse(readFileSync(path.join(dir, "grafana-dashboard.json"), "utf8")) as Dashboard;
/** The PromQL of every panel. */
const dashboardPanelExprs = () => dashboard().panels.flatMap(p => (p.targets ?? []).map(t => t.expr));

/** The panels' queries and the variables' definitions (`label_values(...)`, Grafana's own syntax). */
function dashboardExprs(): string[] {
	return [...dashboardPanelExprs(), ...dashboard().templating.list.flatMap(v => (v.definition ? [v.definition] : []))];
}

describe("k8s/monitoring: Grafana dashboard and Prometheus alerting rules", function () {
	this.timeout(30_000);
	let node: TestNode;
	let families: Set<string>;

	before(async () => {
		node = await startNode({ nodeId: "monitoring" });
		const text = await fetch(`http://127.0.0.1:${node.port()}/metrics`).then(r => r.text());
		families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(m => m[1]));
	});
	after(async () => node?.stop());

	it("alerting rules pass promtool check rules and promtool test rules", () => {
		const check = run("promtool", ["check", "rules", "alerts.rules.yml"]);
		expect(check.status, check.stdout + check.stderr).to.equal(0);
		const unit = run("promtool", ["test", "rules", "alerts.test.yml"]);
		expect(unit.status, unit.stdout + unit.stderr).to.equal(0);
	});

	it("every metric the dashboard queries is served by /metrics of a real node", () => {
		const exprs = dashboardExprs();
		expect(exprs.length).to.be.greaterThan(30);
		const names = new Set(exprs.flatMap(metricNames));
		expect(names.size).to.be.greaterThan(25);
		const missing = [...names].filter(n => !families.has(family(n, families)));
		expect(missing, "queried by the dashboard, absent from /metrics").to.deep.equal([]);
	});

	it("every dashboard query is valid PromQL once Grafana fills in its variables (promtool check rules)", () => {
		const tmp = mkdtempSync(path.join(os.tmpdir(), "rk-dashboard-"));
		const check = (exprs: string[]) => {
			const file = path.join(tmp, "dashboard-rules.yml");
			writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `dashboard:q${i}`, expr })) }] }));
			const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
			return r.status === 0 ? null : r.stdout + r.stderr;
		};
		// What Grafana substitutes: the rate interval and the `node`/`symbol` variables (All = `.*`).
		const filled = (e: string) => e.replaceAll("$__rate_interval", "1m").replaceAll("$node", ".*").replaceAll("$symbol", ".*");
		try {
			const exprs = dashboardPanelExprs().map(filled);
			expect(
				exprs.filter(e => e.includes("$")),
				"every variable filled",
			).to.deep.equal([]);
			expect(check(exprs)).to.equal(null);
			expect(check(["sum by (node (rookery_ws_clients)"]), "promtool refuses bad PromQL").to.match(/parse error|unclosed|unexpected/i);
		} finally {
			rmSync(tmp, { recursive: true, force: true });
		}
	});

	it("every rookery_* metric of /metrics is in docs/operations.md's metric table", () => {
		const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/operations.md"), "utf8");
		const table = doc.slice(doc.indexOf("\n## Metrics\n"), doc.indexOf("\n## Dashboards and alerts\n"));
		const ours = [...families].filter(f => f.startsWith("rookery_"));
		expect(ours.length).to.be.greaterThan(60);
		expect(
			ours.filter(f => !table.includes(`\`${f}\``)),
			"served by /metrics, not documented",
		).to.deep.equal([]);
	});

	it("every metric an alert reads is served by /metrics too", () => {
		const rules = readFileSync(path.join(dir, "alerts.rules.yml"), "utf8");
		const names = new Set([...rules.matchAll(/expr: ([^\n]+(?:\n {10,}[^\n]+)*)/g)].flatMap(m => metricNames(m[1])));
		expect(names.size).to.be.greaterThan(7);
		expect([...names].filter(n => !families.has(family(n, families)))).to.deep.equal([]);
	});

	it("the kustomization renders the dashboard (labelled for Grafana's sidecar) and the rules as ConfigMaps", () => {
		const out = run("kubectl", ["kustomize", "."]);
		expect(out.status, out.stderr).to.equal(0);
		expect(out.stdout).to.contain("name: rookery-grafana-dashboard").and.to.contain('grafana_dashboard: "1"').and.to.contain("name: rookery-alert-rules").and.to.contain("alert: RookeryNodeDown");
	});
});
