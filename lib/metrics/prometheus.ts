/**
 * Moleculer's metric registry (what services count with `broker.metrics.*`, and what the REPL's
 * `metrics` command lists) exposed through prom-client, which renders the Prometheus text format.
 * Each Moleculer metric becomes a prom-client metric object whose `get()` reads a fresh snapshot at
 * scrape time, so counting stays Moleculer's and nothing is copied per update. Names follow the
 * Prometheus conventions: dots become underscores, millisecond histograms become `_seconds`,
 * counters end in `_total`, label names are snake_case.
 */
import type { Metric, Registry } from "prom-client";

type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** A Moleculer metric as `metric.toObject()` / `registry.list()` gives it. */
export interface MetricSnapshot {
	type: string;
	name: string;
	description?: string;
	unit?: string;
	labelNames?: string[];
	/** A histogram with buckets (printed as a Prometheus histogram even before its first value). */
	bucketed?: boolean;
	values: Array<{ labels: Record<string, unknown>; value?: number | null; count?: number; sum?: number; buckets?: Record<string, number>; quantiles?: Record<string, number> }>;
}

/** Units converted to the Prometheus base unit: the suffix the name gets and the factor applied to values. */
const UNITS: Record<string, { suffix: string; scale: number }> = {
	millisecond: { suffix: "_seconds", scale: 1e-3 },
	second: { suffix: "_seconds", scale: 1 },
	byte: { suffix: "_bytes", scale: 1 },
};

/** `errorName` → `error_name`, `nodeID` → `node_id`; anything outside [a-zA-Z0-9_] becomes `_`. */
export const labelName = (k: string) =>
	k
		.replace(/([a-z0-9])([A-Z])/g, "$1_$2")
		.replace(/[^a-zA-Z0-9_]/g, "_")
		.toLowerCase();

/** The Prometheus name and the value scale of a Moleculer metric. */
export function prometheusName(m: { name: string; type: string; unit?: string }): { name: string; scale: number } {
	const unit = m.unit ? UNITS[m.unit] : undefined;
	let name = m.name.replace(/[^a-zA-Z0-9_:]/g, "_");
	if (unit && !name.endsWith(unit.suffix)) name += unit.suffix;
	if (m.type === "counter" && !name.endsWith("_total")) name += "_total";
	return { name, scale: unit?.scale ?? 1 };
}

type Labels = Record<string, string | number>;

function labelsOf(labels: Record<string, unknown>, extra?: Labels): Labels {
	const out: Labels = {};
	for (const k in labels) {
		const v = labels[k];
		// An absent label (Moleculer's null caller) is the same series as an empty one to Prometheus.
		if (v !== null && v !== undefined) out[labelName(k)] = typeof v === "number" ? v : String(v);
	}
	return extra ? Object.assign(out, extra) : out;
}

interface PromValue {
	value: number;
	labels: Labels;
	metricName?: string;
}

/** The values prom-client prints for one snapshot: buckets → histogram, quantiles → summary. */
export function prometheusValues(m: MetricSnapshot): { type: MetricType; name: string; values: PromValue[] } {
	const { name, scale } = prometheusName(m);
	const values: PromValue[] = [];
	if (m.type !== "histogram") {
		for (const v of m.values) if (typeof v.value === "number") values.push({ value: v.value * scale, labels: labelsOf(v.labels) });
		// A series without labels exists from the start, at 0 (so rate() and absent() work at once).
		if (values.length === 0 && !m.labelNames?.length) values.push({ value: 0, labels: {} });
		return { type: m.type === "counter" ? "counter" : "gauge", name, values };
	}
	const isHistogram = m.bucketed ?? m.values.some(v => v.buckets);
	for (const v of m.values) {
		if (isHistogram) {
			for (const [le, n] of Object.entries(v.buckets ?? {})) values.push({ metricName: `${name}_bucket`, value: n, labels: labelsOf(v.labels, { le: Number(le) * scale }) });
			values.push({ metricName: `${name}_bucket`, value: v.count ?? 0, labels: labelsOf(v.labels, { le: "+Inf" }) });
		} else {
			for (const [q, x] of Object.entries(v.quantiles ?? {})) values.push({ value: x * scale, labels: labelsOf(v.labels, { quantile: q }) });
		}
		values.push({ metricName: `${name}_sum`, value: (v.sum ?? 0) * scale, labels: labelsOf(v.labels) });
		values.push({ metricName: `${name}_count`, value: v.count ?? 0, labels: labelsOf(v.labels) });
	}
	return { type: isHistogram ? "histogram" : "summary", name, values };
}

/**
 * A prom-client metric whose values come from `read()` at scrape time. `read` returns null when
 * the source metric is gone (nothing is printed then).
 */
export function bridgedMetric(source: { name: string; type: string; unit?: string; description?: string }, read: () => MetricSnapshot | null): Metric {
	const { name } = prometheusName(source);
	const help = source.description?.replace(/\s+/g, " ") || source.name;
	const empty = { name, help, type: "gauge", values: [], aggregator: "sum" as const };
	return {
		name,
		help,
		// What the source's type maps to; prom-client takes the printed type from get().
		type: source.type === "counter" ? "counter" : source.type === "histogram" ? "histogram" : "gauge",
		async get() {
			const snap = read();
			if (!snap) return empty;
			const p = prometheusValues(snap);
			return { name, help, type: p.type, values: p.values, aggregator: "sum" as const };
		},
		reset() {},
	} as unknown as Metric;
}

/**
 * Register a bridge for every Moleculer metric not bridged yet (services register theirs as they
 * start, so this runs at each scrape). Names already taken by a native prom-client metric are
 * left to it.
 */
export function bridgeMoleculerMetrics(registry: Registry, list: MetricSnapshot[], read: (name: string) => MetricSnapshot | null): void {
	for (const m of list) {
		const { name } = prometheusName(m);
		if (registry.getSingleMetric(name)) continue;
		registry.registerMetric(bridgedMetric(m, () => read(m.name)));
	}
}
