/**
 * What the fuzz suite (test/security/fuzz.spec.ts) checks after each case: the node is alive, a
 * reply is well-formed, and a refused write changed nothing. Plus raw TCP exchanges for request
 * lines, upgrades and broken WebSocket frames that no HTTP or WS client library would send.
 */
import { connect, type Socket } from "node:net";
import { expect } from "chai";
import { WsClose, WsErrorCode } from "../../lib/protocol/ws-codes.ts";

/** Error codes that may come with a 5xx: documented retryable refusals (lib/protocol/errors.ts). */
export const RETRYABLE_5XX = new Map<number, string[]>([
	[503, ["SERVICE_UNAVAILABLE", "BUSY"]],
	[504, ["GATEWAY_TIMEOUT"]],
]);
/** What Node's HTTP parser answers itself: bad request, URI or headers too large, HTTP version. */
export const NODE_PARSER_STATUSES = new Set([400, 413, 414, 431, 505]);
export const FRAME_TYPES = new Set(["subscribed", "unsubscribed", "authenticated", "snapshot", "update", "reset", "error", "pong"]);
const WS_ERROR_CODES = new Set<string>(Object.values(WsErrorCode));
/**
 * Close codes a server may send: ours (lib/protocol/ws-codes.ts), and those the `ws` library sends
 * itself for frames broken at the protocol level (RFC 6455: 1002 protocol error, 1007 invalid
 * UTF-8, 1009 over maxPayload).
 */
export const ALLOWED_CLOSE_CODES = new Set<number>([...Object.values(WsClose), 1002, 1007, 1009]);

const short = (s: string, n = 1500) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

/** The node answers `/health/live` with 200 within `timeoutMs`. */
export async function expectAlive(base: string, what: string, timeoutMs = 5000): Promise<void> {
	let status: number | string;
	try {
		status = (await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(timeoutMs) })).status;
	} catch (err) {
		status = `${(err as Error).name}: ${(err as Error).message}`;
	}
	expect(status, `node not alive after ${short(what)}`).to.equal(200);
}

/** An HTTP answer: a status below 500 (or a documented retryable one) and, for errors, `{"error":{"code","message"}}`. */
export function expectWellFormedHttp(status: number, contentType: string, text: string, what: string, opts: { method?: string } = {}): void {
	const ctx = `${short(what)} → ${status} ${short(text)}`;
	// Node's HTTP parser answers some requests before any of our code runs (no type, no body).
	if (NODE_PARSER_STATUSES.has(status) && contentType === "" && text === "") return;
	const json = /json/i.test(contentType);
	let body: any = null;
	if (json && text !== "") {
		try {
			body = JSON.parse(text);
		} catch {
			expect.fail(`not JSON though ${contentType}: ${ctx}`);
		}
	}
	if (status >= 500) {
		const codes = RETRYABLE_5XX.get(status);
		expect(codes, `5xx: ${ctx}`).to.not.equal(undefined);
		expect(codes, `5xx with an undocumented code: ${ctx}`).to.include(body?.error?.code);
	}
	if (status >= 400 && opts.method !== "HEAD") {
		expect(json, `error body not JSON: ${ctx}`).to.equal(true);
		expect(body?.error?.code, `error body without error.code: ${ctx}`).to.be.a("string");
		expect(body?.error?.message, `error body without error.message: ${ctx}`).to.be.a("string");
	}
}

/** A frame the server sent on a WebSocket: JSON, a known type; an error frame with a known code. */
export function expectWellFormedFrame(text: string, what: string): void {
	let f: any;
	try {
		f = JSON.parse(text);
	} catch {
		expect.fail(`frame not JSON after ${short(what)}: ${short(text)}`);
	}
	expect(FRAME_TYPES.has(f?.type), `unknown frame after ${short(what)}: ${short(text)}`).to.equal(true);
	if (f.type === "error") expect(WS_ERROR_CODES.has(f.code), `unknown error code after ${short(what)}: ${short(text)}`).to.equal(true);
}

export interface RawReply {
	bytes: Buffer;
	/** The server closed (or reset) the connection. */
	closed: boolean;
	/** Status of the first response, or null if none came. */
	status: number | null;
	socket: Socket;
}

/**
 * Write `request` on a new TCP connection and read until the response head is complete, the
 * server closes, or `timeoutMs` passes. The socket stays open (for frames after a 101).
 */
export function rawRequest(port: number, request: Buffer, timeoutMs = 3000): Promise<RawReply> {
	return new Promise(resolve => {
		const socket = connect(port, "127.0.0.1");
		const chunks: Buffer[] = [];
		let done = false;
		const finish = (closed: boolean) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			socket.removeAllListeners("data");
			const bytes = Buffer.concat(chunks);
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(bytes.subarray(0, 20).toString("latin1"));
			resolve({ bytes, closed, status: m ? Number(m[1]) : null, socket });
		};
		const timer = setTimeout(() => finish(false), timeoutMs);
		socket.on("data", d => {
			chunks.push(d);
			if (Buffer.concat(chunks).includes("\r\n\r\n")) finish(false);
		});
		socket.on("error", () => finish(true));
		socket.on("close", () => finish(true));
		socket.write(request);
	});
}

/** Frames a server sent (unmasked): text payloads and the close code, as far as they arrived. */
export function parseServerFrames(buf: Buffer): { texts: string[]; closeCode: number | null } {
	const texts: string[] = [];
	let closeCode: number | null = null;
	let i = 0;
	while (i + 2 <= buf.length) {
		const op = buf[i] & 0x0f;
		let len = buf[i + 1] & 0x7f;
		let at = i + 2;
		if (len === 126) {
			if (at + 2 > buf.length) break;
			len = buf.readUInt16BE(at);
			at += 2;
		} else if (len === 127) {
			if (at + 8 > buf.length) break;
			len = Number(buf.readBigUInt64BE(at));
			at += 8;
		}
		if (at + len > buf.length) break;
		const payload = buf.subarray(at, at + len);
		if (op === 0x1) texts.push(payload.toString("utf8"));
		if (op === 0x8) closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
		i = at + len;
	}
	return { texts, closeCode };
}

/** Read what a socket sends until it closes or `timeoutMs` passes. */
export function readUntilClose(socket: Socket, timeoutMs: number): Promise<{ bytes: Buffer; closed: boolean }> {
	return new Promise(resolve => {
		const chunks: Buffer[] = [];
		if (socket.destroyed) return resolve({ bytes: Buffer.alloc(0), closed: true });
		const finish = (closed: boolean) => {
			clearTimeout(timer);
			socket.removeAllListeners("data");
			resolve({ bytes: Buffer.concat(chunks), closed });
		};
		const timer = setTimeout(() => finish(false), timeoutMs);
		socket.on("data", d => chunks.push(d));
		socket.once("close", () => finish(true));
	});
}

export const WS_HANDSHAKE = (path = "/ws") => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, "latin1");
