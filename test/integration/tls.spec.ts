/**
 * TLS end to end with certificates made by `openssl` for this run: a node talks to a TLS-only
 * redis-server (client certificate required) over rediss://, to a nats-server with TLS (client
 * certificate verified) and nkey authentication, and serves HTTPS and WSS; `--validate-only`
 * refuses a server whose certificate another CA signed, and a NATS connection without the nkey;
 * an operator-mode nats-server accepts a `.creds` file.
 */
import { expect } from "chai";
import https from "node:https";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { nkeys } from "nats";
import { makeTestCerts, type TestCerts } from "../helpers/tls-certs.ts";
import { makeNatsCreds } from "../helpers/nats-creds.ts";
import { startNatsWithConfig, startTlsRedis, type TestServer } from "../helpers/servers.ts";
import { spawnRookery, type Env, type RookeryProcess } from "../helpers/node-process.ts";
import { resolveConfig } from "../../lib/config/config.ts";
import { checkConnectivity } from "../../lib/config/connectivity.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { WsTestClient } from "../helpers/ws-client.ts";

/** One HTTPS request trusting `ca`; resolves with status and body, rejects on a TLS failure. */
/** What `--validate-only` checks, in process: one line per server that cannot be reached. */
const validate = (env: Env) => checkConnectivity(resolveConfig({ env, args: {} }));

function httpsRequest(url: string, ca: string, opts: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
	return new Promise((resolve, reject) => {
		const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
		const req = https.request(url, { method: opts.method ?? "GET", ca, headers: text ? { "content-type": "application/json" } : {}, timeout: 5000 }, res => {
			let data = "";
			res.on("data", c => (data += c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : null }));
		});
		req.on("error", reject);
		req.end(text);
	});
}

describe("TLS: rediss:// with a client certificate, NATS TLS + nkey, HTTPS and WSS gateway", function () {
	this.timeout(60_000);
	let certs: TestCerts;
	let redis: TestServer;
	let nats: TestServer;
	let env: Env;
	let node: RookeryProcess | null = null;
	let port = 0;
	let caPem = "";

	before(async () => {
		certs = makeTestCerts();
		caPem = readFileSync(certs.ca, "utf8");
		const user = nkeys.createUser();
		const seedFile = path.join(certs.dir, "user.nk");
		writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()) + "\n");
		[redis, nats] = await Promise.all([
			startTlsRedis({ ca: certs.ca, cert: certs.serverCert, key: certs.serverKey }),
			startNatsWithConfig(`tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true, timeout: 2 }\n` + `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`),
		]);
		env = {
			REDIS_URL: redis.url,
			REDIS_TLS_CA: certs.ca,
			REDIS_TLS_CERT: certs.clientCert,
			REDIS_TLS_KEY: certs.clientKey,
			TRANSPORTER: nats.url,
			NATS_TLS_CA: certs.ca,
			NATS_TLS_CERT: certs.clientCert,
			NATS_TLS_KEY: certs.clientKey,
			NATS_NKEY_SEED: seedFile,
		};
	});
	after(async () => {
		await node?.kill();
		await Promise.allSettled([redis?.stop(), nats?.stop()]);
		certs?.remove();
	});

	it("--validate-only reaches both servers with the right CA, certificate and nkey", async () => {
		expect(await validate(env)).to.deep.equal([]);
	});

	it("--validate-only refuses servers whose certificate another CA signed, and NATS without the nkey", async () => {
		const wrong = (await validate({ ...env, REDIS_TLS_CA: certs.wrongCa, NATS_TLS_CA: certs.wrongCa })).sort();
		expect(wrong, wrong.join("\n")).to.have.length(2);
		expect(wrong[0]).to.match(/^nats: cannot reach nats:\/\/127\.0\.0\.1:\d+: .*(self-signed|certificate|verify)/i);
		expect(wrong[1]).to.match(/^redis: cannot reach rediss:\/\/127\.0\.0\.1:\d+: .*(self-signed|certificate|verify)/i);
		const noKey = await validate({ ...env, NATS_NKEY_SEED: undefined });
		expect(noKey).to.have.length(1);
		expect(noKey[0]).to.match(/^nats: cannot reach .*authorization/i);
	});

	it("--validate-only connects to an operator-mode NATS with a .creds file, and is refused without", async () => {
		const { serverConfig, creds } = makeNatsCreds();
		const credsFile = path.join(certs.dir, "user.creds");
		writeFileSync(credsFile, creds);
		const operatorNats = await startNatsWithConfig(serverConfig);
		try {
			expect(await validate({ TRANSPORTER: operatorNats.url, NATS_CREDS: credsFile })).to.deep.equal([]);
			const refused = await validate({ TRANSPORTER: operatorNats.url });
			expect(refused).to.have.length(1);
			expect(refused[0]).to.match(/^nats: cannot reach .*authorization/i);
		} finally {
			await operatorNats.stop();
		}
	});

	it("a node stores over rediss://, publishes over NATS TLS and serves HTTPS + WSS", async () => {
		port = await freePort();
		node = spawnRookery([], { ...env, PORT: String(port), HTTPS_KEY: certs.serverKey, HTTPS_CERT: certs.serverCert, FEED: "none", LOG_LEVEL: "warn", NODE_ID: `rk-tls-${process.pid}` }, "tls node");
		await waitFor(() => node!.stdout.includes("Rookery is running") || !node!.running, { timeoutMs: 20_000, what: "the node to start" });
		expect(node.running, node.output()).to.equal(true);
		expect(node.stdout).to.include(`https://localhost:${port}/api/v1/symbols`).and.include(`wss://localhost:${port}/ws`);

		const health = await httpsRequest(`https://127.0.0.1:${port}/health`, caPem);
		expect(health.status, JSON.stringify(health.body)).to.equal(200);
		// A client that does not trust the CA is refused by its own TLS check; plain HTTP gets no answer.
		const refused = await httpsRequest(`https://127.0.0.1:${port}/health`, readFileSync(certs.wrongCa, "utf8")).catch(e => e);
		expect(refused).to.be.instanceOf(Error);
		expect(String(refused.code ?? refused.message)).to.match(/SELF_SIGNED|CERT|VERIFY|certificate/i);
		const plain = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) }).catch(e => e);
		expect(plain).to.be.instanceOf(Error);

		const ws = await WsTestClient.connect(`wss://127.0.0.1:${port}/ws`, 5000, { ca: caPem });
		try {
			ws.subscribe("ticks:TLSX");
			await ws.waitForFrame(f => f.type === "subscribed" || f.type === "snapshot" || f.topic === "ticks:TLSX", "the subscription answer");
			const posted = await httpsRequest(`https://127.0.0.1:${port}/api/v1/ticks`, caPem, { method: "POST", body: [{ symbol: "TLSX", price: 10.5, size: 3, ts: Date.now() }] });
			expect(posted.status, JSON.stringify(posted.body)).to.equal(200);
			const update = await ws.waitForFrame(f => f.type === "update" && f.topic === "ticks:TLSX", "the tick over WSS", 10_000);
			expect(update.data).to.include({ symbol: "TLSX", price: 10.5 });
			const latest = await httpsRequest(`https://127.0.0.1:${port}/api/v1/symbols/TLSX/latest`, caPem);
			expect(latest.status).to.equal(200);
			expect(latest.body).to.deep.include({ symbol: "TLSX" });
		} finally {
			ws.terminate();
		}
	});
});
