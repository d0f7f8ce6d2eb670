/**
 * Who is calling: credentials from a request (Bearer JWT or API key, `X-API-Key`, `?token=` /
 * `?api_key=` for browsers) resolved to a principal with a tier and roles; anonymous callers get
 * the configured tier, or in development mode (no credentials configured at all) the `internal`
 * tier, plus the admin role from loopback. Also the one place that decides if a principal may call
 * an action marked `role: "admin"`.
 */
import type { JWTPayload } from "jose";
import { ApiKeyStore, looksLikeApiKey } from "./api-keys.ts";
import { ForbiddenError, UnauthorizedError } from "./errors.ts";
import { JwtVerifier, type JwtSettings } from "./jwt.ts";
import { isTierName, type TierName } from "./tiers.ts";

export const ADMIN_ROLE = "admin";
/** Spread into an action definition (`...ADMIN_ONLY`): the gateway then refuses non-admin callers. */
export const ADMIN_ONLY = { role: ADMIN_ROLE } as const;

export interface Principal {
	/** JWT `sub`, `key:<id>` for an API key, null when anonymous. */
	sub: string | null;
	tier: TierName;
	roles: string[];
	via: "jwt" | "api-key" | "anonymous";
	/** When the credentials stop being valid (JWT `exp`), epoch ms; null = no expiry. */
	expiresAt: number | null;
	/** True in development mode (no credentials configured at all). */
	dev: boolean;
}

export interface AuthSettings extends JwtSettings {
	anonymousTier: TierName | null;
}

/** Headers and query of a request, as far as credentials go. */
export interface CredentialSource {
	headers: Record<string, string | string[] | undefined>;
	query: URLSearchParams;
}

const header = (h: CredentialSource["headers"], name: string) => {
	const v = h[name];
	return Array.isArray(v) ? v[0] : v;
};

export function isLoopback(address: string | undefined): boolean {
	if (!address) return false;
	return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

export class Authenticator {
	readonly jwt: JwtVerifier | null;

	constructor(
		readonly settings: AuthSettings,
		readonly keys: ApiKeyStore,
		readonly now: () => number = Date.now,
	) {
		this.jwt = JwtVerifier.configured(settings) ? new JwtVerifier(settings, now) : null;
	}

	/** No JWT key and no API key: anonymous callers are let in (documented development mode). */
	async devMode(): Promise<boolean> {
		return !this.jwt && (await this.keys.count()) === 0;
	}

	/** The credential a request carries, if any. */
	credentialOf(src: CredentialSource): string | null {
		const auth = header(src.headers, "authorization");
		if (auth) {
			const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
			if (!m) throw new UnauthorizedError("Authorization header must be 'Bearer <token>'");
			return m[1];
		}
		return header(src.headers, "x-api-key") || src.query.get("token") || src.query.get("api_key") || null;
	}

	/** A JWT or API key → principal; throws UnauthorizedError saying why it is refused. */
	async authenticate(token: string): Promise<Principal> {
		if (looksLikeApiKey(token)) {
			const rec = await this.keys.verify(token);
			if (!rec) throw new UnauthorizedError("unknown or revoked API key");
			return { sub: `key:${rec.id}`, tier: rec.tier, roles: rec.roles, via: "api-key", expiresAt: null, dev: false };
		}
		if (!this.jwt) throw new UnauthorizedError("JWTs are not accepted: no JWT secret or public key is configured");
		return principalFromClaims(await this.jwt.verify(token));
	}

	/** The principal of a request: its credential's, or the anonymous one. */
	async resolve(src: CredentialSource, remoteAddress: string | undefined): Promise<Principal> {
		const token = this.credentialOf(src);
		if (token) return this.authenticate(token);
		return this.anonymous(remoteAddress);
	}

	/** A caller without credentials, or 401 when anonymous access is off. */
	async anonymous(remoteAddress: string | undefined): Promise<Principal> {
		return this.#anonymous(await this.devMode(), remoteAddress);
	}

	/**
	 * `anonymous()` without waiting when development mode is known from the cached key count (the
	 * REST path, one call per request); null when it must be looked up: call `anonymous()`.
	 */
	anonymousNow(remoteAddress: string | undefined): Principal | null {
		if (this.jwt) return this.#anonymous(false, remoteAddress);
		const keys = this.keys.cachedCount();
		return keys === null ? null : this.#anonymous(keys === 0, remoteAddress);
	}

	#anonymous(dev: boolean, remoteAddress: string | undefined): Principal {
		if (dev) return { sub: null, tier: "internal", roles: isLoopback(remoteAddress) ? [ADMIN_ROLE] : [], via: "anonymous", expiresAt: null, dev: true };
		if (!this.settings.anonymousTier) throw new UnauthorizedError("credentials required: 'Authorization: Bearer <JWT or API key>', 'X-API-Key' or '?token='");
		return { sub: null, tier: this.settings.anonymousTier, roles: [], via: "anonymous", expiresAt: null, dev: false };
	}

	/** Throws ForbiddenError unless the principal may call an action that needs `role`. */
	static authorize(p: Principal, action: { name?: string; role?: unknown }): void {
		if (typeof action.role !== "string") return;
		if (!p.roles.includes(action.role)) throw new ForbiddenError(`'${action.name ?? "this action"}' needs the ${action.role} role`, { role: action.role });
	}
}

/** A caller without credentials at the free tier: health probes, and WS clients until they send `auth`. */
export const anonymousFree = (): Principal => ({ sub: null, tier: "free", roles: [], via: "anonymous", expiresAt: null, dev: false });

/** `tier` claim (default free), roles from `roles` (array) and/or `role` (string). */
export function principalFromClaims(c: JWTPayload): Principal {
	const tier = c.tier ?? "free";
	if (!isTierName(tier)) throw new UnauthorizedError(`JWT tier '${String(tier)}' is unknown (free, pro or internal)`);
	const roles = new Set<string>();
	if (Array.isArray(c.roles)) for (const r of c.roles) if (typeof r === "string") roles.add(r);
	if (typeof c.role === "string") roles.add(c.role);
	return { sub: typeof c.sub === "string" ? c.sub : null, tier, roles: [...roles], via: "jwt", expiresAt: typeof c.exp === "number" ? c.exp * 1000 : null, dev: false };
}
