/**
 * Refusals of WebSocket upgrade requests, written on the raw socket before any WebSocket exists:
 * an HTTP status line and the REST error body (`{"error": {"code", "message"}}`).
 */

/** Error codes of refused WebSocket upgrades, by HTTP status (lib/protocol/errors.ts, lib/auth/errors.ts). */
const UPGRADE_REFUSAL_CODES: Record<string, string> = { "400": "BAD_REQUEST", "401": "UNAUTHORIZED", "403": "FORBIDDEN", "404": "NOT_FOUND", "422": "VALIDATION_ERROR", "503": "SERVICE_UNAVAILABLE" };

/** The whole HTTP answer refusing an upgrade with `status` (e.g. "404 Not Found"); the connection closes after it. */
export function upgradeRefusal(status: string, message: string): string {
	const code = UPGRADE_REFUSAL_CODES[status.slice(0, 3)] ?? "BAD_REQUEST";
	return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: { code, message } })}`;
}
