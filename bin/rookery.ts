/**
 * The one entry point: `npm start` (embedded) or, with TRANSPORTER/REDIS_URL, a cluster node.
 * Config merges defaults < --config file (or ROOKERY_CONFIG) < environment < flags.
 */
import { parseArgs } from "node:util";
import { ConfigError, maskSecrets, type RookeryConfig } from "../lib/config/config.ts";
import { loadedPlugins, PluginError, resolveConfigWithPlugins } from "../lib/plugins/loader.ts";
import { checkConnectivity } from "../lib/config/connectivity.ts";
import { usageText } from "../lib/config/usage.ts";
import { createNode, type RookeryNode } from "../runtime/node.ts";

const USAGE = usageText();

function parse(argv: string[]) {
	return parseArgs({
		args: argv,
		strict: true,
		options: {
			symbols: { type: "string" },
			port: { type: "string" },
			"log-level": { type: "string" },
			feed: { type: "string" },
			services: { type: "string" },
			"node-id": { type: "string" },
			config: { type: "string" },
			"show-config": { type: "boolean" },
			"validate-only": { type: "boolean" },
			repl: { type: "boolean" },
			help: { type: "boolean", short: "h" },
		},
	}).values;
}

function printUrls(config: RookeryConfig, node: RookeryNode): void {
	const port = node.port();
	const mode = config.transporter ? `cluster node ${config.nodeId}` : "embedded mode";
	const env = config.environment ? `; environment: ${config.environment}` : "";
	const lines = [`Rookery is running (${mode}; store: ${node.deps.store.kind}; feed: ${config.feed.type}${env})`];
	if (port !== null) {
		const secure = config.tls.https.cert !== null;
		const base = `${secure ? "https" : "http"}://localhost:${port}`;
		const sym = config.symbols[0] ?? "AAPL";
		lines.push(
			`  dashboard ${base}/`,
			`  REST     ${base}/api/v1/symbols`,
			`  latest   ${base}/api/v1/symbols/${sym}/latest`,
			`  bars     ${base}/api/v1/symbols/${sym}/bars?tf=1m`,
			`  ws       ${secure ? "wss" : "ws"}://localhost:${port}/ws   send {"op":"subscribe","topics":["ticks:${sym}"]}`,
			`  sse      ${base}/api/v1/stream?topics=ticks:${sym}`,
			`  docs     ${base}/docs   (Swagger UI; OpenAPI: ${base}/api/openapi.json)`,
			`  health   ${base}/health`,
			`  metrics  ${base}/metrics`,
		);
	}
	for (const p of loadedPlugins()) {
		const adds = [...p.indicators.map(k => `indicator ${k}`), ...p.strategies.map(k => `strategy ${k}`), ...p.vendors.map(k => `vendor type ${k}`)];
		lines.push(`  plug-in  ${p.name} (${p.module}): ${adds.join(", ") || "nothing"}`);
	}
	const healthPort = node.healthPort();
	if (healthPort !== null) lines.push(`  probes   http://localhost:${healthPort}/health/ready   (and /health, /health/live, /metrics)`);
	process.stdout.write(lines.join("\n") + "\n");
}

async function main(): Promise<number> {
	let args: ReturnType<typeof parse>;
	try {
		args = parse(process.argv.slice(2));
	} catch (err) {
		process.stderr.write(`rookery: ${(err as Error).message}\n\n${USAGE}\n`);
		return 2;
	}
	if (args.help) {
		process.stdout.write(USAGE + "\n");
		return 0;
	}
	let config: RookeryConfig;
	const notices: string[] = [];
	try {
		config = await resolveConfigWithPlugins({ env: process.env, args, notices });
	} catch (err) {
		if (err instanceof PluginError) {
			process.stderr.write(`plugins: ${err.message}\n`);
			return 1;
		}
		if (!(err instanceof ConfigError)) throw err;
		for (const p of err.problems) process.stderr.write(`config: ${p}\n`);
		return 1;
	}
	for (const n of notices) process.stderr.write(`config: ${n}\n`);
	if (args["show-config"]) {
		process.stdout.write(JSON.stringify(maskSecrets(config), null, 2) + "\n");
		return 0;
	}
	if (args["validate-only"]) {
		const problems = await checkConnectivity(config);
		for (const p of problems) process.stderr.write(`${p}\n`);
		if (problems.length === 0) process.stdout.write(`config OK${config.redisUrl ? "; redis reachable" : ""}${config.transporter ? "; nats reachable" : ""}\n`);
		return problems.length ? 1 : 0;
	}

	const node = await createNode(config);
	let stopping = false;
	const shutdown = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		node.broker.logger.info({ signal }, "shutting down");
		const force = setTimeout(() => process.exit(1), 15_000).unref();
		let code = 0;
		try {
			await node.stop();
		} catch (err) {
			node.broker.logger.error({ err: (err as Error).message }, "shutdown failed");
			code = 1;
		} finally {
			clearTimeout(force);
			process.exit(code);
		}
	};
	process.on("SIGTERM", () => void shutdown("SIGTERM"));
	process.on("SIGINT", () => void shutdown("SIGINT"));
	await node.start();
	printUrls(config, node);
	if (args.repl) await node.broker.repl();
	return -1; // keep running
}

main().then(
	code => {
		if (code >= 0) process.exit(code);
	},
	err => {
		process.stderr.write(`rookery: ${(err as Error).stack ?? String(err)}\n`);
		process.exit(1);
	},
);
