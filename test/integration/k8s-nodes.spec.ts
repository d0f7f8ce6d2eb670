/**
 * The nodes k8s/overlays/prod describes, started for real: one child process per Deployment with
 * exactly its container's env (values, the ConfigMap, the Secret's keys, the pod name) and args, on
 * the image's entry point, against a real nats-server and redis-server. Only what the cluster would
 * supply differently is replaced: the Secret's URLs (the test's servers), the ports (free local ones
 * for each declared container port) and the config file's mount path (a temp dir). Then every probe
 * the manifests declare answers on the port it names, the series the autoscalers read exist, and
 * SIGTERM hands the symbols off and exits in time.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { startNats, startRedis, type TestServer } from "../helpers/servers.ts";
import { spawnRookery, type RookeryProcess } from "../helpers/node-process.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";
import { createStore } from "../../lib/store/index.ts";
import { SERVICE_NAMES } from "../../lib/config/config.ts";
import { byName, container, containerEnv, dockerfile, kubectlVersion, mib, ofKind, probes, readYaml, render, type K8sObject } from "../helpers/k8s.ts";

const JWT_SECRET = "k8s-test-".padEnd(48, "s");
const adminToken = () => new SignJWT({ sub: "k8s-test", tier: "pro", roles: ["admin"] }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("10m").sign(new TextEncoder().encode(JWT_SECRET));

interface PodUnderTest {
	deployment: string;
	pod: string;
	proc: RookeryProcess;
	/** The SERVICES the container's env sets. */
	services: string[];
	/** Declared container port → the local port it was given. */
	ports: Map<number, number>;
	container: any;
	grace: number;
	preStop: number;
}

const get = async (port: number, p: string, headers: Record<string, string> = {}) => {
	const r = await fetch(`http://127.0.0.1:${port}${p}`, { headers, signal: AbortSignal.timeout(3000) });
	return { status: r.status, text: await r.text() };
};

/** The config volume's files, written where the container's mount path is mapped to. */
function mountConfig(objs: K8sObject[], d: K8sObject, dir: string): Record<string, string> {
	const mapped: Record<string, string> = {};
	for (const m of container(d).volumeMounts as Array<{ name: string; mountPath: string }>) {
		const v = (d.spec.template.spec.volumes as any[]).find(x => x.name === m.name);
		if (!v.configMap) continue;
		const local = path.join(dir, d.metadata.name, m.name);
		mkdirSync(local, { recursive: true });
		const data = byName(objs, "ConfigMap", v.configMap.name).data ?? {};
		for (const item of v.configMap.items as Array<{ key: string; path: string }>) writeFileSync(path.join(local, item.path), data[item.key]);
		mapped[m.mountPath] = local;
	}
	return mapped;
}

describe("k8s: the prod Deployments' nodes started for real (child processes, real NATS + Redis)", function () {
	// Five nodes start at once: ~25 s of CPU in all, minutes on a loaded shared machine.
	this.timeout(240_000);
	let nats: TestServer;
	let redis: TestServer;
	let dir: string;
	let objs: K8sObject[];
	const pods: PodUnderTest[] = [];
	const pod = (deployment: string) => pods.find(p => p.deployment === deployment)!;
	const localPort = (p: PodUnderTest, declared: number | string) => {
		const n = typeof declared === "number" ? declared : (p.container.ports as any[]).find(x => x.name === declared).containerPort;
		return p.ports.get(n)!;
	};

	before(async () => {
		kubectlVersion();
		objs = render("k8s/overlays/prod");
		[nats, redis] = await Promise.all([startNats(), startRedis()]);
		dir = mkdtempSync(path.join(os.tmpdir(), "rk-k8s-"));
		const entry = JSON.parse(
			dockerfile()
				.filter(i => i.op === "ENTRYPOINT")
				.at(-1)!.args,
		) as string[];
		// spawnRookery runs exactly this entry point; a different one in the image would not be what is tested.
		expect(entry).to.deep.equal(["node", "--import", "tsx", "bin/rookery.ts"]);
		for (const d of ofKind(objs, "Deployment")) {
			const c = container(d);
			const podName = `${d.metadata.name}-k8s-test`;
			const env = containerEnv(c, { objects: objs, podName, secrets: { "rookery-secrets": { transporter: nats.url, "redis-url": redis.url, "jwt-secret": JWT_SECRET } } });
			for (const [mountPath, local] of Object.entries(mountConfig(objs, d, dir))) {
				for (const [k, v] of Object.entries(env)) if (v.startsWith(`${mountPath}/`)) env[k] = local + v.slice(mountPath.length);
			}
			// Each declared port gets a free local one; the variable that sets it must exist.
			const ports = new Map<number, number>();
			for (const { containerPort } of c.ports as Array<{ containerPort: number }>) {
				const vars = ["PORT", "HEALTH_PORT"].filter(k => env[k] === String(containerPort));
				expect(vars, `${d.metadata.name}: the env variable that makes the node listen on ${containerPort}`).to.have.length(1);
				ports.set(containerPort, await freePort());
				env[vars[0]] = String(ports.get(containerPort));
			}
			const [, preStop] = c.lifecycle.preStop.exec.command as string[];
			pods.push({
				deployment: d.metadata.name,
				pod: podName,
				proc: spawnRookery(c.args ?? [], env, podName),
				services: env.SERVICES.split(",").sort(),
				ports,
				container: c,
				grace: d.spec.template.spec.terminationGracePeriodSeconds,
				preStop: Number(preStop),
			});
		}
	});

	after(async () => {
		await Promise.all(pods.map(p => p.proc.kill()));
		await Promise.all([nats?.stop(), redis?.stop()]);
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it("every probe a Deployment declares answers 200 on the port it names, from the pod's own node", async () => {
		expect(pods.map(p => p.deployment).sort()).to.deep.equal(["rookery-agents", "rookery-gateway", "rookery-ingest", "rookery-intelligence", "rookery-symbols"]);
		await Promise.all(
			pods.map(async p => {
				for (const probe of probes(p.container)) {
					const port = localPort(p, probe.port);
					const died = p.proc.exited.then(e => {
						throw new Error(`${p.pod} exited (${e.code ?? e.signal})\n${p.proc.output()}`);
					});
					died.catch(() => {});
					// The startup probe comes first and allows failureThreshold × periodSeconds.
					await Promise.race([died, waitFor(async () => (await get(port, probe.path)).status === 200, { timeoutMs: 180_000, intervalMs: 100, what: `${p.pod} ${probe.kind} ${probe.path} on ${probe.port}` })]);
					const r = await get(port, probe.path);
					expect(r.status, `${p.pod} ${probe.kind}`).to.equal(200);
					expect(JSON.parse(r.text).node, `${p.pod} ${probe.kind} is answered by the pod itself`).to.equal(p.pod);
				}
				const ready = JSON.parse((await get(localPort(p, p.container.readinessProbe.httpGet.port), "/health/ready")).text) as { checks: Record<string, { ok: boolean }> };
				expect(Object.keys(ready.checks).sort(), p.pod).to.include.members(["node", "store", "transporter"]);
			}),
		);
	});

	it("each pod's node runs exactly its Deployment's SERVICES, and together they run every service Rookery has", async () => {
		const gw = pod("rookery-gateway");
		const token = await adminToken();
		const want = Object.fromEntries(pods.map(p => [p.pod, p.services]));
		// The gateway's view of the cluster (registry over NATS), once every pod has announced itself.
		const seen = await waitFor(
			async () => {
				const r = await get(localPort(gw, "http"), "/api/v1/cluster", { authorization: `Bearer ${token}` });
				if (r.status !== 200) throw new Error(`GET /api/v1/cluster: ${r.status} ${r.text}`);
				const nodes = (JSON.parse(r.text) as { nodes: Array<{ id: string; available: boolean; services: string[] }> }).nodes.filter(n => n.available);
				return pods.every(p => nodes.some(n => n.id === p.pod)) ? Object.fromEntries(nodes.map(n => [n.id, n.services])) : null;
			},
			{ timeoutMs: 15_000, intervalMs: 200, what: "every pod in the gateway's view of the cluster" },
		);
		expect(seen).to.deep.equal(want);
		expect([...new Set(Object.values(seen).flat())].sort()).to.deep.equal([...SERVICE_NAMES].sort());
	});

	it("an idle pod's resident memory is under its Deployment's memory request (the sizing base of docs/operations.md)", async () => {
		for (const p of pods) {
			const request = mib(p.container.resources.requests.memory);
			const h = JSON.parse((await get(localPort(p, p.container.readinessProbe.httpGet.port), "/health")).text) as { system: { memory: { rss_bytes: number } } };
			const rss = h.system.memory.rss_bytes / 2 ** 20;
			expect(rss, `${p.pod}: ${rss.toFixed(0)} MiB resident, request ${request} MiB`).to.be.lessThan(request);
		}
	});

	it("the series the autoscalers read (prometheus-adapter rules) are on the scrape port of the pods they scale", async () => {
		const gw = pod("rookery-gateway");
		const token = await adminToken();
		const ws = await WsTestClient.connect(`ws://127.0.0.1:${localPort(gw, "http")}/ws?token=${token}`);
		try {
			// The first POST can meet a cluster still discovering itself (503, retryable): retry until written.
			let last = "";
			await waitFor(
				async () => {
					const r = await fetch(`http://127.0.0.1:${localPort(gw, "http")}/api/v1/ticks`, {
						method: "POST",
						headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
						body: JSON.stringify([{ symbol: "K8S", price: 10, size: 1, ts: Date.now() }]),
					});
					last = `${r.status} ${await r.text()}`;
					if (r.status !== 200 && r.status !== 503) throw new Error(last);
					return r.status === 200;
				},
				{ timeoutMs: 15_000, intervalMs: 200, what: "POST /api/v1/ticks 200 through the gateway" },
			).catch(err => {
				throw new Error(`${(err as Error).message}; last answer ${last}`);
			});
			const rules = readYaml("k8s/charts/prometheus-adapter-values.yaml").rules.custom as Array<{ seriesQuery: string; name: { as: string } }>;
			const scaled = Object.fromEntries(ofKind(objs, "HorizontalPodAutoscaler").flatMap(h => (h.spec.metrics as any[]).filter(m => m.pods).map(m => [m.pods.metric.name as string, h.spec.scaleTargetRef.name as string])));
			expect(Object.keys(scaled).sort()).to.deep.equal(rules.map(r => r.name.as).sort());
			for (const rule of rules) {
				const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{/.exec(rule.seriesQuery)![1];
				const p = pod(scaled[rule.name.as]);
				const scrapePort = Number(byName(objs, "Deployment", p.deployment).spec.template.metadata.annotations["prometheus.io/port"]);
				// Wait for the value, not its presence: the WS client and the tick must be counted.
				await waitFor(
					async () => {
						const m = new RegExp(`^${series}(\\{[^}]*\\})? (\\S+)$`, "m").exec((await get(localPort(p, scrapePort), "/metrics")).text);
						return m && Number(m[2]) >= 1;
					},
					{ timeoutMs: 10_000, intervalMs: 100, what: `${series} ≥ 1 on ${p.pod}'s scrape port` },
				);
			}
		} finally {
			ws.terminate();
		}
	});

	it("SIGTERM: the symbols node hands K8S off (snapshot written, lease released) and every node exits 0 within grace − preStop", async () => {
		const store = createStore(redis.url);
		await store.connect();
		try {
			const symbols = pod("rookery-symbols");
			expect((await store.getLease("K8S"))?.holder, "the symbols pod owns K8S").to.equal(symbols.pod);
			expect(await store.getSnapshot("K8S"), "no snapshot before the stop (snapshotEvery is 1000 ticks)").to.equal(null);
			for (const p of [symbols, ...pods.filter(x => x !== symbols)]) {
				const t0 = Date.now();
				const exit = await p.proc.stop((p.grace - p.preStop) * 1000);
				expect(exit, `${p.pod}\n${p.proc.output()}`).to.deep.equal({ code: 0, signal: null });
				expect(Date.now() - t0, p.pod).to.be.lessThan((p.grace - p.preStop) * 1000);
				if (p !== symbols) continue;
				// Released, not lapsed: the next owner need not wait out symbolActor.leaseMs.
				expect(await store.getLease("K8S"), "lease after SIGTERM").to.equal(null);
				expect(await store.getSnapshot("K8S"), "snapshot written on passivation").to.not.equal(null);
			}
			expect(symbols.proc.stdout + symbols.proc.stderr, "passivated on SIGTERM").to.match(/"reason":"stopping".*passivated symbol actors|passivated symbol actors.*"reason":"stopping"/);
		} finally {
			await store.close();
		}
	});
});
