/**
 * REST for the dashboard: the caller's API key or token (kept in sessionStorage only, so it goes
 * with the tab) goes in `Authorization`, and error answers become ApiError with the server's code.
 */
const TOKEN_KEY = "rookery.token";

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		/** A 422's fields, by path. */
		readonly details?: Array<{ field: string; message: string }>,
	) {
		super(message);
	}
}

export function token(): string | null {
	return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
	if (value) sessionStorage.setItem(TOKEN_KEY, value);
	else sessionStorage.removeItem(TOKEN_KEY);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
	const headers: Record<string, string> = { Accept: "application/json" };
	const t = token();
	if (t) headers.Authorization = `Bearer ${t}`;
	if (init.body !== undefined) headers["Content-Type"] = "application/json";
	const res = await fetch(path, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
	const text = await res.text();
	let body: unknown = null;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		body = text;
	}
	if (!res.ok) {
		const e = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
		throw new ApiError(res.status, e?.code ?? String(res.status), e?.message ?? res.statusText, Array.isArray(e?.details) ? e.details : undefined);
	}
	return body as T;
}

/** Server shapes the dashboard reads (docs/api.md); a bar is the server's own type. */
export type { Bar } from "../../lib/bars/bar.ts";
export interface Signal {
	strategy: string;
	direction: "long" | "short";
	strength: number;
	reason: string;
	barTime: number;
	tf?: string;
}
export interface IndicatorValues {
	time: number | null;
	values: Record<string, number | null>;
}
export interface Tick {
	seq: number;
	ts: number;
	symbol: string;
	price: number;
	size: number;
}
