/**
 * A real embedded node for the security tests (real broker, HTTP, WebSocket, in-memory store and
 * KV), raw-socket requests for what fetch and ws will not send, and a liveness check.
 */
import net from "node:net";
import { expect } from "chai";
import type { RookeryNode } from "../../runtime/node.ts";
import type { ConfigOverrides } from "../../lib/config/config.ts";
import { startNode as startTestNode } from "../helpers/node.ts";

export interface TestNode {
	node: RookeryNode;
	port: number;
	base: string;
	ws: string;
}

export const SECRET = "s".repeat(48);

export async function startNode(over: ConfigOverrides = {}): Promise<TestNode> {
	const node = await startTestNode({ nodeId: `sec-${Math.random().toString(36).slice(2, 8)}`, services: ["gateway", "ingest", "symbols", "monitor", "config"], ...over });
	return { node, port: node.port() ?? 0, base: node.base, ws: node.ws };
}

/** Writes `request` on a fresh TCP connection; resolves with what the server sent until it closed (or `untilText` appeared). */
export function rawRequest(port: number, request: string | Buffer, opts: { untilText?: string; timeoutMs?: number } = {}): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, "127.0.0.1");
		let got = "";
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no complete answer within ${opts.timeoutMs ?? 5000} ms; got: ${JSON.stringify(got.slice(0, 300))}`));
		}, opts.timeoutMs ?? 5000);
		const done = () => {
			clearTimeout(timer);
			socket.destroy();
			resolve(got);
		};
		socket.on("data", d => {
			got += d.toString("latin1");
			if (opts.untilText && got.includes(opts.untilText)) done();
		});
		socket.on("end", done);
		socket.on("close", done);
		socket.on("error", err => (got ? done() : (clearTimeout(timer), reject(err))));
		socket.write(request);
	});
}

/** The status code of a raw HTTP answer. */
export const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

/** The node still answers: the reproductions must leave it up. */
export async function expectAlive(n: TestNode): Promise<void> {
	const res = await fetch(`${n.base}/health/live`, { signal: AbortSignal.timeout(5000) });
	expect(res.status).to.equal(200);
}

/** `[[[…]]]` nested `n` deep around `inner`. */
export const nested = (n: number, inner = "1") => "[".repeat(n) + inner + "]".repeat(n);

/** A counter's value for `labels` (0 when never counted). */
export function counter(n: TestNode, name: string, labels: Record<string, string>): number {
	const m = n.node.broker.metrics.getMetric(name) as unknown as { get(labels: object): { value: number } | null } | null;
	return m?.get(labels)?.value ?? 0;
}
