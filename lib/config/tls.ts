/**
 * The `tls` config section: certificate files for Redis (`rediss://`), NATS (TLS, a creds file or
 * an nkey seed; the Moleculer transporter and the bus both use them) and the gateway (HTTPS/WSS).
 * Values are file paths, read when the node starts; the config holds no key material, so
 * `--show-config` prints them as they are.
 */
import { readFileSync, statSync } from "node:fs";
import type { ConnectionOptions } from "nats";
import { credsAuthenticator, nkeyAuthenticator } from "nats";
import type { RedisOptions } from "ioredis";

export interface TlsSettings {
	/** PEM files for a `rediss://` URL: CA to verify the server (null = system CAs), client cert + key. */
	redis: { ca: string | null; cert: string | null; key: string | null };
	/** PEM files for NATS TLS, and one of a `.creds` file (JWT + seed) or an nkey seed file. */
	nats: { ca: string | null; cert: string | null; key: string | null; creds: string | null; nkeySeed: string | null };
	/** PEM key + certificate: the gateway serves HTTPS (and WSS) instead of HTTP. */
	https: { key: string | null; cert: string | null };
}

export function defaultTlsConfig(): TlsSettings {
	return { redis: { ca: null, cert: null, key: null }, nats: { ca: null, cert: null, key: null, creds: null, nkeySeed: null }, https: { key: null, cert: null } };
}

const path = { type: "string", min: 1, nullable: true };
export const tlsConfigSchema = {
	type: "object",
	strict: true,
	props: {
		redis: { type: "object", strict: true, props: { ca: path, cert: path, key: path } },
		nats: { type: "object", strict: true, props: { ca: path, cert: path, key: path, creds: path, nkeySeed: path } },
		https: { type: "object", strict: true, props: { key: path, cert: path } },
	},
};

/** The environment variables of the section, each a file path. */
export const TLS_ENV: Record<string, [keyof TlsSettings, string]> = {
	REDIS_TLS_CA: ["redis", "ca"],
	REDIS_TLS_CERT: ["redis", "cert"],
	REDIS_TLS_KEY: ["redis", "key"],
	NATS_TLS_CA: ["nats", "ca"],
	NATS_TLS_CERT: ["nats", "cert"],
	NATS_TLS_KEY: ["nats", "key"],
	NATS_CREDS: ["nats", "creds"],
	NATS_NKEY_SEED: ["nats", "nkeySeed"],
	HTTPS_KEY: ["https", "key"],
	HTTPS_CERT: ["https", "cert"],
};

export function tlsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof TlsSettings, Record<string, string>>> | undefined {
	const o: Partial<Record<keyof TlsSettings, Record<string, string>>> = {};
	for (const [name, [section, field]] of Object.entries(TLS_ENV)) {
		const v = env[name];
		if (v) o[section] = { ...o[section], [field]: v };
	}
	return Object.keys(o).length ? o : undefined;
}

/** What each kind of file must contain (PEM labels), so a swapped or wrong file is named at start. */
const CONTENT: Record<string, { test: (text: string) => boolean; what: string }> = {
	ca: { test: t => t.includes("-----BEGIN CERTIFICATE-----"), what: "a PEM certificate" },
	cert: { test: t => t.includes("-----BEGIN CERTIFICATE-----"), what: "a PEM certificate" },
	key: { test: t => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(t), what: "a PEM private key" },
	creds: { test: t => t.includes("BEGIN NATS USER JWT") && t.includes("BEGIN USER NKEY SEED"), what: "a NATS .creds file (user JWT and nkey seed)" },
	nkeySeed: { test: t => /^SU[A-Z2-7]{56}$/.test(t.trim()), what: "an nkey user seed (SU…)" },
};

function fileProblem(field: string, file: string, kind: string): string | null {
	let text: string;
	try {
		if (!statSync(file).isFile()) return `${field}: ${file} is not a file`;
		text = readFileSync(file, "utf8");
	} catch (err) {
		return `${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
	}
	const c = CONTENT[kind];
	return c.test(text) ? null : `${field}: ${file} is not ${c.what}`;
}

/** Problems the schema cannot express: unreadable or wrong files, half pairs, settings with no effect. */
export function tlsConfigProblems(t: TlsSettings, urls: { redisUrl: string | null; transporter: string | null }): string[] {
	const problems: string[] = [];
	for (const section of ["redis", "nats", "https"] as const) {
		for (const [kind, file] of Object.entries(t[section])) if (file) problems.push(...[fileProblem(`tls.${section}.${kind}`, file, kind)].filter(p => p !== null));
		const { cert, key } = t[section];
		if (!cert !== !key) problems.push(`tls.${section}: cert and key go together (got only the ${cert ? "cert" : "key"})`);
	}
	const set = (o: object) => Object.values(o).some(v => v !== null);
	if (set(t.redis) && !urls.redisUrl?.startsWith("rediss://")) problems.push("tls.redis: certificate files need a rediss:// REDIS_URL");
	if (set(t.nats) && !urls.transporter) problems.push("tls.nats: TLS, creds and nkey settings need a TRANSPORTER");
	if (t.nats.creds && t.nats.nkeySeed) problems.push("tls.nats: give either creds or nkeySeed, not both");
	return problems;
}

/** ioredis options for the Redis clients (none unless a file is configured; rediss:// alone uses system CAs). */
export function redisTlsOptions(t: TlsSettings): RedisOptions {
	const { ca, cert, key } = t.redis;
	if (!ca && !cert) return {};
	return { tls: { ...(ca && { ca: readFileSync(ca) }), ...(cert && key && { cert: readFileSync(cert), key: readFileSync(key) }) } };
}

/**
 * nats.js connect options for the transporter and the bus. With any TLS file set the client
 * insists on TLS (a server that does not offer it is refused).
 */
export function natsConnectOptions(t: TlsSettings): Partial<ConnectionOptions> {
	const { ca, cert, key, creds, nkeySeed } = t.nats;
	const o: Partial<ConnectionOptions> = {};
	if (ca || cert) o.tls = { ...(ca && { caFile: ca }), ...(cert && key && { certFile: cert, keyFile: key }) };
	if (creds) o.authenticator = credsAuthenticator(readFileSync(creds));
	else if (nkeySeed) o.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(nkeySeed, "utf8").trim()));
	return o;
}

/** moleculer-web's `https` setting: undefined serves plain HTTP. */
export function httpsServerOptions(t: TlsSettings): { key: Buffer; cert: Buffer } | undefined {
	const { key, cert } = t.https;
	return key && cert ? { key: readFileSync(key), cert: readFileSync(cert) } : undefined;
}
