/** The query string of a request as URLSearchParams, without parsing the whole URL. */
import type { IncomingMessage } from "node:http";

/** Shared by every request without a query string; only read. */
const NO_QUERY = new URLSearchParams();

export function queryOf(req: IncomingMessage): URLSearchParams {
	const url = req.url ?? "";
	const q = url.indexOf("?");
	return q < 0 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
}
