/**
 * A WebSocket test client for the gateway's `/ws`: records every frame it receives (parsed JSON)
 * and the close code, and waits for frames without sleeping.
 */
import { WebSocket, type ClientOptions } from "ws";
import { waitFor } from "./ports.ts";

export interface Frame {
	type: string;
	topic?: string;
	topics?: string[];
	seq?: number;
	data?: any;
	code?: string;
	message?: string;
}

const open = new Set<WebSocket>();
process.once("exit", () => {
	for (const ws of open) ws.terminate();
});

export class WsTestClient {
	readonly frames: Frame[] = [];
	closed: { code: number; reason: string } | null = null;

	private constructor(readonly ws: WebSocket) {
		ws.on("message", data => {
			const text = data.toString();
			try {
				this.frames.push(JSON.parse(text) as Frame);
			} catch {
				this.frames.push({ type: "<not JSON>", message: text });
			}
		});
		ws.on("close", (code, reason) => {
			open.delete(ws);
			this.closed = { code, reason: reason.toString() };
		});
	}

	/** `opts`: more `ws` client options (e.g. `ca` for wss://). */
	static connect(url: string, timeoutMs = 5000, opts: ClientOptions = {}): Promise<WsTestClient> {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, ...opts });
			open.add(ws);
			const client = new WsTestClient(ws);
			ws.once("open", () => resolve(client));
			ws.once("error", err => {
				open.delete(ws);
				reject(err);
			});
		});
	}

	send(frame: object): void {
		this.ws.send(JSON.stringify(frame));
	}

	subscribe(...topics: string[]): void {
		this.send({ op: "subscribe", topics });
	}

	/** Frames about one topic (snapshots and updates), in arrival order. */
	forTopic(topic: string): Frame[] {
		return this.frames.filter(f => f.topic === topic);
	}

	/** The first recorded frame matching `pred`, waiting for it if needed. */
	waitForFrame(pred: (f: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
		return waitFor(() => this.frames.find(pred), { timeoutMs, intervalMs: 10, what: `${what} (frames so far: ${this.describe()})` });
	}

	/** Wait until `pred` holds for all frames received so far; returns them. */
	until(pred: (frames: Frame[]) => boolean, what = "frames", timeoutMs = 5000): Promise<Frame[]> {
		return waitFor(() => (pred(this.frames) ? this.frames : null), { timeoutMs, intervalMs: 10, what: `${what} (frames so far: ${this.describe()})` });
	}

	/** Wait until `topic` has at least `n` frames; returns them. */
	async waitForTopicFrames(topic: string, n: number, timeoutMs = 5000): Promise<Frame[]> {
		await waitFor(() => this.forTopic(topic).length >= n, { timeoutMs, intervalMs: 10, what: `${n} frames on ${topic}` }).catch(err => {
			throw new Error(`${(err as Error).message}; got ${JSON.stringify(this.forTopic(topic).map(f => [f.type, f.seq]))}`);
		});
		return this.forTopic(topic);
	}

	waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
		return waitFor(() => this.closed, { timeoutMs, intervalMs: 10, what: "the socket to close" });
	}

	describe(): string {
		const s = JSON.stringify(this.frames.map(f => [f.type, f.topic ?? f.topics, f.seq]));
		return s.length > 600 ? `${s.slice(0, 600)}…` : s;
	}

	/** Close from the client side and wait for the close handshake. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.ws.close();
		await this.waitForClose();
	}

	/** Close from the client side without waiting for the server (safe to call twice). */
	terminate(): void {
		open.delete(this.ws);
		this.ws.terminate();
	}
}
