/**
 * One way to hide secrets in what a node shows: answers, logs, REPL tables, `rookery config`
 * (docs/security.md, "Secrets"). Credentials ride in URLs two ways: the user part
 * (`http://user:pw@host`, `nats://token@host`) and query parameters (`?api_key=…`, `?token=…`);
 * both are replaced by `***`, the rest of the URL is kept so an operator still sees where it points.
 */

export const MASK = "***";

/** Query parameters whose value is a credential (compared lower-case, `-` and `_` ignored). */
const SECRET_PARAMS = new Set(["apikey", "key", "token", "accesstoken", "authtoken", "auth", "secret", "clientsecret", "password", "passwd", "pwd", "signature", "sig", "sessionid"]);

export const isSecretParam = (name: string): boolean => SECRET_PARAMS.has(name.toLowerCase().replace(/[-_]/g, ""));

/**
 * A URL with its credentials masked: the password (or a user part alone, which is a token for NATS
 * and for `https://TOKEN@host` style servers) and secret query values. A string that is not a URL
 * but holds a `user:pw@` is masked whole: it cannot be taken apart safely.
 */
export function redactUrl(url: string): string;
export function redactUrl(url: string | null): string | null;
export function redactUrl(url: string | null): string | null {
	if (!url) return url;
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		return /@|[?&][^=]*=/.test(url) ? MASK : url;
	}
	// `user:pw@host` parses as a URL of scheme `user:` with no host: not one to take apart.
	if (!u.host && url.includes("@")) return MASK;
	let changed = false;
	if (u.password) {
		u.password = MASK;
		changed = true;
	} else if (u.username) {
		u.username = MASK;
		changed = true;
	}
	// Rewrite the query only when it holds a secret, so a URL without one comes back byte for byte.
	if ([...u.searchParams.keys()].some(isSecretParam)) {
		const parts = u.search
			.slice(1)
			.split("&")
			.map(p => {
				const eq = p.indexOf("=");
				const name = eq < 0 ? p : p.slice(0, eq);
				let decoded = name;
				try {
					decoded = decodeURIComponent(name.replace(/\+/g, " "));
				} catch {
					// a malformed escape: judged as written
				}
				return eq >= 0 && isSecretParam(decoded) ? `${name}=${MASK}` : p;
			});
		u.search = `?${parts.join("&")}`;
		changed = true;
	}
	return changed ? u.toString().replaceAll("%2A%2A%2A", MASK) : url;
}

/** Every URL in a free text (an error message, a log line) masked. */
export function redactText(text: string): string {
	return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi, m => {
		const tail = /[.,;:)\]]+$/.exec(m)?.[0] ?? ""; // sentence punctuation after a URL is not part of it
		return redactUrl(m.slice(0, m.length - tail.length)) + tail;
	});
}

/** A request target (`/path?token=…`) masked as a URL would be. */
export function redactTarget(target: string): string {
	if (!target.includes("?")) return target;
	const masked = redactUrl(`http://x${target.startsWith("/") ? "" : "/"}${target}`);
	return masked === MASK ? MASK : masked.slice("http://x".length);
}
