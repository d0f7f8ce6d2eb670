/**
 * A small HTTP listener that answers a fixed set of GET paths (probes and the metrics scrape) and
 * nothing else. Nodes without a gateway have no HTTP port, yet an orchestrator must probe them and
 * Prometheus must scrape them; this gives them one without moleculer-web, auth or rate limits.
 * Whatever a route does, the listener answers: a route that throws or does not settle in time is a
 * 503, so a probe never hangs and a bad request never reaches the process.
 */
import http from "node:http";
import { ErrorCode } from "../protocol/errors.ts";

export interface ProbeAnswer {
	status: number;
	/** A string is sent as is (with `contentType`); anything else as JSON. */
	body: unknown;
	contentType?: string;
}

export type ProbeRoute = () => Promise<ProbeAnswer>;

export interface ProbeListener {
	readonly port: number;
	close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown, head: boolean, extra: Record<string, string> = {}) => send(res, status, JSON.stringify(body), "application/json; charset=utf-8", head, extra);

function send(res: http.ServerResponse, status: number, text: string, contentType: string, head: boolean, extra: Record<string, string> = {}): void {
	res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...extra });
	res.end(head ? undefined : text);
}

const errorBody = (code: ErrorCode, message: string) => ({ error: { code, message, details: {} } });

/** Run `route`, but give up after `timeoutMs` (a probe with its own timeout has long gone by then). */
function within(route: ProbeRoute, timeoutMs: number): Promise<ProbeAnswer> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<ProbeAnswer>(resolve => {
		timer = setTimeout(() => resolve({ status: 503, body: errorBody(ErrorCode.UNAVAILABLE, `no answer within ${timeoutMs} ms`) }), timeoutMs);
	});
	return Promise.race([route(), late]).finally(() => clearTimeout(timer));
}

/** Listen on `port` (0 = any free one) and answer `routes` by exact path; the query string is ignored. */
export function listenProbes(routes: Record<string, ProbeRoute>, opts: { port: number; host: string; timeoutMs?: number }): Promise<ProbeListener> {
	const timeoutMs = opts.timeoutMs ?? 5000;
	const server = http.createServer((req, res) => {
		const head = req.method === "HEAD";
		// Nothing here reads a body: drain whatever was sent so the socket can be reused.
		req.resume();
		if (req.method !== "GET" && !head) return json(res, 405, errorBody(ErrorCode.BAD_REQUEST, `${req.method} is not allowed here; use GET`), false, { allow: "GET, HEAD" });
		const path = (req.url ?? "/").split("?")[0];
		const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
		if (!route) return json(res, 404, errorBody(ErrorCode.NOT_FOUND, `this port serves only ${Object.keys(routes).join(", ")}`), head);
		within(route, timeoutMs).then(
			a => (typeof a.body === "string" ? send(res, a.status, a.body, a.contentType ?? "text/plain; charset=utf-8", head) : json(res, a.status, a.body, head)),
			(err: Error) => json(res, 503, errorBody(ErrorCode.UNAVAILABLE, err.message), head),
		);
	});
	// Probes open a connection each and seldom reuse it: idle ones go after 5 s.
	server.keepAliveTimeout = 5000;
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(opts.port, opts.host, () => {
			server.off("error", reject);
			const addr = server.address();
			resolve({
				port: addr && typeof addr === "object" ? addr.port : opts.port,
				close: () =>
					new Promise<void>(done => {
						server.close(() => done());
						server.closeAllConnections();
					}),
			});
		});
	});
}
