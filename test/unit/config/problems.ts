import { ConfigError, resolveConfig } from "../../../lib/config/config.ts";

/** The problems resolveConfig reports for this env and these flags; [] when the config is valid. */
export function configProblems(env: NodeJS.ProcessEnv, args: Record<string, string> = {}): string[] {
	try {
		resolveConfig({ env, args });
	} catch (e) {
		if (e instanceof ConfigError) return e.problems;
		throw e;
	}
	return [];
}
