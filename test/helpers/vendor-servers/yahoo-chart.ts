/**
 * A local server speaking Yahoo Finance's chart API (`GET /v8/finance/chart/{SYM}`) with scripted
 * failure modes per request: `ok`, `429` (with Retry-After), `500`, `malformed`, `hang` (never answers).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type YahooMode = "ok" | "429" | "500" | "malformed" | "hang" | "404";

export interface YahooServer {
	url: string;
	/** Requests per symbol. */
	hits: Map<string, number>;
	/** Every request, in arrival order, with its arrival time (Date.now()). */
	requests: Array<{ symbol: string; at: number }>;
	/** The mode for the next requests (a queue; the last one repeats). */
	modes: YahooMode[];
	retryAfterSeconds: number;
	close(): Promise<void>;
}

export function chartBody(symbol: string, price: number, time: number): object {
	const ts = [time - 120, time - 60, time];
	return {
		chart: {
			result: [
				{
					meta: { currency: "USD", symbol, exchangeName: "NMS", instrumentType: "EQUITY", regularMarketTime: time, regularMarketPrice: price, previousClose: price - 1, chartPreviousClose: price - 1, dataGranularity: "1m", range: "1d" },
					timestamp: ts,
					indicators: { quote: [{ open: [price - 0.5, null, price - 0.2], high: [price, null, price + 0.1], low: [price - 0.6, null, price - 0.3], close: [price - 0.1, null, price], volume: [1200, null, 900] }] },
				},
			],
			error: null,
		},
	};
}

export async function startYahooServer(opts: { now?: () => number } = {}): Promise<YahooServer> {
	const hanging = new Set<http.ServerResponse>();
	const state: Omit<YahooServer, "url" | "close"> = { hits: new Map(), requests: [], modes: ["ok"], retryAfterSeconds: 1 };
	const server = http.createServer((req, res) => {
		const m = /^\/v8\/finance\/chart\/([^?]+)/.exec(req.url ?? "");
		if (!m) return void res.writeHead(404).end();
		const symbol = decodeURIComponent(m[1]);
		state.hits.set(symbol, (state.hits.get(symbol) ?? 0) + 1);
		state.requests.push({ symbol, at: Date.now() });
		const mode = state.modes.length > 1 ? state.modes.shift()! : state.modes[0];
		if (mode === "hang") return void hanging.add(res);
		if (mode === "429") return void res.writeHead(429, { "retry-after": String(state.retryAfterSeconds) }).end("Too Many Requests");
		if (mode === "500") return void res.writeHead(500).end("Internal Server Error");
		if (mode === "404") return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ chart: { result: null, error: { code: "Not Found", description: "No data found, symbol may be delisted" } } }));
		if (mode === "malformed") return void res.writeHead(200, { "content-type": "application/json" }).end('{"chart":{"result":[{"meta":');
		res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(chartBody(symbol, 100 + (state.hits.get(symbol) ?? 0), Math.floor((opts.now ?? Date.now)() / 1000))));
	});
	await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
	const port = (server.address() as AddressInfo).port;
	return Object.assign(state, {
		url: `http://127.0.0.1:${port}`,
		close: async () => {
			for (const res of hanging) res.destroy();
			server.closeAllConnections();
			await new Promise(r => server.close(r));
		},
	});
}
