import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { nkeys } from "nats";
import { maskSecrets, resolveConfig } from "../../../lib/config/config.ts";
import { configProblems } from "./problems.ts";
import { httpsServerOptions, natsConnectOptions, redisTlsOptions } from "../../../lib/config/tls.ts";

const problems = configProblems;

describe("lib/config tls section", () => {
	let dir: string;
	const file = (name: string, text: string) => {
		const p = path.join(dir, name);
		writeFileSync(p, text);
		return p;
	};
	let cert: string, key: string, seed: string, creds: string;
	before(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), "rk-tls-cfg-"));
		cert = file("c.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
		key = file("k.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
		seed = file("u.nk", new TextDecoder().decode(nkeys.createUser().getSeed()) + "\n");
		creds = file("u.creds", "-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAB\n------END USER NKEY SEED------\n");
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	it("reads every TLS variable into its place; a file layer and env merge field by field", () => {
		const cfgFile = file("rk.json", JSON.stringify({ tls: { redis: { ca: cert } } }));
		const c = resolveConfig({
			env: { REDIS_URL: "rediss://r:6380", REDIS_TLS_CERT: cert, REDIS_TLS_KEY: key, TRANSPORTER: "nats://n:4222", NATS_TLS_CA: cert, NATS_NKEY_SEED: seed, HTTPS_KEY: key, HTTPS_CERT: cert },
			args: { config: cfgFile },
		});
		expect(c.tls).to.deep.equal({
			redis: { ca: cert, cert, key },
			nats: { ca: cert, cert: null, key: null, creds: null, nkeySeed: seed },
			https: { key, cert },
		});
		// paths, not key material: printed as they are
		expect(maskSecrets(c).tls).to.deep.equal(c.tls);
		expect(redisTlsOptions(c.tls).tls).to.have.keys("ca", "cert", "key");
		const n = natsConnectOptions(c.tls);
		expect(n.tls).to.deep.equal({ caFile: cert });
		expect(n.authenticator).to.be.a("function");
		expect(httpsServerOptions(c.tls)?.cert.toString()).to.include("BEGIN CERTIFICATE");
	});

	it("defaults to none of it: plain connections, HTTP", () => {
		const c = resolveConfig({ env: {}, args: {} });
		expect(redisTlsOptions(c.tls)).to.deep.equal({});
		expect(natsConnectOptions(c.tls)).to.deep.equal({});
		expect(httpsServerOptions(c.tls)).to.equal(undefined);
	});

	it("a creds file gives a creds authenticator", () => {
		const c = resolveConfig({ env: { TRANSPORTER: "nats://n:4222", NATS_CREDS: creds }, args: {} });
		expect(natsConnectOptions(c.tls)).to.have.keys("authenticator");
	});

	it("refuses missing and wrong files, half pairs, and settings that cannot take effect, naming each", () => {
		const p = problems({ REDIS_URL: "redis://r:6379", REDIS_TLS_CA: path.join(dir, "nope.pem"), HTTPS_CERT: key, HTTPS_KEY: cert, NATS_NKEY_SEED: cert, NATS_CREDS: seed, NATS_TLS_CERT: cert });
		expect(p).to.include(`tls.redis.ca: cannot read ${path.join(dir, "nope.pem")} (ENOENT)`);
		expect(p).to.include(`tls.https.key: ${cert} is not a PEM private key`);
		expect(p).to.include(`tls.https.cert: ${key} is not a PEM certificate`);
		expect(p).to.include(`tls.nats.nkeySeed: ${cert} is not an nkey user seed (SU…)`);
		expect(p).to.include(`tls.nats.creds: ${seed} is not a NATS .creds file (user JWT and nkey seed)`);
		expect(p).to.include("tls.nats: cert and key go together (got only the cert)");
		expect(p).to.include("tls.redis: certificate files need a rediss:// REDIS_URL");
		expect(p).to.include("tls.nats: TLS, creds and nkey settings need a TRANSPORTER");
		expect(p).to.include("tls.nats: give either creds or nkeySeed, not both");
		expect(problems({ HTTPS_CERT: dir })).to.deep.equal([`tls.https.cert: ${dir} is not a file`, "tls.https: cert and key go together (got only the cert)"]);
	});

	it("refuses unknown keys in the section", () => {
		const cfgFile = file("bad.json", JSON.stringify({ tls: { redis: { ca: null, cert: null, key: null, verify: false } } }));
		expect(problems({}, { config: cfgFile }).join("\n")).to.match(/verify/);
	});
});
