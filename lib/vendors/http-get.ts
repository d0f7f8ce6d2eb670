/**
 * One HTTP GET with the vendor error vocabulary: 429 → rate-limited (with Retry-After), 5xx →
 * server, other 4xx → client (not retryable), no answer → network. The caller's AbortSignal
 * (withTimeout) ends the request.
 */
import { VendorError } from "./vendor.ts";
import { redactText } from "../config/redact.ts";

/** Retry-After is seconds or an HTTP date; returns ms from `now`, or undefined when absent/garbled. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
	if (!value) return undefined;
	if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function httpGetText(vendor: string, url: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<string> {
	let res: Response;
	try {
		res = await fetch(url, { signal, headers: { "user-agent": "rookery/0.1", ...headers } });
	} catch (err) {
		if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new VendorError(vendor, "timeout", "request aborted", { cause: err });
		// fetch names the URL in some messages (one with credentials): shown masked (worker status, logs).
		throw new VendorError(vendor, "network", redactText((err as Error).message), { cause: err });
	}
	if (res.status === 429) {
		await res.body?.cancel();
		throw new VendorError(vendor, "rate-limited", "429 Too Many Requests", { status: 429, retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), Date.now()) });
	}
	if (res.status >= 500) {
		await res.body?.cancel();
		throw new VendorError(vendor, "server", `HTTP ${res.status}`, { status: res.status });
	}
	if (res.status >= 400) {
		const text = await res.text().catch(() => "");
		throw new VendorError(vendor, res.status === 401 || res.status === 403 ? "auth" : "client", `HTTP ${res.status} ${text.slice(0, 200)}`, { status: res.status });
	}
	try {
		return await res.text();
	} catch (err) {
		if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
		throw new VendorError(vendor, "network", `body cut off: ${(err as Error).message}`, { cause: err });
	}
}
