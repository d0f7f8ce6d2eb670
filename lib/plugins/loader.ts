/**
 * Loading plug-ins at start (docs/plugins.md): each module named in `plugins` / ROOKERY_PLUGINS is
 * imported, its default export checked against the contract (api.ts: shape, `apiVersion`, names
 * new and well-formed, no name twice), and only then are its indicators, strategies and vendor
 * types registered, all or nothing. Any problem throws PluginError naming the module and the
 * field, and the node does not start. A module already loaded in this process is not loaded twice.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Validator } from "../validation/validator.ts";
import { mergedConfig, validateConfig, type RookeryConfig } from "../config/config.ts";
import { INDICATOR_KINDS, registerIndicator } from "../indicators/registry.ts";
import { registerStrategy, STRATEGY_NAMES } from "../strategies/index.ts";
import { registerVendorType, vendorTypes } from "../vendors/index.ts";
import { PLUGIN_API_VERSION, type RookeryPlugin } from "./api.ts";

export class PluginError extends Error {
	override readonly name = "PluginError";
	readonly code = "BAD_PLUGIN";
}

export interface LoadedPlugin {
	name: string;
	module: string;
	indicators: string[];
	strategies: string[];
	vendors: string[];
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const fn = { type: "function" } as const;
const checkShape = new Validator({ haltOnFirstError: false }).compile({
	$$root: true,
	type: "object",
	props: {
		apiVersion: { type: "equal", value: PLUGIN_API_VERSION, strict: true },
		name: { type: "string", pattern: /^[a-z0-9@/._-]{1,64}$/ },
		indicators: {
			type: "array",
			optional: true,
			max: 100,
			items: { type: "object", props: { kind: { type: "string", pattern: NAME }, defaults: { type: "array", max: 8, items: { type: "number", positive: true, finite: true } }, make: fn } },
		},
		strategies: { type: "array", optional: true, max: 100, items: { type: "object", props: { name: { type: "string", pattern: NAME }, make: fn } } },
		vendors: { type: "array", optional: true, max: 100, items: { type: "object", props: { type: { type: "string", pattern: NAME }, create: fn } } },
	},
}) as (v: unknown) => true | Array<{ message: string }>;

const loaded = new Map<string, LoadedPlugin>();

/** The plug-ins loaded in this process, in load order. */
export function loadedPlugins(): LoadedPlugin[] {
	return [...loaded.values()];
}

/** A path (relative to `cwd`) or a package name, as import() takes it. */
export function pluginUrl(spec: string, cwd = process.cwd()): string {
	return spec.startsWith(".") || isAbsolute(spec) ? pathToFileURL(resolve(cwd, spec)).href : spec;
}

export async function loadPlugins(specs: string[], cwd = process.cwd()): Promise<LoadedPlugin[]> {
	const out: LoadedPlugin[] = [];
	for (const spec of specs) out.push(await loadPlugin(spec, cwd));
	return out;
}

export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<LoadedPlugin> {
	const url = pluginUrl(spec, cwd);
	const already = loaded.get(url);
	if (already) return already;
	let mod: { default?: unknown };
	try {
		mod = (await import(url)) as { default?: unknown };
	} catch (err) {
		throw new PluginError(`plug-in ${spec}: cannot be imported (${(err as Error).message})`, { cause: err });
	}
	const p = checkPlugin(spec, mod.default);
	const names = (xs: Array<{ [k: string]: unknown }> | undefined, key: string) => (xs ?? []).map(x => x[key] as string);
	const entry: LoadedPlugin = { name: p.name, module: spec, indicators: names(p.indicators as never, "kind"), strategies: names(p.strategies as never, "name"), vendors: names(p.vendors as never, "type") };
	for (const i of p.indicators ?? []) registerIndicator(i.kind, { defaults: [...i.defaults], make: params => i.make(params) });
	for (const s of p.strategies ?? []) registerStrategy(s.name, params => s.make(params));
	for (const v of p.vendors ?? []) registerVendorType(v.type, v.create);
	loaded.set(url, entry);
	return entry;
}

/** The default export checked against the contract; every problem listed in one PluginError. */
export function checkPlugin(spec: string, p: unknown): RookeryPlugin {
	if (p === null || typeof p !== "object")
		throw new PluginError(`plug-in ${spec}: the default export must be a plug-in object ({apiVersion: ${PLUGIN_API_VERSION}, name, indicators?, strategies?, vendors?}), got ${p === null ? "null" : typeof p}`);
	const v = (p as { apiVersion?: unknown }).apiVersion;
	if (v !== PLUGIN_API_VERSION) throw new PluginError(`plug-in ${spec}: apiVersion ${JSON.stringify(v)} is not supported (this Rookery speaks plug-in API ${PLUGIN_API_VERSION})`);
	const r = checkShape(p);
	if (r !== true) throw new PluginError(`plug-in ${spec}: ${r.map(e => e.message).join("; ")}`);
	const plugin = p as RookeryPlugin;
	const problems = [
		...clashes(
			"indicator kind",
			(plugin.indicators ?? []).map(i => i.kind),
			INDICATOR_KINDS,
		),
		...clashes(
			"strategy",
			(plugin.strategies ?? []).map(s => s.name),
			STRATEGY_NAMES,
		),
		...clashes(
			"vendor type",
			(plugin.vendors ?? []).map(x => x.type),
			vendorTypes(),
		),
	];
	if (problems.length) throw new PluginError(`plug-in ${spec}: ${problems.join("; ")}`);
	return plugin;
}

function clashes(what: string, mine: string[], existing: readonly string[]): string[] {
	const out: string[] = [];
	mine.forEach((n, i) => {
		if (existing.includes(n)) out.push(`${what} "${n}" already exists`);
		else if (mine.indexOf(n) !== i) out.push(`${what} "${n}" is given twice`);
	});
	return out;
}

/**
 * The configuration of a starting node: all layers merged, the plug-ins it names loaded, then
 * validated (so `analysis.indicators` may name a plug-in's kind). Throws ConfigError or PluginError.
 */
export async function resolveConfigWithPlugins(opts: { env: NodeJS.ProcessEnv; args: Record<string, string | boolean | undefined>; notices?: string[] }): Promise<RookeryConfig> {
	const cfg = mergedConfig(opts);
	if (!Array.isArray(cfg.plugins) || cfg.plugins.some(p => typeof p !== "string")) return validateConfig(cfg); // reports the bad field
	await loadPlugins(cfg.plugins);
	return validateConfig(cfg);
}
