/**
 * The literal start of a moleculer-web alias path (path-to-regexp 8 syntax): everything before the
 * first parameter (`:`), wildcard (`*`), optional group (`{`) or escape (`\`), lower-cased. A URL
 * that does not start with it (compared lower-cased, as the alias regexps ignore case) cannot match
 * the alias, so the gateway tests it before running the alias's regexp: with ~90 aliases most are
 * ruled out by a string comparison instead of a regexp each.
 */
export function aliasLiteralPrefix(fullPath: string): string {
	const end = fullPath.search(/[:*{\\]/);
	return (end < 0 ? fullPath : fullPath.slice(0, end)).toLowerCase();
}

interface MatchableAlias {
	fullPath: string;
	/** Cached aliasLiteralPrefix(fullPath). */
	$literalPrefix?: string;
	isMethod(method: string): boolean;
	match(url: string): Record<string, unknown> | false;
}

/**
 * moleculer-web's alias resolution (the first alias, in its order, whose method and regexp match),
 * with the literal-prefix test first. Same answer as moleculer-web's `resolveAlias`.
 */
export function resolveAliasByPrefix<A extends MatchableAlias>(aliases: readonly A[], url: string, method: string): { alias: A; params: Record<string, unknown> } | false {
	const lower = url.toLowerCase();
	for (const alias of aliases) {
		if (!alias.isMethod(method)) continue;
		const prefix = (alias.$literalPrefix ??= aliasLiteralPrefix(alias.fullPath));
		if (!lower.startsWith(prefix)) continue;
		const params = alias.match(url);
		if (params) return { alias, params };
	}
	return false;
}

type Resolved<A> = { alias: A; params: Record<string, unknown> } | false;

/**
 * resolveAliasByPrefix with the answers for the last `max` distinct method + URL kept (clients
 * repeat the same reads). Only matches of URLs up to `maxUrl` characters are kept, so a client
 * scanning long or unknown URLs neither fills memory nor pushes the real reads out. Emptied when
 * the alias table changes (moleculer-web replaces or extends it when routes are added or removed).
 * The params of a kept answer are frozen: callers copy them.
 */
export class AliasResolver<A extends MatchableAlias> {
	#memo = new Map<string, Exclude<Resolved<A>, false>>();
	#table: readonly A[] | null = null;
	#length = 0;

	constructor(
		readonly max = 1000,
		readonly maxUrl = 256,
	) {}

	resolve(aliases: readonly A[], url: string, method: string): Resolved<A> {
		if (aliases !== this.#table || aliases.length !== this.#length) {
			this.#memo.clear();
			this.#table = aliases;
			this.#length = aliases.length;
		}
		if (url.length > this.maxUrl) return resolveAliasByPrefix(aliases, url, method);
		const key = `${method} ${url}`;
		const known = this.#memo.get(key);
		if (known !== undefined) return known;
		const found = resolveAliasByPrefix(aliases, url, method);
		if (!found) return false;
		Object.freeze(found.params);
		if (this.#memo.size >= this.max) this.#memo.clear();
		this.#memo.set(key, found);
		return found;
	}
}
