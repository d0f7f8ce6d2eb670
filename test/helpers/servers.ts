/**
 * Real redis-server and nats-server processes on free ports, for integration tests that must be
 * able to kill and restart them. `REDIS_URL` / `NATS_URL` point tests at existing servers instead
 * (then stop/start are not available).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./ports.ts";

export interface TestServer {
	url: string;
	port: number;
	/** Kill the process (SIGKILL) — a crash, not a shutdown. */
	kill(): Promise<void>;
	/** Start it again on the same port. */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

function manage(name: string, port: number, url: string, spawnIt: () => ChildProcess, cleanup: () => void): Promise<TestServer> {
	let proc: ChildProcess | null = null;
	const start = async () => {
		proc = spawnIt();
		let stderr = "";
		proc.stderr?.on("data", d => (stderr += d));
		const exited = new Promise<never>((_, reject) => proc!.once("exit", code => reject(new Error(`${name} exited with ${code}: ${stderr}`))));
		await Promise.race([waitForPort(port), exited]);
		exited.catch(() => {});
	};
	const kill = async () => {
		const p = proc;
		proc = null;
		if (!p || p.exitCode !== null) return;
		await new Promise(resolve => {
			p.once("exit", resolve);
			p.kill("SIGKILL");
		});
	};
	return start().then(() => ({
		url,
		port,
		kill,
		restart: start,
		stop: async () => {
			await kill();
			cleanup();
		},
	}));
}

/**
 * `persistent`: append-only file fsynced on every write (`--appendfsync always`), so a killed and
 * restarted server (same dir) still has every write it acknowledged; default no persistence.
 */
export async function startRedis(opts: { persistent?: boolean } = {}): Promise<TestServer> {
	if (process.env.REDIS_URL) return external(process.env.REDIS_URL);
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), "rk-redis-"));
	const persistence = opts.persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
	return manage(
		"redis-server",
		port,
		`redis://127.0.0.1:${port}`,
		() => spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--dir", dir], { stdio: ["ignore", "ignore", "pipe"] }),
		() => rmSync(dir, { recursive: true, force: true }),
	);
}

export async function startNats(): Promise<TestServer> {
	if (process.env.NATS_URL) return external(process.env.NATS_URL);
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), "rk-nats-"));
	return manage(
		"nats-server",
		port,
		`nats://127.0.0.1:${port}`,
		() => spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: ["ignore", "ignore", "pipe"] }),
		() => rmSync(dir, { recursive: true, force: true }),
	);
}

/** redis-server serving TLS only (`rediss://`), requiring a client certificate signed by `tls.ca`. */
export async function startTlsRedis(tls: { ca: string; cert: string; key: string }): Promise<TestServer> {
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), "rk-redis-tls-"));
	const args = ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "yes"];
	return manage(
		"redis-server (TLS)",
		port,
		`rediss://127.0.0.1:${port}`,
		() => spawn("redis-server", [...args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: ["ignore", "ignore", "pipe"] }),
		() => rmSync(dir, { recursive: true, force: true }),
	);
}

/**
 * nats-server with `conf` (nats-server config syntax) added to its listen address, e.g. a `tls {…}`
 * block or `authorization {…}`.
 */
export async function startNatsWithConfig(conf: string): Promise<TestServer> {
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), "rk-nats-conf-"));
	const file = path.join(dir, "nats.conf");
	writeFileSync(file, `host: 127.0.0.1\nport: ${port}\n${conf}\n`);
	return manage(
		"nats-server",
		port,
		`nats://127.0.0.1:${port}`,
		() => spawn("nats-server", ["-c", file], { stdio: ["ignore", "ignore", "pipe"] }),
		() => rmSync(dir, { recursive: true, force: true }),
	);
}

function external(url: string): TestServer {
	const refuse = async () => {
		throw new Error(`${url} is an external server (set by env); it cannot be killed or restarted by the test`);
	};
	return { url, port: Number(new URL(url).port), kill: refuse, restart: refuse, stop: async () => {} };
}
