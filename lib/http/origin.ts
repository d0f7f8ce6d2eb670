/**
 * Which browser pages may open a WebSocket to the gateway. Browsers send `Origin` on every
 * WebSocket handshake and CORS does not apply to WebSockets, so the gateway checks it against
 * the same allow-list as REST CORS (`http.corsOrigins`). Clients that are not browsers send no
 * `Origin` and are not affected.
 */

/**
 * True when a page of `origin` may connect: listed in `allowed` (or `*` is), or the page's own
 * host is the one it connects to (same origin: a page served by the gateway itself).
 */
export function originAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
	if (allowed.includes("*") || allowed.includes(origin)) return true;
	if (!host || origin === "null") return false;
	let pageHost: string;
	try {
		pageHost = new URL(origin).host;
	} catch {
		return false;
	}
	return pageHost !== "" && pageHost === host.toLowerCase();
}
