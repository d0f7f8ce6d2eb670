/**
 * k8s/, the Dockerfile and docker-compose.yml, checked without a cluster: each overlay rendered by
 * `kubectl kustomize` validates against the Kubernetes API schemas (kubernetes-models), and what the
 * objects say about each other and about Rookery holds (references resolve, probes hit the ports
 * the node listens on, the grace period covers the node's own shutdown bound, the image runs as the
 * user the pods require, the compose roles are the Deployments' roles). k8s-nodes.spec.ts starts
 * the nodes the Deployments describe.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { SERVICE_NAMES, defaultConfig, mergeConfig, resolveConfig, validateConfig, type ServiceName } from "../../lib/config/config.ts";
import { ROOT } from "../helpers/node-process.ts";
import { OVERLAYS, byName, container, containerEnv, dockerfile, kubectlVersion, mib, ofKind, probes, readYaml, render, type K8sObject } from "../helpers/k8s.ts";

/** kubernetes-models' class for an apiVersion + kind, e.g. apps/v1 Deployment. */
async function modelOf(apiVersion: string, kind: string): Promise<new (o: unknown) => { validate(): void }> {
	const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
	const mod = (await import(`kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`)) as Record<string, new (o: unknown) => { validate(): void }>;
	return mod[kind];
}

const SECRETS = { "rookery-secrets": { transporter: "nats://nats:4222", "redis-url": "redis://redis-master:6379", "jwt-secret": "k".repeat(40) } };
/** The hard shutdown bound of bin/rookery.ts (a stop that takes longer exits 1). */
const shutdownBoundSeconds = () => Number(/setTimeout\(\(\) => process\.exit\(1\), ([\d_]+)\)/.exec(readFileSync(path.join(ROOT, "bin/rookery.ts"), "utf8"))![1].replace(/_/g, "")) / 1000;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const podLabels = (d: K8sObject) => d.spec.template.metadata.labels as Record<string, string>;
const imageUser = () =>
	dockerfile()
		.filter(i => i.op === "USER")
		.at(-1)?.args ?? "root";

describe("k8s/ manifests (kubectl kustomize + kubernetes-models), Dockerfile, docker-compose.yml", function () {
	this.timeout(30_000);
	const rendered: Record<string, K8sObject[]> = {};

	before(() => {
		const v = kubectlVersion();
		for (const o of OVERLAYS) rendered[o] = render(`k8s/overlays/${o}`);
		rendered.base = render("k8s/base");
		expect(v.kustomize).to.match(/^5\./);
	});

	it("every object of base, dev and prod validates against the Kubernetes API schemas", async () => {
		for (const [overlay, objs] of Object.entries(rendered)) {
			expect(objs.length, overlay).to.be.greaterThan(10);
			for (const o of objs) {
				const Model = await modelOf(o.apiVersion, o.kind);
				expect(Model, `${overlay}: no schema for ${o.apiVersion} ${o.kind}`).to.be.a("function");
				expect(() => new Model(o).validate(), `${overlay}: ${o.kind} ${o.metadata.name}`).not.to.throw();
			}
		}
		// The validator does refuse a wrong manifest: a port by name where a number must be.
		const gw = structuredClone(byName(rendered.prod, "Deployment", "rookery-gateway"));
		container(gw).ports[0].containerPort = "http";
		const Deployment = await modelOf("apps/v1", "Deployment");
		expect(() => new Deployment(gw).validate()).to.throw(/containerPort/);
	});

	it("one Deployment per role from one image; together they run every service, each with monitor for its probes", () => {
		for (const overlay of OVERLAYS) {
			const deps = ofKind(rendered[overlay], "Deployment");
			expect(deps.map(d => d.metadata.name).sort()).to.deep.equal(["rookery-agents", "rookery-gateway", "rookery-ingest", "rookery-intelligence", "rookery-symbols"]);
			expect(new Set(deps.map(d => container(d).image)).size, `${overlay}: one image`).to.equal(1);
			const running = new Set<ServiceName>();
			for (const d of deps) {
				const env = containerEnv(container(d), { objects: rendered[overlay], secrets: SECRETS, podName: `${d.metadata.name}-0` });
				// The env a pod gets is a valid config (except the config file, which lives in the pod).
				const cfg = resolveConfig({ env: { ...env, ROOKERY_CONFIG: undefined }, args: {} });
				expect(cfg.services, d.metadata.name).to.include("monitor");
				expect(cfg.transporter, `${d.metadata.name}: cluster mode`).to.equal("nats://nats:4222");
				for (const s of cfg.services) running.add(s);
			}
			expect([...running].sort(), overlay).to.deep.equal([...SERVICE_NAMES].sort());
		}
		// SERVICE_NAMES is every service there is: one file in services/ each, each one a node can run.
		const files = readdirSync(path.join(ROOT, "services"), { recursive: true, encoding: "utf8" }).filter(f => f.endsWith(".service.ts"));
		expect(files).to.have.length(SERVICE_NAMES.length);
		const nodeTs = readFileSync(path.join(ROOT, "runtime/node.ts"), "utf8");
		for (const f of files) expect(nodeTs, `services/${f} is one of the services runtime/node.ts can start`).to.include(`"../services/${f}"`);
		expect(container(byName(rendered.prod, "Deployment", "rookery-gateway")).image).to.match(/^registry\.example\.com\/rookery\/rookery:\d+\.\d+\.\d+$/);
	});

	it("probes: startup and liveness on /health/live, readiness on /health/ready, on the port the node listens on", () => {
		for (const overlay of OVERLAYS) {
			for (const d of ofKind(rendered[overlay], "Deployment")) {
				const c = container(d);
				const env = containerEnv(c, { objects: rendered[overlay], secrets: SECRETS, podName: "p" });
				const listens = env.SERVICES.split(",").includes("gateway") ? Number(env.PORT) : Number(env.HEALTH_PORT);
				expect(Number.isInteger(listens), `${d.metadata.name}: PORT or HEALTH_PORT`).to.equal(true);
				const ps = probes(c);
				expect(
					ps.map(p => `${p.kind} ${p.path}`),
					d.metadata.name,
				).to.deep.equal(["startupProbe /health/live", "livenessProbe /health/live", "readinessProbe /health/ready"]);
				for (const p of ps) expect(p.port, `${d.metadata.name} ${p.kind}`).to.equal(listens);
				// Scrapes go to the probe listener: on a gateway /metrics needs credentials once auth is on.
				expect(d.spec.template.metadata.annotations["prometheus.io/port"]).to.equal(env.HEALTH_PORT);
			}
		}
	});

	it("shutdown: preStop, then SIGTERM's handoff within the node's own bound, all inside terminationGracePeriodSeconds", () => {
		const bound = shutdownBoundSeconds();
		expect(bound).to.equal(15);
		for (const overlay of OVERLAYS) {
			for (const d of ofKind(rendered[overlay], "Deployment")) {
				const c = container(d);
				const [cmd, seconds] = c.lifecycle.preStop.exec.command as string[];
				expect(cmd, d.metadata.name).to.equal("sleep");
				const grace = d.spec.template.spec.terminationGracePeriodSeconds as number;
				expect(Number(seconds) + bound, `${d.metadata.name}: preStop ${seconds} s + shutdown ${bound} s < grace ${grace} s`).to.be.lessThan(grace);
				expect(d.spec.strategy.rollingUpdate).to.deep.equal({ maxSurge: 1, maxUnavailable: 0 });
			}
		}
	});

	it("pods run as the image's non-root user, read-only, with /tmp writable and memory limits above the V8 heap cap", () => {
		const [uid, gid] = imageUser().split(":").map(Number);
		expect(uid, "Dockerfile USER").to.be.greaterThan(0);
		for (const overlay of OVERLAYS) {
			for (const d of ofKind(rendered[overlay], "Deployment")) {
				const pod = d.spec.template.spec;
				const c = container(d);
				expect(pod.securityContext).to.include({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
				expect(c.securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
				expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).to.include("/tmp");
				const heap = Number(/--max-old-space-size=(\d+)/.exec(containerEnv(c, { objects: rendered[overlay], secrets: SECRETS, podName: "p" }).NODE_OPTIONS)?.[1]);
				const limit = mib(c.resources.limits.memory);
				expect(mib(c.resources.requests.memory), d.metadata.name).to.be.at.most(limit);
				// Code, buffers and native memory live outside the V8 heap: leave them a quarter.
				expect(heap, `${overlay} ${d.metadata.name}: heap cap vs limit ${limit} MiB`).to.be.at.most(limit * 0.75);
			}
		}
	});

	it("Services, Ingress, HPAs and PDBs point at Deployments and ports that exist", () => {
		const adapterNames = (readYaml("k8s/charts/prometheus-adapter-values.yaml").rules.custom as Array<{ name: { as: string } }>).map(r => r.name.as);
		for (const overlay of OVERLAYS) {
			const objs = rendered[overlay];
			const deps = ofKind(objs, "Deployment");
			const selected = (sel: Record<string, string>) => deps.filter(d => matches(sel, podLabels(d)));
			for (const s of ofKind(objs, "Service")) {
				const [d] = selected(s.spec.selector);
				expect(selected(s.spec.selector), `Service ${s.metadata.name}`).to.have.length(1);
				for (const p of s.spec.ports)
					expect(
						container(d).ports.map((x: { name: string }) => x.name),
						`Service ${s.metadata.name}`,
					).to.include(p.targetPort);
			}
			const [ing] = ofKind(objs, "Ingress");
			const backend = ing.spec.rules[0].http.paths[0].backend.service;
			const svc = byName(objs, "Service", backend.name);
			expect(svc.spec.ports.map((p: { name: string }) => p.name)).to.include(backend.port.name);
			expect(selected(svc.spec.selector)[0].metadata.name, "the Ingress reaches the gateway").to.equal("rookery-gateway");
			// WebSockets idle between heartbeats: the proxy must wait well beyond one.
			const heartbeatS = JSON.parse(byName(objs, "ConfigMap", ofKind(objs, "ConfigMap").find(c => c.data?.["rookery.json"])!.metadata.name).data!["rookery.json"]).ws.heartbeatMs / 1000;
			expect(Number(ing.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-read-timeout"])).to.be.at.least(heartbeatS * 2);
			const hpas = ofKind(objs, "HorizontalPodAutoscaler");
			expect(hpas.map(h => h.spec.scaleTargetRef.name).sort()).to.deep.equal(["rookery-gateway", "rookery-symbols"]);
			for (const h of hpas) {
				const d = byName(objs, "Deployment", h.spec.scaleTargetRef.name);
				expect(d.spec.replicas, `${d.metadata.name}: the HPA owns replicas`).to.equal(undefined);
				const kinds = (h.spec.metrics as Array<{ type: string; pods?: { metric: { name: string } }; resource?: { name: string } }>).map(m => m.type);
				expect(kinds).to.deep.equal(["Resource", "Pods"]);
				for (const m of h.spec.metrics) if (m.pods) expect(adapterNames, `${h.metadata.name}: a prometheus-adapter rule serves ${m.pods.metric.name}`).to.include(m.pods.metric.name);
				expect(h.spec.minReplicas).to.be.at.most(h.spec.maxReplicas);
			}
			for (const pdb of ofKind(objs, "PodDisruptionBudget")) expect(selected(pdb.spec.selector.matchLabels), `PDB ${pdb.metadata.name}`).to.have.length(1);
			expect(ofKind(objs, "PodDisruptionBudget")).to.have.length(deps.length);
		}
	});

	it("topology spread: each role's pods over hosts and zones, per revision; in prod a zone loss cannot take every gateway or symbols pod", () => {
		for (const overlay of OVERLAYS) {
			for (const d of ofKind(rendered[overlay], "Deployment")) {
				const spread = d.spec.template.spec.topologySpreadConstraints as Array<{ topologyKey: string; whenUnsatisfiable: string; maxSkew: number; labelSelector: { matchLabels: Record<string, string> }; matchLabelKeys: string[] }>;
				expect(
					spread.map(c => c.topologyKey),
					d.metadata.name,
				).to.deep.equal(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
				for (const c of spread) {
					expect(c.maxSkew).to.equal(1);
					// The role's own pods (component) of one ReplicaSet (pod-template-hash): a rollout is not blocked by the old ones.
					expect(c.matchLabelKeys).to.have.members(["app.kubernetes.io/component", "pod-template-hash"]);
					expect(matches(c.labelSelector.matchLabels, podLabels(d)), `${d.metadata.name}: the spread selects its own pods`).to.equal(true);
				}
				const hardZone = overlay === "prod" && ["rookery-gateway", "rookery-symbols"].includes(d.metadata.name);
				expect(
					spread.map(c => c.whenUnsatisfiable),
					`${overlay} ${d.metadata.name}`,
				).to.deep.equal(["ScheduleAnyway", hardZone ? "DoNotSchedule" : "ScheduleAnyway"]);
			}
		}
	});

	it("the prometheus-adapter queries are valid PromQL once the adapter fills them in (promtool check rules)", () => {
		const rules = readYaml("k8s/charts/prometheus-adapter-values.yaml").rules.custom as Array<{ seriesQuery: string; metricsQuery: string; name: { as: string } }>;
		const dir = mkdtempSync(path.join(os.tmpdir(), "rk-adapter-"));
		// What the adapter substitutes for one HPA query: the series, the pods' label matchers, the grouping.
		const filled = (r: (typeof rules)[number]) =>
			r.metricsQuery
				.replaceAll("<<.Series>>", /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{/.exec(r.seriesQuery)![1])
				.replaceAll("<<.LabelMatchers>>", 'namespace="rookery",pod=~"rookery-symbols-.*"')
				.replaceAll("<<.GroupBy>>", "pod");
		const check = (exprs: Array<{ record: string; expr: string }>) => {
			const file = path.join(dir, "adapter-rules.yaml");
			writeFileSync(file, stringify({ groups: [{ name: "prometheus-adapter", rules: exprs }] }));
			try {
				execFileSync("promtool", ["check", "rules", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
				return null;
			} catch (err) {
				const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
				if (e.code === "ENOENT") throw new Error("promtool is not installed (Debian package prometheus; .ci/run installs it)");
				return `${e.stdout ?? ""}${e.stderr ?? ""}`;
			}
		};
		try {
			expect(
				rules.map(filled).every(q => !q.includes("<<")),
				"every template filled",
			).to.equal(true);
			expect(check(rules.map(r => ({ record: `adapter:${r.name.as}`, expr: filled(r) })))).to.equal(null);
			expect(check([{ record: "adapter:broken", expr: "sum(rate(x[1m]) by (pod)" }]), "promtool refuses bad PromQL").to.match(/parse error|unclosed|unexpected/i);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it("the charts' values give Rookery what it needs: JetStream, room for an ingest body in one NATS message, Redis that never evicts", () => {
		const nats = readYaml("k8s/charts/nats-values.yaml").config;
		expect(nats.jetstream.enabled).to.equal(true);
		const [, n, unit] = /^(\d+)(kb|mb)$/.exec(defaultConfig().ingest.maxBodyBytes)!;
		const maxBody = Number(n) * (unit === "mb" ? 2 ** 20 : 2 ** 10);
		expect(nats.merge.max_payload, "a symbol's share of the largest ingest body travels as one request").to.be.greaterThan(maxBody);
		const redis = readYaml("k8s/charts/redis-values.yaml");
		expect(redis.commonConfiguration)
			.to.match(/^maxmemory-policy noeviction$/m)
			.and.to.match(/^appendonly yes$/m);
		expect(redis.auth).to.include({ enabled: true, existingSecret: "redis-auth" });
		// The dev Secret's URLs name the Services the charts create for releases `nats` and `redis`.
		const dev = Object.fromEntries(Object.entries(ofKind(rendered.dev, "Secret")[0].data!).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
		expect(dev).to.deep.equal({ transporter: "nats://nats:4222", "redis-url": "redis://redis-master:6379" });
	});

	it("config: the mounted JSON file is a valid config, and the Secret is generated in dev only (prod creates it)", () => {
		for (const overlay of OVERLAYS) {
			const objs = rendered[overlay];
			const d = byName(objs, "Deployment", "rookery-symbols");
			const env = containerEnv(container(d), { objects: objs, secrets: SECRETS, podName: "p" });
			const mount = container(d).volumeMounts.find((m: { mountPath: string }) => env.ROOKERY_CONFIG.startsWith(`${m.mountPath}/`));
			expect(mount, `ROOKERY_CONFIG ${env.ROOKERY_CONFIG} is on a mounted volume`).to.not.equal(undefined);
			const volume = d.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
			const item = volume.configMap.items.find((i: { path: string }) => `${mount.mountPath}/${i.path}` === env.ROOKERY_CONFIG);
			const file = JSON.parse(byName(objs, "ConfigMap", volume.configMap.name).data![item.key]);
			expect(() => validateConfig(mergeConfig(defaultConfig(), file)), "rookery.json").not.to.throw();
			expect(file.workers.autoStart).to.equal(false);
			const secretNames = container(d)
				.env.filter((e: any) => e.valueFrom?.secretKeyRef)
				.map((e: any) => `${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
			expect(secretNames.map((s: string) => s.replace(/-[a-z0-9]{10}\//, "/")).sort()).to.deep.equal(["JWT_SECRET=rookery-secrets/jwt-secret", "REDIS_URL=rookery-secrets/redis-url", "TRANSPORTER=rookery-secrets/transporter"]);
		}
		const devSecret = ofKind(rendered.dev, "Secret");
		expect(devSecret.map(s => Object.keys(s.data ?? {}).sort())).to.deep.equal([["redis-url", "transporter"]]);
		expect(ofKind(rendered.prod, "Secret"), "prod commits no Secret").to.have.length(0);
	});

	it("the same env, args, ports and probes in dev and prod, apart from sizing, the dev feed and dev's missing JWT key", () => {
		const shape = (overlay: string, d: K8sObject) => {
			const c = container(d);
			const env = containerEnv(c, { objects: rendered[overlay], secrets: SECRETS, podName: "p" });
			for (const k of ["NODE_OPTIONS", "FEED", "SYMBOLS", "JWT_SECRET"]) delete env[k];
			return { env, args: c.args ?? [], command: c.command ?? null, ports: c.ports, probes: probes(c) };
		};
		for (const d of ofKind(rendered.prod, "Deployment")) expect(shape("dev", byName(rendered.dev, "Deployment", d.metadata.name)), d.metadata.name).to.deep.equal(shape("prod", d));
	});

	it("Dockerfile: multi-stage, production dependencies only, non-root, the entry point of npm start without npm", () => {
		const ins = dockerfile();
		expect(ins.filter(i => i.op === "FROM").length, "stages").to.be.at.least(2);
		expect(ins.some(i => i.op === "RUN" && /npm ci --omit=dev/.test(i.args))).to.equal(true);
		expect(imageUser()).to.match(/^[1-9]\d*:[1-9]\d*$/);
		const entry = JSON.parse(ins.filter(i => i.op === "ENTRYPOINT").at(-1)!.args) as string[];
		expect(entry).to.deep.equal(["node", "--import", "tsx", "bin/rookery.ts"]);
		const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: Record<string, string> };
		expect(pkg.scripts.start).to.equal(`tsx ${entry.at(-1)}`);
		expect(pkg.dependencies, "tsx runs the TypeScript in the image").to.have.property("tsx");
		for (const d of ofKind(rendered.prod, "Deployment")) expect(container(d).command, `${d.metadata.name} keeps the image's entry point`).to.equal(undefined);
	});

	it("the image has what the entry point imports: only dependencies (not devDependencies) and no file .dockerignore leaves out", () => {
		const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
		const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
			.split("\n")
			.map(l => l.trim())
			.filter(l => l && !l.startsWith("#"));
		for (const must of ["node_modules", ".git", "test", "bench"]) expect(ignored).to.include(must);
		const seen = new Set<string>();
		const packages = new Set<string>();
		const visit = (file: string) => {
			if (seen.has(file)) return;
			seen.add(file);
			const rel = path.relative(ROOT, file);
			expect(
				ignored.some(p => rel === p || rel.startsWith(`${p}/`)),
				`${rel} is imported at run time but left out of the image`,
			).to.equal(false);
			const src = readFileSync(file, "utf8");
			for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)) {
				const spec = m[1] ?? m[2];
				if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
				else if (!spec.startsWith("node:")) packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
			}
		};
		visit(path.join(ROOT, "bin/rookery.ts"));
		expect(seen.size, "files reached from bin/rookery.ts").to.be.greaterThan(50);
		for (const p of packages) expect(pkg.dependencies, `${p} is imported at run time`).to.have.property(p);
	});

	it("docker-compose.yml: Redis, NATS with JetStream, and three nodes whose roles and probes are the Deployments'", () => {
		const compose = readYaml("docker-compose.yml");
		const svc = compose.services as Record<string, any>;
		expect(Object.keys(svc).sort()).to.deep.equal(["gateway", "nats", "redis", "symbols", "worker"]);
		expect(svc.nats.command).to.include("-js");
		expect(svc.redis.command.join(" ")).to.include("--maxmemory-policy noeviction");
		const roleOf = (name: string) => containerEnv(container(byName(rendered.prod, "Deployment", `rookery-${name}`)), { objects: rendered.prod, secrets: SECRETS, podName: "p" });
		const services = (s: string) => s.split(",").sort();
		expect(services(svc.gateway.environment.SERVICES)).to.deep.equal(services(roleOf("gateway").SERVICES));
		expect(services(svc.symbols.environment.SERVICES)).to.deep.equal(services(roleOf("symbols").SERVICES));
		const worker = new Set(["ingest", "agents", "intelligence"].flatMap(r => services(roleOf(r).SERVICES)));
		expect(services(svc.worker.environment.SERVICES)).to.deep.equal([...worker].sort());
		for (const name of ["gateway", "symbols", "worker"]) {
			const s = svc[name];
			expect(s.build, name).to.equal(".");
			expect(s.entrypoint ?? s.command, `${name} keeps the image's entry point`).to.equal(undefined);
			const env = s.environment as Record<string, string>;
			const cfg = resolveConfig({ env, args: {} });
			expect(cfg.transporter).to.equal("nats://nats:4222");
			expect(cfg.redisUrl).to.equal("redis://redis:6379");
			const port = cfg.services.includes("gateway") ? cfg.port : cfg.healthPort;
			expect(
				s.ports.map((p: string) => Number(p.split(":")[1])),
				name,
			).to.include(port);
			expect(s.healthcheck.test.join(" "), name).to.include(`http://127.0.0.1:${port}/health/ready`);
			expect(Object.keys(s.depends_on).sort()).to.deep.equal(["nats", "redis"]);
			expect(parseInt(s.stop_grace_period, 10), name).to.be.greaterThan(shutdownBoundSeconds());
		}
		expect(resolveConfig({ env: svc.worker.environment, args: {} }).feed.type, "the compose cluster makes its own data").to.equal("synthetic");
	});
});
