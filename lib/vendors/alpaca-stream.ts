/**
 * A client of Alpaca's market-data stream (v2): the server greets with
 * `[{"T":"success","msg":"connected"}]`, the client sends `{"action":"auth","key","secret"}` and gets
 * `authenticated`, then `{"action":"subscribe","trades","quotes","bars"}` and a `subscription` echo;
 * data arrives as arrays of `T: "t"` trades, `"q"` quotes and `"b"` bars. Errors are
 * `{"T":"error","code","msg"}` with Alpaca's codes (ALPACA_ERRORS). The client reconnects with
 * exponential backoff and jitter, except after errors that a retry cannot fix.
 */
import WebSocket from "ws";
import { backoffDelay, type BackoffOptions } from "../resilience/backoff.ts";
import { parseJson } from "../validation/json.ts";
import type { Tick } from "../protocol/tick.ts";
import { PushVendor, type DataType, type PushSink, type PushState, type VendorItem } from "./vendor.ts";

/** Alpaca's stream error codes and whether reconnecting can help. */
export const ALPACA_ERRORS: Record<number, { msg: string; fatal: boolean }> = {
	400: { msg: "invalid syntax", fatal: false },
	401: { msg: "not authenticated", fatal: false },
	402: { msg: "auth failed", fatal: true },
	403: { msg: "already authenticated", fatal: false },
	404: { msg: "auth timeout", fatal: false },
	405: { msg: "symbol limit exceeded", fatal: true },
	406: { msg: "connection limit exceeded", fatal: false },
	407: { msg: "slow client", fatal: false },
	409: { msg: "insufficient subscription", fatal: true },
	410: { msg: "invalid subscribe action for this feed", fatal: true },
	500: { msg: "internal error", fatal: false },
};

export interface AlpacaStreamOptions {
	/** e.g. wss://stream.data.alpaca.markets/v2/iex */
	url: string;
	key: string;
	secret: string;
	channels?: Array<"trades" | "quotes" | "bars">;
	backoff?: Partial<BackoffOptions>;
	/** No greeting/auth answer within this → reconnect. */
	handshakeTimeoutMs?: number;
	now?: () => number;
}

export interface AlpacaCounters {
	connects: number;
	messages: number;
	malformed: number;
	errors: number;
}

/** The UTC day of the last time parsed (`YYYY-MM-DD`) and its start: a stream's times share their day. */
let lastDay = "none yet";
let lastDayMs = NaN;

/**
 * Alpaca times are RFC 3339 with up to nanoseconds; Date.parse wants at most milliseconds. The form
 * the stream sends (`YYYY-MM-DDTHH:MM:SS.fffffffffZ`, or no fraction) is read by position with the
 * day's start kept (Date.parse with a regexp replace took ~1 µs a message); any other form, or a
 * field out of range, goes to Date.parse as before.
 */
export function parseAlpacaTime(t: unknown): number {
	if (typeof t !== "string") return NaN;
	const fast = utcTime(t);
	return fast >= 0 ? fast : Date.parse(t.replace(/(\.\d{3})\d+/, "$1"));
}

/** Digits of `t` at [from, to) as a number, or -1 if any is not a digit. */
function digits(t: string, from: number, to: number): number {
	let n = 0;
	for (let i = from; i < to; i++) {
		const d = t.charCodeAt(i) - 48;
		if (d < 0 || d > 9) return -1;
		n = n * 10 + d;
	}
	return n;
}

/** The time of `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (no fraction, or 3 digits or more); -1 for anything else. */
function utcTime(t: string): number {
	const n = t.length;
	if (n < 20 || t.charCodeAt(10) !== 0x54 || t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a || t.charCodeAt(n - 1) !== 0x5a) return -1;
	let ms = 0;
	if (n !== 20) {
		if (t.charCodeAt(19) !== 0x2e || n < 24) return -1;
		ms = digits(t, 20, 23);
		if (ms < 0 || digits(t, 23, n - 1) < 0) return -1;
	}
	const h = digits(t, 11, 13);
	const m = digits(t, 14, 16);
	const s = digits(t, 17, 19);
	if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return -1;
	if (!t.startsWith(lastDay)) {
		const day = t.slice(0, 10);
		const start = digits(day, 0, 4) >= 0 && day.charCodeAt(4) === 0x2d && day.charCodeAt(7) === 0x2d ? Date.parse(`${day}T00:00:00.000Z`) : NaN;
		if (Number.isNaN(start)) return -1;
		lastDay = day;
		lastDayMs = start;
	}
	return lastDayMs + h * 3_600_000 + m * 60_000 + s * 1000 + ms;
}

/** One decoded stream element into an item, or null when it is not market data (or is garbled). */
export function alpacaItem(vendor: string, m: Record<string, unknown>): VendorItem | null {
	const symbol = m.S;
	const ts = parseAlpacaTime(m.t);
	if (typeof symbol !== "string" || !Number.isFinite(ts)) return null;
	// Literals, not `{ ...base, … }`: a spread followed by more keys is V8's slow path (Node 20:
	// ~0.4 µs an object, against ~20 ns), once per message here.
	if (m.T === "t") {
		if (typeof m.p !== "number" || typeof m.s !== "number") return null;
		const tick: Tick = { symbol, price: m.p, size: m.s, ts, id: `${vendor}:${String(m.x ?? "")}${String(m.i ?? ts)}` };
		return { data_type: "market_data", symbol, timestamp: ts, update_type: "trade", data: { price: m.p, size: m.s, exchange: m.x ?? null, conditions: m.c ?? [], tape: m.z ?? null }, tick };
	}
	if (m.T === "q") {
		if (typeof m.bp !== "number" || typeof m.ap !== "number") return null;
		return { data_type: "market_data", symbol, timestamp: ts, update_type: "quote", data: { bid: m.bp, ask: m.ap, bid_size: m.bs ?? null, ask_size: m.as ?? null, bid_exchange: m.bx ?? null, ask_exchange: m.ax ?? null } };
	}
	if (m.T === "b") {
		if ([m.o, m.h, m.l, m.c, m.v].some(x => typeof x !== "number")) return null;
		return { data_type: "market_data", symbol, timestamp: ts, update_type: "bar", data: { open: m.o, high: m.h, low: m.l, close: m.c, volume: m.v, trades: m.n ?? null, vwap: m.vw ?? null, interval: "1m" } };
	}
	return null;
}

export class AlpacaStreamVendor extends PushVendor {
	readonly type = "alpaca-stream";
	readonly dataTypes = ["market_data"] as const satisfies readonly DataType[];
	readonly counters: AlpacaCounters = { connects: 0, messages: 0, malformed: 0, errors: 0 };
	#ws: WebSocket | null = null;
	#timer: NodeJS.Timeout | null = null;
	#stopped = true;
	#attempt = 0;
	#state: PushState = { state: "idle" };

	constructor(
		name: string,
		readonly opts: AlpacaStreamOptions,
	) {
		super(name);
	}

	get state(): PushState {
		return this.#state;
	}

	start(symbols: string[], sink: PushSink): void {
		this.#stopped = false;
		this.#attempt = 0;
		this.#connect(symbols, sink);
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const ws = this.#ws;
		this.#ws = null;
		if (ws && ws.readyState !== WebSocket.CLOSED) {
			await new Promise<void>(resolve => {
				// Cleared once closed: left to run, its closure kept the socket, and through the socket's
				// listeners the sink and the stopped node's whole store, for another second.
				const force = setTimeout(() => (ws.terminate(), resolve()), 1000).unref();
				ws.once("close", () => (clearTimeout(force), resolve()));
				ws.close(1000);
			});
		}
		this.#set({ state: "stopped" }, null);
	}

	#set(state: PushState, sink: PushSink | null): void {
		this.#state = state;
		sink?.state(state);
	}

	#connect(symbols: string[], sink: PushSink): void {
		if (this.#stopped) return;
		const now = this.opts.now ?? Date.now;
		this.#set({ state: "connecting", attempt: this.#attempt }, sink);
		const ws = new WebSocket(this.opts.url);
		this.#ws = ws;
		let fatal: string | null = null;
		let lastError = "connection closed";
		const handshake = setTimeout(() => {
			lastError = "no greeting or auth answer in time";
			ws.terminate();
		}, this.opts.handshakeTimeoutMs ?? 10_000);
		const send = (o: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(o));
		ws.on("message", raw => {
			let arr: unknown;
			try {
				arr = parseJson(raw.toString());
			} catch {
				arr = null;
			}
			if (!Array.isArray(arr)) {
				this.counters.malformed++;
				return;
			}
			const items: VendorItem[] = [];
			for (const m of arr as Array<Record<string, unknown>>) {
				if (m === null || typeof m !== "object") {
					this.counters.malformed++;
					continue;
				}
				// A frame that throws (a value where a string belongs: String() of {"toString":1}) is
				// malformed; it must not end the process from this listener.
				try {
					if (m.T === "success" && m.msg === "connected") send({ action: "auth", key: this.opts.key, secret: this.opts.secret });
					else if (m.T === "success" && m.msg === "authenticated") {
						const channels = this.opts.channels ?? ["trades", "quotes", "bars"];
						send({ action: "subscribe", ...Object.fromEntries(channels.map(c => [c, symbols])) });
					} else if (m.T === "subscription") {
						clearTimeout(handshake);
						this.#attempt = 0;
						this.counters.connects++;
						this.#set({ state: "streaming", since: now() }, sink);
					} else if (m.T === "error") {
						this.counters.errors++;
						const code = Number(m.code);
						lastError = `alpaca error ${code}: ${String(m.msg ?? ALPACA_ERRORS[code]?.msg ?? "")}`;
						if (ALPACA_ERRORS[code]?.fatal) fatal = lastError;
						ws.close();
					} else {
						const item = alpacaItem(this.name, m);
						if (item) items.push(item);
						else this.counters.malformed++;
					}
				} catch {
					this.counters.malformed++;
				}
			}
			if (items.length > 0) {
				this.counters.messages += items.length;
				const sinkFailed = (err: unknown) => {
					this.counters.errors++;
					lastError = `sink failed: ${(err as Error).message}`;
				};
				try {
					sink.items(items)?.catch(sinkFailed);
				} catch (err) {
					sinkFailed(err);
				}
			}
		});
		ws.on("error", err => (lastError = err.message));
		ws.on("close", () => {
			clearTimeout(handshake);
			if (this.#ws === ws) this.#ws = null;
			if (this.#stopped) return;
			if (fatal) return this.#set({ state: "failed", lastError: fatal }, sink);
			const delay = backoffDelay(this.#attempt, { initialMs: 500, multiplier: 2, maxMs: 60_000, jitter: "full", ...this.opts.backoff });
			this.#set({ state: "backoff", attempt: this.#attempt, retryAt: now() + delay, lastError }, sink);
			this.#attempt++;
			this.#timer = setTimeout(() => this.#connect(symbols, sink), delay);
		});
	}
}
