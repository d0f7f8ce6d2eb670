/**
 * Throw-away certificates made with `openssl` for TLS tests: a CA, a server certificate for
 * 127.0.0.1/localhost and a client certificate signed by it, and an unrelated CA that must be
 * refused. EC P-256 keys, valid one day, in a temporary directory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestCerts {
	dir: string;
	ca: string;
	serverCert: string;
	serverKey: string;
	clientCert: string;
	clientKey: string;
	/** A CA that signed none of the above. */
	wrongCa: string;
	remove(): void;
}

export function makeTestCerts(): TestCerts {
	const dir = mkdtempSync(path.join(os.tmpdir(), "rk-tls-"));
	const f = (name: string) => path.join(dir, name);
	const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
	const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
	const selfSigned = (name: string, cn: string) => openssl("req", "-x509", ...newKey, "-keyout", f(`${name}.key`), "-out", f(`${name}.crt`), "-days", "1", "-subj", `/CN=${cn}`);
	const signed = (name: string, cn: string, ext: string) => {
		openssl("req", ...newKey, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${cn}`);
		writeFileSync(f(`${name}.ext`), ext);
		openssl("x509", "-req", "-in", f(`${name}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${name}.crt`), "-days", "1", "-extfile", f(`${name}.ext`));
	};
	selfSigned("ca", "rookery-test-ca");
	selfSigned("wrong-ca", "rookery-wrong-ca");
	signed("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
	signed("client", "rookery-client", "extendedKeyUsage=clientAuth\n");
	return {
		dir,
		ca: f("ca.crt"),
		serverCert: f("server.crt"),
		serverKey: f("server.key"),
		clientCert: f("client.crt"),
		clientKey: f("client.key"),
		wrongCa: f("wrong-ca.crt"),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
