/**
 * The k8s/ manifests as the cluster gets them: each overlay rendered by `kubectl kustomize`, parsed,
 * and read the way the kubelet reads a container (env from values, ConfigMaps, Secrets and the
 * downward API; ports and probes by name). Also the Dockerfile's instructions, for the image checks.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./node-process.ts";

/** A rendered Kubernetes object; the tests read it through the typed accessors below. */
export interface K8sObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
	spec?: any;
	data?: Record<string, string>;
}

export const OVERLAYS = ["dev", "prod"] as const;

/** kubectl with kustomize v5 (older kustomize lacks `labels` and target selectors): fail with how to get it. */
export function kubectlVersion(): { kubectl: string; kustomize: string } {
	let out: string;
	try {
		out = execFileSync("kubectl", ["version", "--client"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
	} catch (err) {
		const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "kubectl is not installed" : `kubectl version failed: ${(err as Error).message}`;
		throw new Error(
			`${reason}. The k8s/ tests render the overlays with \`kubectl kustomize\`: install kubectl ≥ 1.27 (https://kubernetes.io/docs/tasks/tools/; Debian's kubernetes-client 1.20 is too old), see docs/operations.md "Deploying on Kubernetes".`,
		);
	}
	const kubectl = /Client Version: v?(\S+)/.exec(out)?.[1] ?? "unknown";
	const kustomize = /Kustomize Version: v?(\S+)/.exec(out)?.[1] ?? "none";
	if (!/^[5-9]\./.test(kustomize)) throw new Error(`kubectl ${kubectl} embeds kustomize ${kustomize}; k8s/ needs kustomize 5 (kubectl ≥ 1.27)`);
	return { kubectl, kustomize };
}

export function render(dir: string): K8sObject[] {
	const text = execFileSync("kubectl", ["kustomize", path.join(ROOT, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
	return parseYamlDocs(text, dir) as K8sObject[];
}

/** Every document of a YAML stream; a syntax error names the source. */
export function parseYamlDocs(text: string, source: string): unknown[] {
	// `<<` merge keys: docker-compose.yml shares the nodes' settings through them.
	return parseAllDocuments(text, { merge: true }).map((d, i) => {
		if (d.errors.length) throw new Error(`${source}, document ${i + 1}: ${d.errors.map(e => e.message).join("; ")}`);
		return d.toJS();
	});
}

export function readYaml(file: string): any {
	return parseYamlDocs(readFileSync(path.join(ROOT, file), "utf8"), file)[0];
}

export const ofKind = (objs: K8sObject[], kind: string) => objs.filter(o => o.kind === kind);

export function byName(objs: K8sObject[], kind: string, name: string): K8sObject {
	const o = objs.find(x => x.kind === kind && x.metadata.name === name);
	if (!o)
		throw new Error(
			`no ${kind} ${name} in the rendered manifests (have: ${ofKind(objs, kind)
				.map(x => x.metadata.name)
				.join(", ")})`,
		);
	return o;
}

/** The one container of a Deployment's pod (Rookery runs one per pod). */
export function container(dep: K8sObject): any {
	const cs = dep.spec.template.spec.containers as any[];
	if (cs.length !== 1) throw new Error(`${dep.metadata.name}: expected one container, found ${cs.length}`);
	return cs[0];
}

/** What stands in for the cluster when a container's env is resolved. */
export interface EnvSources {
	objects: K8sObject[];
	/** Secret name → key → value (the tests' own, e.g. URLs of their NATS and Redis). */
	secrets: Record<string, Record<string, string>>;
	/** The downward API's `metadata.name`. */
	podName: string;
}

/** A container's environment as the kubelet builds it: envFrom first, then env (which wins). */
export function containerEnv(c: any, src: EnvSources): Record<string, string> {
	const env: Record<string, string> = {};
	const configMap = (name: string) => byName(src.objects, "ConfigMap", name).data ?? {};
	// The test's own values first; else a Secret the overlay generates (base64 data).
	const secret = (name: string): Record<string, string> => {
		if (src.secrets[name]) return src.secrets[name];
		const s = src.objects.find(o => o.kind === "Secret" && o.metadata.name === name);
		if (!s) throw new Error(`Secret ${name}: neither rendered nor provided by the test`);
		return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
	};
	for (const from of c.envFrom ?? []) {
		if (from.configMapRef) Object.assign(env, configMap(from.configMapRef.name));
		else if (from.secretRef) Object.assign(env, secret(from.secretRef.name));
		else throw new Error(`unsupported envFrom ${JSON.stringify(from)}`);
	}
	for (const e of c.env ?? []) {
		if (e.value !== undefined) env[e.name] = String(e.value);
		else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = src.podName;
		else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
		else if (e.valueFrom?.secretKeyRef) {
			const { name, key, optional } = e.valueFrom.secretKeyRef;
			const v = secret(name)[key];
			if (v === undefined && !optional) throw new Error(`Secret ${name} has no key ${key}`);
			if (v !== undefined) env[e.name] = v;
		} else throw new Error(`unsupported env ${JSON.stringify(e)}`);
	}
	return env;
}

/** A container port by name or number → its number; throws when the container does not declare it. */
export function portNumber(c: any, port: string | number): number {
	const p = (c.ports as any[] | undefined)?.find(x => x.name === port || x.containerPort === port);
	if (!p) throw new Error(`container ${c.name} declares no port ${port}`);
	return p.containerPort;
}

/** A memory quantity (`256Mi`, `1Gi`) in MiB. */
export function mib(q: string): number {
	const m = /^(\d+)(Mi|Gi)$/.exec(q);
	if (!m) throw new Error(`memory quantity ${q}: expected Mi or Gi`);
	return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

/** The probes a container declares, by kind. */
export function probes(c: any): Array<{ kind: string; path: string; port: number }> {
	return ["startupProbe", "livenessProbe", "readinessProbe"]
		.filter(k => c[k])
		.map(k => {
			if (!c[k].httpGet) throw new Error(`${c.name}.${k} is not an httpGet probe`);
			return { kind: k, path: c[k].httpGet.path as string, port: portNumber(c, c[k].httpGet.port) };
		});
}

/** The Dockerfile's instructions in order (continuation lines joined, comments dropped). */
export function dockerfile(): Array<{ op: string; args: string }> {
	const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
	return text
		.split("\n")
		.map(l => l.trim())
		.filter(l => l && !l.startsWith("#"))
		.map(l => {
			const [op, ...rest] = l.split(/\s+/);
			return { op: op.toUpperCase(), args: rest.join(" ") };
		});
}
