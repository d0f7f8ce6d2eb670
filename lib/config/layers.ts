/**
 * The layers over the defaults: a JSON file, the environment, the command-line flags, and how
 * they merge (lib/config/config.ts resolves them in that order).
 */
import { readFileSync } from "node:fs";
import type { TierName } from "../auth/tiers.ts";
import { fromSeedConfigFile, isSeedConfigFile } from "./seed-compat.ts";
import { tlsFromEnv } from "./tls.ts";
import { agentsFromEnv, mergeAgentsLayer } from "../agents/agent-config.ts";
import { ConfigError, LOG_LEVELS, type ConfigOverrides, type LogFormat, type LogLevel, type RookeryConfig, type ServiceName } from "./types.ts";

const list = (s: string) =>
	s
		.split(",")
		.map(x => x.trim())
		.filter(Boolean);
/** A number from text; text that is not one stays text, so the error shows what was given. */
const num = (s: string) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : s) as number;
/**
 * A log level as the predecessors write it too: any case (seed 000's `LOG_LEVEL=INFO`, seed 004's
 * `--log-level DEBUG`) and Python's `warning` / `critical`; anything else stays as given, for the error.
 */
const PYTHON_LEVELS: Record<string, LogLevel> = { warning: "warn", critical: "fatal" };
const level = (s: string) => {
	const l = s.trim().toLowerCase();
	return (PYTHON_LEVELS[l] ?? ((LOG_LEVELS as readonly string[]).includes(l) ? l : s)) as LogLevel;
};
/** A yes/no from text (1/0, true/false); anything else stays text, for the same reason. */
const flag = (s: string) => ({ "1": true, true: true, "0": false, false: false })[s.trim().toLowerCase()] ?? (s as unknown as boolean);

/** The environment variables a node reads, each with the config path it sets. */
export function fromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
	const o: ConfigOverrides = {};
	if (env.NODE_ID) o.nodeId = env.NODE_ID;
	if (env.TRANSPORTER) o.transporter = env.TRANSPORTER;
	if (env.REDIS_URL) o.redisUrl = env.REDIS_URL;
	if (env.SERVICES) o.services = list(env.SERVICES) as ServiceName[];
	if (env.PORT) o.port = num(env.PORT);
	if (env.HEALTH_PORT) o.healthPort = num(env.HEALTH_PORT);
	if (env.HOST) o.host = env.HOST;
	if (env.LOG_LEVEL) o.logLevel = level(env.LOG_LEVEL);
	if (env.LOG_FORMAT) o.logFormat = env.LOG_FORMAT as LogFormat;
	if (env.LATENCY_STAGES) o.latencyStages = flag(env.LATENCY_STAGES);
	if (env.SYMBOLS) o.symbols = list(env.SYMBOLS);
	if (env.ROOKERY_PLUGINS) o.plugins = list(env.ROOKERY_PLUGINS);
	const agents = agentsFromEnv(env);
	if (agents) o.agents = agents as ConfigOverrides["agents"];
	const tls = tlsFromEnv(env);
	if (tls) o.tls = tls as ConfigOverrides["tls"];
	const feed: ConfigOverrides["feed"] = {};
	if (env.FEED) feed.type = env.FEED as "synthetic" | "none";
	if (env.FEED_RATE) feed.ticksPerSecond = num(env.FEED_RATE);
	if (env.FEED_SEED) feed.seed = num(env.FEED_SEED);
	if (env.FEED_HISTORY_MINUTES) feed.historyMinutes = num(env.FEED_HISTORY_MINUTES);
	if (Object.keys(feed).length) o.feed = feed;
	const auth: ConfigOverrides["auth"] = {};
	if (env.JWT_SECRET) auth.jwtSecret = env.JWT_SECRET;
	// A PEM in one env line may carry its newlines as `\n`.
	if (env.JWT_PUBLIC_KEY) auth.jwtPublicKey = env.JWT_PUBLIC_KEY.replaceAll("\\n", "\n");
	if (env.JWT_ISSUER) auth.jwtIssuer = env.JWT_ISSUER;
	if (env.JWT_AUDIENCE) auth.jwtAudience = env.JWT_AUDIENCE;
	if (env.AUTH_ANONYMOUS_TIER) auth.anonymousTier = (env.AUTH_ANONYMOUS_TIER === "none" ? null : env.AUTH_ANONYMOUS_TIER) as TierName | null;
	if (Object.keys(auth).length) o.auth = auth;
	const http: ConfigOverrides["http"] = {};
	if (env.CORS_ORIGINS) http.corsOrigins = list(env.CORS_ORIGINS);
	if (env.HTTP_DIRECT_READS) http.directReads = flag(env.HTTP_DIRECT_READS);
	if (env.HTTP_QUOTE_CACHE_MS) http.quoteCacheMs = num(env.HTTP_QUOTE_CACHE_MS);
	if (Object.keys(http).length) o.http = http;
	return o;
}

/** Command-line flags; unknown flags are an error rather than silently ignored. */
export function fromArgs(args: Record<string, string | boolean | undefined>): ConfigOverrides {
	const o: ConfigOverrides = {};
	if (typeof args.symbols === "string") o.symbols = list(args.symbols);
	if (typeof args["log-level"] === "string") o.logLevel = level(args["log-level"]);
	if (typeof args.port === "string") o.port = num(args.port);
	if (typeof args["node-id"] === "string") o.nodeId = args["node-id"];
	if (typeof args.services === "string") o.services = list(args.services) as ServiceName[];
	if (typeof args.feed === "string") o.feed = { type: args.feed as "synthetic" | "none" };
	return o;
}

export function fromFile(path: string): ConfigOverrides {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (err) {
		throw new ConfigError([`config file ${path}: ${(err as Error).message}`]);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (err) {
		throw new ConfigError([`config file ${path}: not valid JSON (${(err as Error).message})`]);
	}
	if (!isSeedConfigFile(json)) return json as ConfigOverrides;
	// Seed 004's format (lib/config/seed-compat.ts).
	const { overrides, problems } = fromSeedConfigFile(json);
	if (problems.length > 0) throw new ConfigError(problems.map(p => `config file ${path}: ${p}`));
	return overrides as ConfigOverrides;
}

/** Merge layers left to right; objects merge key by key, arrays and scalars replace. */
export function mergeConfig(base: RookeryConfig, ...layers: ConfigOverrides[]): RookeryConfig {
	const out = structuredClone(base) as unknown as Record<string, unknown>;
	for (const layer of layers) {
		for (const [k, v] of Object.entries(layer)) {
			if (v === undefined) continue;
			const cur = out[k];
			if ((k === "agents" || k === "tls" || k === "workers" || k === "alerts") && v && typeof v === "object" && cur && typeof cur === "object") out[k] = mergeAgentsLayer(cur, v);
			else out[k] = v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" ? { ...cur, ...v } : v;
		}
	}
	return out as unknown as RookeryConfig;
}
