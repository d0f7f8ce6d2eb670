/** JSON over HTTP for tests: status, parsed body (raw text when not JSON) and headers. */
export interface JsonResponse<T = any> {
	status: number;
	body: T;
	headers: Headers;
}

async function toJson<T>(res: Response): Promise<JsonResponse<T>> {
	const text = await res.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: the test sees the raw text
	}
	return { status: res.status, body: body as T, headers: res.headers };
}

export async function getJson<T = any>(url: string): Promise<JsonResponse<T>> {
	return toJson<T>(await fetch(url, { signal: AbortSignal.timeout(10_000) }));
}

/** POST `body` as JSON; a string is sent as it is, to test bodies that are not valid JSON. */
export async function postJson<T = any>(url: string, body: unknown): Promise<JsonResponse<T>> {
	const text = typeof body === "string" ? body : JSON.stringify(body);
	return toJson<T>(await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: text, signal: AbortSignal.timeout(10_000) }));
}

/** Any method; `body`, when given, is sent as JSON. */
export async function requestJson<T = any>(method: string, url: string, body?: unknown): Promise<JsonResponse<T>> {
	const init: RequestInit = body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
	return toJson<T>(await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }));
}
