/**
 * A local server speaking Alpaca's market-data stream v2: greets with `connected`, checks
 * `{"action":"auth"}` (key/secret), echoes `subscription`, then sends what the test pushes
 * (`[{T:"t"|"q"|"b",…}]`). Failure modes: wrong credentials → 402, `dropAfter` → disconnect
 * mid-stream, `garbage()` → a frame that is not JSON.
 */
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";

export interface AlpacaServer {
	url: string;
	connections: number;
	authenticated: number;
	subscriptions: Array<Record<string, unknown>>;
	/** Send to every streaming client. */
	push(msgs: object[]): void;
	/**
	 * Send an already serialised frame, as a text frame (a bench builds its frames before it starts
	 * the clock: as UTF-8 bytes, it is not encoded again per send).
	 */
	pushRaw(frame: string | Buffer): void;
	garbage(): void;
	/** Drop every client connection (a disconnect mid-stream). */
	dropAll(): void;
	/** Refuse the next connections with this error code (e.g. 406) before auth. */
	refuseWith: number | null;
	close(): Promise<void>;
}

export const trade = (S: string, p: number, i: number, t = new Date().toISOString()) => ({ T: "t", S, i, x: "V", p, s: 100, t, c: ["@"], z: "C" });
export const quote = (S: string, bp: number, ap: number, t = new Date().toISOString()) => ({ T: "q", S, bx: "V", bp, bs: 2, ax: "V", ap, as: 3, t, c: ["R"], z: "C" });
export const bar = (S: string, c: number, t = new Date().toISOString()) => ({ T: "b", S, o: c - 1, h: c + 1, l: c - 2, c, v: 1000, t, n: 10, vw: c });

export async function startAlpacaServer(creds = { key: "k", secret: "s" }): Promise<AlpacaServer> {
	const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
	await new Promise<void>(r => wss.once("listening", () => r()));
	const streaming = new Set<WebSocket>();
	const s: AlpacaServer = {
		url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v2/iex`,
		connections: 0,
		authenticated: 0,
		subscriptions: [],
		refuseWith: null,
		push: msgs => streaming.forEach(ws => ws.send(JSON.stringify(msgs))),
		pushRaw: frame => streaming.forEach(ws => ws.send(frame, { binary: false })),
		garbage: () => streaming.forEach(ws => ws.send("{not json")),
		dropAll: () => wss.clients.forEach(ws => ws.terminate()),
		close: () => new Promise(r => (wss.clients.forEach(ws => ws.terminate()), wss.close(() => r()))),
	};
	wss.on("connection", ws => {
		s.connections++;
		if (s.refuseWith !== null) {
			ws.send(JSON.stringify([{ T: "error", code: s.refuseWith, msg: "connection limit exceeded" }]));
			return void ws.close();
		}
		ws.send(JSON.stringify([{ T: "success", msg: "connected" }]));
		let authed = false;
		ws.on("message", raw => {
			let m: Record<string, unknown>;
			try {
				m = JSON.parse(raw.toString());
			} catch {
				return void ws.send(JSON.stringify([{ T: "error", code: 400, msg: "invalid syntax" }]));
			}
			if (m.action === "auth") {
				if (m.key !== creds.key || m.secret !== creds.secret) {
					ws.send(JSON.stringify([{ T: "error", code: 402, msg: "auth failed" }]));
					return void ws.close();
				}
				authed = true;
				s.authenticated++;
				return void ws.send(JSON.stringify([{ T: "success", msg: "authenticated" }]));
			}
			if (m.action === "subscribe") {
				if (!authed) return void ws.send(JSON.stringify([{ T: "error", code: 401, msg: "not authenticated" }]));
				s.subscriptions.push(m);
				streaming.add(ws);
				ws.send(JSON.stringify([{ T: "subscription", trades: m.trades ?? [], quotes: m.quotes ?? [], bars: m.bars ?? [] }]));
			}
		});
		ws.on("close", () => streaming.delete(ws));
	});
	return s;
}
