/**
 * The probe listener (lib/health/probe-listener.ts) on a real socket, and a real embedded node with
 * `healthPort`: its probes and /metrics answer without a gateway, readiness turns 503 the moment a
 * stop begins, and HEALTH_PORT is refused on a node without the monitor service.
 */
import { expect } from "chai";
import { listenProbes, type ProbeListener } from "../../../lib/health/probe-listener.ts";
import { ConfigError, resolveConfig } from "../../../lib/config/config.ts";
import { startNode } from "../../helpers/node.ts";

const get = async (url: string, method = "GET") => {
	const r = await fetch(url, { method });
	const text = await r.text();
	return { status: r.status, type: r.headers.get("content-type") ?? "", text, json: () => JSON.parse(text) as any };
};

describe("lib/health/probe-listener", () => {
	let probes: ProbeListener;
	let base: string;
	let release: () => void = () => {};
	before(async () => {
		probes = await listenProbes(
			{
				"/ok": async () => ({ status: 200, body: { status: "ok" } }),
				"/text": async () => ({ status: 200, body: "a_metric 1\n", contentType: "text/plain; version=0.0.4" }),
				"/down": async () => ({ status: 503, body: { status: "not ready" } }),
				"/throws": async () => {
					throw new Error("monitor is not running here");
				},
				"/hangs": () => new Promise(resolve => (release = () => resolve({ status: 200, body: {} }))),
			},
			{ port: 0, host: "127.0.0.1", timeoutMs: 300 },
		);
		base = `http://127.0.0.1:${probes.port}`;
	});
	after(async () => {
		release();
		await probes?.close();
	});

	it("answers each route with its status, body and content type; the query string is ignored", async () => {
		const ok = await get(`${base}/ok?x=1`);
		expect(ok.status).to.equal(200);
		expect(ok.type).to.match(/^application\/json/);
		expect(ok.json()).to.deep.equal({ status: "ok" });
		const text = await get(`${base}/text`);
		expect(text.type).to.equal("text/plain; version=0.0.4");
		expect(text.text).to.equal("a_metric 1\n");
		expect((await get(`${base}/down`)).status).to.equal(503);
	});

	it("a route that throws or does not answer in time is a 503 with an error body, never a hang", async () => {
		const thrown = await get(`${base}/throws`);
		expect(thrown.status).to.equal(503);
		expect(thrown.json().error).to.include({ code: "SERVICE_UNAVAILABLE", message: "monitor is not running here" });
		const late = await get(`${base}/hangs`);
		expect(late.status).to.equal(503);
		expect(late.json().error.message).to.match(/no answer within 300 ms/);
	});

	it("unknown paths are 404 naming what is served; other methods 405; HEAD has no body", async () => {
		const missing = await get(`${base}/api/v1/symbols`);
		expect(missing.status).to.equal(404);
		expect(missing.json().error.message).to.include("/ok");
		const post = await get(`${base}/ok`, "POST");
		expect(post.status).to.equal(405);
		expect(post.json().error.code).to.equal("BAD_REQUEST");
		const head = await get(`${base}/ok`, "HEAD");
		expect(head.status).to.equal(200);
		expect(head.text).to.equal("");
	});
});

describe("node with healthPort (no gateway): probes and /metrics on the probe listener", function () {
	this.timeout(20_000);

	it("serves /health, /health/live, /health/ready and /metrics; ready is 503 from the start of a stop", async () => {
		const node = await startNode({ nodeId: "probe-only", healthPort: 0, services: ["symbols", "monitor"] });
		try {
			expect(node.port(), "no gateway").to.equal(null);
			const base = `http://127.0.0.1:${node.healthPort()}`;
			expect((await get(`${base}/health/live`)).json()).to.include({ status: "ok", node: "probe-only" });
			const ready = await get(`${base}/health/ready`);
			expect(ready.status).to.equal(200);
			expect(ready.json().checks).to.deep.include({ node: { ok: true } });
			const health = (await get(`${base}/health`)).json();
			expect(health).to.include({ node: "probe-only" });
			// "warning" is healthy too: a resource past its limit (a busy test machine's CPU), still 200.
			expect(["ok", "warning"], JSON.stringify(health)).to.include(health.status);
			const metrics = await get(`${base}/metrics`);
			expect(metrics.type).to.match(/^text\/plain/);
			expect(metrics.text).to.match(/^process_/m);
			const stopping = node.stop();
			const during = await get(`${base}/health/ready`);
			expect(during.status).to.equal(503);
			expect(during.json().checks.node).to.deep.equal({ ok: false, error: "services starting or stopping" });
			await stopping;
		} finally {
			await node.stop().catch(() => {});
		}
	});

	it("HEALTH_PORT is read from the environment and refused without the monitor service", () => {
		expect(resolveConfig({ env: { HEALTH_PORT: "8080", SERVICES: "symbols,monitor" }, args: {} }).healthPort).to.equal(8080);
		expect(resolveConfig({ env: {}, args: {} }).healthPort).to.equal(null);
		expect(() => resolveConfig({ env: { HEALTH_PORT: "8080", SERVICES: "symbols" }, args: {} })).to.throw(ConfigError, /needs the monitor service/);
		expect(() => resolveConfig({ env: { HEALTH_PORT: "3000", PORT: "3000", SERVICES: "gateway,monitor" }, args: {} })).to.throw(ConfigError, /port of its own/);
		expect(() => resolveConfig({ env: { HEALTH_PORT: "http", SERVICES: "monitor" }, args: {} })).to.throw(ConfigError, /healthPort/);
	});
});
