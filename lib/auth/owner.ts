/**
 * Authorization by owner for per-user resources (intelligence streams now; alert rules and the like
 * later): a resource records who created it, and only that caller or an admin sees or changes it
 * (docs/security.md, "Per-user resources").
 *
 * - Identity: `jwt:<sub>` for a JWT, `key:<id>` for an API key (the principal's sub already), so a
 *   JWT whose `sub` is `key:…` cannot pass for an API key. Callers without one (anonymous, in
 *   development mode or with ANONYMOUS_TIER, and JWTs without `sub`) share one identity, `anonymous`.
 * - Admins (the `admin` role; in development mode every loopback caller) see and change everything.
 * - A call without `meta.auth` comes from inside the cluster (REPL, another service), not from the
 *   gateway, which sets it on every REST call: it is trusted like an admin.
 * - Someone else's resource is answered as not found (404), not forbidden (403): a 403 would tell
 *   a caller that an id exists.
 */
import { ADMIN_ROLE } from "./authenticator.ts";

/** What the gateway puts in `ctx.meta.auth` for an action (mixins/gateway/auth.mixin.ts, authorize). */
export interface CallerAuth {
	sub: string | null;
	roles: string[];
	via: "jwt" | "api-key" | "anonymous";
}

export const ANONYMOUS_OWNER = "anonymous";
/** The owner recorded for resources made from inside the cluster. */
export const SYSTEM_OWNER = "system";

/** The owner id of a caller, as stored with the resources it creates. */
export function ownerIdOf(auth: CallerAuth | null | undefined): string {
	if (!auth) return SYSTEM_OWNER;
	if (!auth.sub) return ANONYMOUS_OWNER;
	return auth.via === "jwt" ? `jwt:${auth.sub}` : auth.sub;
}

/** May this caller see and change a resource owned by `owner`? (undefined owner = made before owners were recorded: admins only) */
export function mayAccess(auth: CallerAuth | null | undefined, owner: string | undefined): boolean {
	if (!auth || auth.roles.includes(ADMIN_ROLE)) return true;
	return owner !== undefined && owner === ownerIdOf(auth);
}

/** The resources this caller may see. */
export function visibleTo<T>(auth: CallerAuth | null | undefined, items: T[], ownerOf: (item: T) => string | undefined): T[] {
	return items.filter(i => mayAccess(auth, ownerOf(i)));
}

/**
 * The resource when the caller may access it; else the error `notFound` makes, the same one a
 * missing resource gets, so both answers are alike.
 */
export function ownedOrNotFound<T>(auth: CallerAuth | null | undefined, item: T | null | undefined, ownerOf: (item: T) => string | undefined, notFound: () => Error): T {
	if (item === null || item === undefined || !mayAccess(auth, ownerOf(item))) throw notFound();
	return item;
}
