/** Small HTTP/WS clients for tests: JSON in, status + JSON out; a WS client that collects frames. */
import WebSocket from "ws";
import { waitFor } from "./ports.ts";

export async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
	const res = await fetch(url);
	const text = await res.text();
	return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text, headers: res.headers };
}

export async function postJson(url: string, body: unknown, raw = false): Promise<{ status: number; body: any }> {
	const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: raw ? (body as string) : JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

export interface WsClient {
	ws: WebSocket;
	frames: any[];
	send(msg: unknown): void;
	/** Wait until `pred` holds for the frames received so far. */
	until(pred: (frames: any[]) => boolean, what?: string, timeoutMs?: number): Promise<any[]>;
	close(): Promise<void>;
}

export async function wsConnect(url: string): Promise<WsClient> {
	const ws = new WebSocket(url);
	const frames: any[] = [];
	ws.on("message", d => frames.push(JSON.parse(d.toString())));
	await new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("error", reject);
	});
	return {
		ws,
		frames,
		send: msg => ws.send(typeof msg === "string" ? msg : JSON.stringify(msg)),
		until: (pred, what = "frames", timeoutMs = 5000) => waitFor(() => (pred(frames) ? frames : null), { timeoutMs, what, intervalMs: 5 }),
		close: () =>
			new Promise<void>(resolve => {
				if (ws.readyState === WebSocket.CLOSED) return resolve();
				ws.once("close", () => resolve());
				ws.close();
			}),
	};
}
