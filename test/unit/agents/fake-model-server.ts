/** A local model server for tests (real HTTP): each request is answered by `handler`. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeModelServer {
	url: string;
	requests: Array<{ path: string; body: any }>;
	close(): Promise<void>;
}

export type FakeHandler = (req: { path: string; body: any }, res: http.ServerResponse) => void | Promise<void>;

export async function startFakeModelServer(handler: FakeHandler): Promise<FakeModelServer> {
	const requests: FakeModelServer["requests"] = [];
	const server = http.createServer((req, res) => {
		let text = "";
		req.on("data", c => (text += c));
		req.on("end", () => {
			let body: unknown = text;
			try {
				body = JSON.parse(text);
			} catch {
				// keep the raw text
			}
			const r = { path: req.url ?? "/", body };
			requests.push(r);
			void handler(r, res);
		});
	});
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise<void>(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export function sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
	res.writeHead(status, { "content-type": "application/json" });
	res.end(JSON.stringify(body));
}

/** An OpenAI chat-completions answer whose message content is `content`. */
export function chatAnswer(content: string): unknown {
	return { id: "chatcmpl-1", object: "chat.completion", model: "test", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }] };
}
