/**
 * The services folder loads the Moleculer way (issue 14 item 6): `moleculer-runner` with
 * moleculer.config.ts starts every `services/**\/*.service.ts` (the `npm run start:runner`
 * command, docs/operations.md) as an embedded node that answers /health, and stops on SIGTERM.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { childEnv, ROOT, RookeryProcess } from "../helpers/node-process.ts";
import { freePort } from "../helpers/ports.ts";
import { SERVICE_NAMES } from "../../lib/config/config.ts";

const STARTED = /ServiceBroker with \d+ service\(s\) started successfully/;

describe("moleculer-runner starts the services folder", function () {
	this.timeout(90_000);
	let runner: RookeryProcess | null = null;
	after(async () => {
		await runner?.kill();
	});

	it("loads every service file with moleculer.config.ts and answers GET /health with 200", async () => {
		const port = await freePort();
		const proc = spawn(process.execPath, ["--import", "tsx", "node_modules/moleculer/bin/moleculer-runner.js", "--config", "moleculer.config.ts", "--mask", "**/*.service.ts", "services"], {
			cwd: ROOT,
			env: childEnv({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", LOG_FORMAT: "json", FEED: "none" }),
			stdio: ["ignore", "pipe", "pipe"],
		});
		runner = new RookeryProcess(proc, "moleculer-runner");
		const p = runner;
		await new Promise<void>((resolve, reject) => {
			const check = () => STARTED.test(p.stdout) && resolve();
			proc.stdout!.on("data", check);
			void p.exited.then(e => reject(new Error(`the runner exited (${JSON.stringify(e)}) before starting\n${p.output()}`)));
		});
		for (const name of SERVICE_NAMES) {
			expect(p.stdout, `service ${name} registered\n${p.output()}`).to.include(`'${name}' service is registered.`);
		}
		const res = await fetch(`http://127.0.0.1:${port}/health`);
		expect(res.status, p.output()).to.equal(200);
		const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
		expect(body.checks.store.ok).to.equal(true);
		expect((await p.stop(20_000)).code).to.equal(0);
	});
});
