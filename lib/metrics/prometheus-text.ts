/**
 * Moleculer's metric registry rendered in the Prometheus text format. Moleculer's own Prometheus
 * reporter opens a port of its own per node; serving the text from the gateway keeps one port.
 */
export interface MetricSnapshot {
	type: string;
	name: string;
	description?: string;
	values: Array<{ labels: Record<string, unknown>; value?: number; count?: number; sum?: number; buckets?: Record<string, number>; quantiles?: Record<string, number> }>;
}

const metricName = (n: string) => n.replace(/[^a-zA-Z0-9_:]/g, "_");
const escape = (v: unknown) => String(v).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labelText(labels: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
	const all = { ...labels, ...extra };
	const parts = Object.entries(all)
		.filter(([, v]) => v !== undefined && v !== null)
		.map(([k, v]) => `${metricName(k)}="${escape(v)}"`);
	return parts.length ? `{${parts.join(",")}}` : "";
}

export function toPrometheusText(metrics: MetricSnapshot[], defaultLabels: Record<string, unknown> = {}): string {
	const lines: string[] = [];
	for (const m of metrics) {
		const name = metricName(m.name);
		const type = m.type === "histogram" ? "summary" : m.type === "counter" ? "counter" : "gauge";
		if (m.description) lines.push(`# HELP ${name} ${m.description.replace(/\n/g, " ")}`);
		lines.push(`# TYPE ${name} ${type}`);
		for (const v of m.values) {
			const labels = { ...defaultLabels, ...v.labels };
			if (m.type === "histogram") {
				for (const [q, val] of Object.entries(v.quantiles ?? {})) lines.push(`${name}${labelText(labels, { quantile: q })} ${val}`);
				lines.push(`${name}_sum${labelText(labels)} ${v.sum ?? 0}`);
				lines.push(`${name}_count${labelText(labels)} ${v.count ?? 0}`);
			} else if (typeof v.value === "number") {
				lines.push(`${name}${labelText(labels)} ${v.value}`);
			}
		}
	}
	return lines.join("\n") + "\n";
}
