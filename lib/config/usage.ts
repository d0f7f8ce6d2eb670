/**
 * The `--help` text of bin/rookery.ts. The service list comes from SERVICE_NAMES, so it cannot
 * drift from what `--services` accepts.
 */
import { LOG_LEVELS, SERVICE_NAMES } from "./config.ts";

/** `names` joined with `sep`, wrapped to lines of at most `width` characters, later lines indented. */
function wrap(names: readonly string[], sep: string, width: number, indent: string): string {
	const lines: string[] = [];
	let line = "";
	for (const [i, name] of names.entries()) {
		const word = name + (i < names.length - 1 ? sep : "");
		if (line && line.length + word.length > width) {
			lines.push(line.trimEnd());
			line = "";
		}
		line += word;
	}
	if (line) lines.push(line);
	return lines.join(`\n${indent}`);
}

export function usageText(): string {
	const pad = " ".repeat(24);
	return `Usage: npm start -- [options]

  --symbols AAPL,MSFT   symbols of the synthetic feed (env SYMBOLS)
  --port 3000           gateway port (env PORT)
  --log-level info      ${LOG_LEVELS.join("|")} (env LOG_LEVEL)
  --feed synthetic      synthetic|none (env FEED)
  --services a,b        services this node runs (env SERVICES; default all):
                        ${wrap(SERVICE_NAMES, ",", 56, pad)}
  --node-id ID          node id in the cluster (env NODE_ID)
  --config file.json    JSON config file (env ROOKERY_CONFIG)
  --show-config         print the resolved config (secrets masked) and exit
  --validate-only       check the config and Redis/NATS connectivity, then exit
  --repl                start the Moleculer REPL on this node
  -h, --help            this text

Plug-ins: ROOKERY_PLUGINS=./my-plugin.ts,… or "plugins" in the config file
(docs/plugins.md).
Cluster mode: TRANSPORTER=nats://host:4222 REDIS_URL=redis://host:6379
(see README).
HEALTH_PORT=8080: probes and /metrics on a port of their own, for nodes
without a gateway.`;
}
