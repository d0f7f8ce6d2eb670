/**
 * Rookery nodes as real child processes (`node --import tsx bin/rookery.ts`), for tests that need
 * the entry point itself: cluster nodes over real NATS + Redis, the CLI flags, graceful shutdown.
 * Every process started here is tracked and SIGKILLed when the test process exits, so a failed
 * or aborted test never leaves a node behind; tests still stop their own nodes in after hooks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "./ports.ts";
import { TLS_ENV } from "../../lib/config/tls.ts";
import { SEED_ENV } from "../../lib/config/seed-compat.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Variables the entry point reads; a child never inherits them from the test's environment. */
const ROOKERY_ENV = [
	"NODE_ID",
	"TRANSPORTER",
	"REDIS_URL",
	"SERVICES",
	"PORT",
	"HEALTH_PORT",
	"HOST",
	"LOG_LEVEL",
	"SYMBOLS",
	"FEED",
	"FEED_RATE",
	"FEED_SEED",
	"ROOKERY_CONFIG",
	"HTTP_QUOTE_CACHE_MS",
	"HTTP_DIRECT_READS",
	"LATENCY_STAGES",
	"ROOKERY_PLUGINS",
	...Object.keys(TLS_ENV),
	...SEED_ENV,
];

export type Env = Record<string, string | undefined>;

/** The test's environment without Rookery's variables, plus `extra` (undefined values are left out). */
export function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) if (!ROOKERY_ENV.includes(k) && v !== undefined) env[k] = v;
	for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
	return env;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
	for (const p of live) p.kill("SIGKILL");
});

export interface Exit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

/** A spawned `bin/rookery.ts` with its output captured. */
export class RookeryProcess {
	stdout = "";
	stderr = "";
	readonly spawnedAt = Date.now();
	readonly exited: Promise<Exit>;
	exit: Exit | null = null;

	constructor(
		readonly proc: ChildProcess,
		readonly label: string,
	) {
		live.add(proc);
		proc.stdout?.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
		proc.stderr?.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
		proc.once("error", err => (this.stderr += `\n[spawn error] ${err.message}\n`));
		this.exited = new Promise(resolve => {
			// "close" comes after the output streams have ended, so stdout/stderr are complete.
			proc.once("close", (code, signal) => {
				live.delete(proc);
				this.exit = { code, signal };
				resolve(this.exit);
			});
		});
	}

	get running(): boolean {
		return this.exit === null && this.proc.exitCode === null && this.proc.signalCode === null;
	}

	/** The captured output, trimmed to its tail, for assertion messages. */
	output(maxChars = 4000): string {
		const tail = (s: string) => (s.length > maxChars ? `…${s.slice(-maxChars)}` : s);
		return `--- ${this.label} stdout ---\n${tail(this.stdout)}\n--- ${this.label} stderr ---\n${tail(this.stderr)}`;
	}

	/** Send a signal (SIGKILL by default: a crash) and wait until the process is gone. */
	async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<Exit> {
		if (this.running) this.proc.kill(signal);
		return this.exited;
	}

	/** Wait for the exit; SIGKILL and throw (with the output) if it does not come in time. */
	async waitForExit(timeoutMs: number): Promise<Exit> {
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<"timeout">(resolve => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
		const r = await Promise.race([this.exited, timedOut]);
		clearTimeout(timer);
		if (r === "timeout") {
			await this.kill("SIGKILL");
			throw new Error(`${this.label} did not exit within ${timeoutMs} ms (killed)\n${this.output()}`);
		}
		return r;
	}

	/** Graceful shutdown: SIGTERM, then wait for the exit (SIGKILL and throw after `timeoutMs`). */
	async stop(timeoutMs = 10_000): Promise<Exit> {
		if (!this.running) return this.exited;
		this.proc.kill("SIGTERM");
		return this.waitForExit(timeoutMs);
	}
}

function spawnEntry(args: string[], env: Env, nodeArgs: string[] = []): ChildProcess {
	return spawn(process.execPath, [...nodeArgs, "--import", "tsx", "bin/rookery.ts", ...args], { cwd: ROOT, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
}

/** Spawn the entry point with exactly the Rookery env given (nothing inherited) and `args`. */
export function spawnRookery(args: string[], env: Env = {}, label = "rookery"): RookeryProcess {
	return new RookeryProcess(spawnEntry(args, env), label);
}

/** Run the entry point to completion (CLI modes that exit by themselves). */
export async function runRookery(args: string[], env: Env = {}, timeoutMs = 15_000): Promise<Exit & { stdout: string; stderr: string; ms: number }> {
	const p = spawnRookery(args, env, `rookery ${args.join(" ")}`);
	try {
		const exit = await p.waitForExit(timeoutMs);
		return { ...exit, stdout: p.stdout, stderr: p.stderr, ms: Date.now() - p.spawnedAt };
	} finally {
		await p.kill();
	}
}

export interface NodeOptions {
	/** Default a unique test id; null leaves NODE_ID unset (the node's default, host-pid). */
	nodeId?: string | null;
	transporter?: string | null;
	redisUrl?: string | null;
	/** Comma list; default all services. */
	services?: string;
	/** Default `none`. */
	feed?: "none" | "synthetic" | null;
	/** Default `warn`; null leaves LOG_LEVEL unset (the node's default). */
	logLevel?: string | null;
	/** More environment variables (an undefined value leaves the variable unset). */
	env?: Env;
	args?: string[];
	/** Flags for node itself, before the entry point (a bench's `--cpu-prof`, V8 heap sizes). */
	nodeArgs?: string[];
	/** Time allowed until `/health` answers 200. */
	readyTimeoutMs?: number;
}

/** A running node whose gateway answered `GET /health` with 200. */
export class RookeryNodeProcess extends RookeryProcess {
	port = 0;
	/** When `/health` first answered 200. */
	readyAt = 0;
	nodeId = "";
	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}
	get wsUrl(): string {
		return `ws://127.0.0.1:${this.port}/ws`;
	}
}

/**
 * Start a node on a free port and wait until its gateway (without one: its HEALTH_PORT listener,
 * which needs `monitor` in `services`) is healthy. If it exits or never gets
 * healthy, it is killed and the error carries its output.
 */
export async function startNode(opts: NodeOptions = {}): Promise<RookeryNodeProcess> {
	const port = await freePort();
	const nodeId = opts.nodeId === undefined ? `rk-test-${process.pid}-${port}` : opts.nodeId;
	// A node without a gateway answers `/health` on a probe listener of its own (HEALTH_PORT; needs monitor).
	const gateway = opts.services === undefined || opts.services.split(",").some(s => s.trim() === "gateway");
	const env: Env = {
		NODE_ID: nodeId ?? undefined,
		PORT: gateway ? String(port) : undefined,
		HEALTH_PORT: gateway ? undefined : String(port),
		TRANSPORTER: opts.transporter ?? undefined,
		REDIS_URL: opts.redisUrl ?? undefined,
		SERVICES: opts.services,
		FEED: opts.feed === undefined ? "none" : (opts.feed ?? undefined),
		LOG_LEVEL: opts.logLevel === undefined ? "warn" : (opts.logLevel ?? undefined),
		...opts.env,
	};
	const node = new RookeryNodeProcess(spawnEntry(opts.args ?? [], env, opts.nodeArgs), `node ${nodeId ?? `on port ${port}`}`);
	node.port = port;
	node.nodeId = nodeId ?? "";
	try {
		const died = node.exited.then(e => {
			throw new Error(`exited (code ${e.code}, signal ${e.signal}) before it was healthy`);
		});
		died.catch(() => {});
		await Promise.race([
			died,
			waitFor(async () => (await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(1000) })).status === 200, {
				timeoutMs: opts.readyTimeoutMs ?? 15_000,
				intervalMs: 50,
				what: `GET /health 200 on port ${port}`,
			}),
		]);
	} catch (err) {
		await node.kill();
		throw new Error(`${node.label}: ${(err as Error).message}\n${node.output()}`);
	}
	node.readyAt = Date.now();
	return node;
}
