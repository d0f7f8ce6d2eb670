/**
 * The node's configuration: one typed object, merged from defaults < JSON file < environment <
 * command-line flags, then validated. Nothing else in Rookery reads process.env.
 */
import { applySeedEnv } from "./seed-compat.ts";
import { shownSettings } from "../agents/model.ts";
import { MASK, redactUrl } from "./redact.ts";
import { ConfigError, type RookeryConfig } from "./types.ts";
import { defaultConfig } from "./defaults.ts";
import { fromArgs, fromEnv, fromFile, mergeConfig } from "./layers.ts";
import { validateConfig } from "./schema.ts";

export * from "./types.ts";
export { defaultConfig } from "./defaults.ts";
export { fromArgs, fromEnv, fromFile, mergeConfig } from "./layers.ts";
export { validateConfig } from "./schema.ts";

/** Resolve the configuration from all layers; throws ConfigError listing every problem. */
export function resolveConfig(opts: { env: NodeJS.ProcessEnv; args: Record<string, string | boolean | undefined>; notices?: string[] }): RookeryConfig {
	return validateConfig(mergedConfig(opts));
}

/** All layers merged, not yet validated (plug-ins named in it load before validation: lib/plugins). */
export function mergedConfig(opts: { env: NodeJS.ProcessEnv; args: Record<string, string | boolean | undefined>; notices?: string[] }): RookeryConfig {
	const file = typeof opts.args.config === "string" ? opts.args.config : opts.env.ROOKERY_CONFIG;
	const layers = [file ? fromFile(file) : {}, fromEnv(opts.env), fromArgs(opts.args)];
	// The predecessors' variables sit between the file and ours (lib/config/seed-compat.ts).
	const seeded = mergeConfig(defaultConfig(), layers[0]);
	const seedProblems = applySeedEnv(seeded, opts.env, opts.notices);
	if (seedProblems.length > 0) throw new ConfigError(seedProblems);
	const cfg = mergeConfig(seeded, ...layers.slice(1));
	// Every node runs its own feed, so in a cluster the synthetic feed is opt-in per node:
	// otherwise N nodes would each post every synthetic tick.
	if (cfg.transporter && !layers.some(l => l.feed?.type)) cfg.feed.type = "none";
	return cfg;
}

/** The config with its secrets masked (lib/config/redact.ts), for printing and logs. */
export function maskSecrets(cfg: RookeryConfig): RookeryConfig {
	const vendors = Object.fromEntries(
		Object.entries(cfg.vendors).map(([name, v]) => {
			if (v.type === "http-poll") return [name, { ...v, baseUrl: redactUrl(v.baseUrl) }];
			if (v.type === "rss") return [name, { ...v, urlTemplate: redactUrl(v.urlTemplate) }];
			if (v.type === "alpaca-stream") return [name, { ...v, url: redactUrl(v.url), key: MASK, secret: MASK }];
			return [name, v];
		}),
	);
	const agents = Object.fromEntries(Object.entries(cfg.agents).map(([name, a]) => [name, shownSettings(a)])) as RookeryConfig["agents"];
	return {
		...cfg,
		transporter: redactUrl(cfg.transporter),
		redisUrl: redactUrl(cfg.redisUrl),
		vendors,
		agents,
		alertDelivery: { ...cfg.alertDelivery, smtpUrl: redactUrl(cfg.alertDelivery.smtpUrl) },
		auth: { ...cfg.auth, jwtSecret: cfg.auth.jwtSecret ? MASK : null },
	};
}
