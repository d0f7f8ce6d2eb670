/**
 * Issue 13 items 2 and 7: a WebSocket upgrade whose request target is not a URL is answered 400
 * (it used to reject outside any try and end the process); browser Origins are checked against
 * the CORS allow-list (`CORS_ORIGINS`), also when it is empty.
 */
import net from "node:net";
import { expect } from "chai";
import { WebSocket } from "ws";
import { counter, expectAlive, rawRequest, startNode, statusOf, type TestNode } from "./gateway-node.ts";

const upgrade = (target: string, extra = "") => `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** The HTTP status of a WebSocket handshake (101 when it opened). */
function handshake(url: string, headers: Record<string, string> = {}): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers, handshakeTimeout: 5000 });
		ws.once("open", () => {
			ws.terminate();
			resolve(101);
		});
		ws.once("unexpected-response", (_req, res) => {
			resolve(res.statusCode ?? 0);
			ws.terminate();
		});
		ws.once("error", err => reject(err));
	});
}

describe("security: WebSocket upgrade requests", function () {
	this.timeout(20_000);

	describe("CORS_ORIGINS unset", () => {
		let n: TestNode;
		before(async () => {
			n = await startNode();
		});
		after(async () => n?.node.stop());

		for (const target of ["http://[", "http://x:99999/ws"]) {
			it(`a request target of '${target}' gets 400 and the node stays up`, async () => {
				const refusedBefore = counter(n, "rookery.ws.upgrade_refused", { status: "400" });
				const raw = await rawRequest(n.port, upgrade(target));
				expect(statusOf(raw)).to.equal(400);
				expect(raw).to.include("not a valid URL");
				expect(counter(n, "rookery.ws.upgrade_refused", { status: "400" })).to.equal(refusedBefore + 1);
				await expectAlive(n);
			});
		}

		it("a socket reset while the upgrade is being checked does not end the node", async () => {
			// Credentials are resolved only when the test says so; meanwhile the client resets the socket.
			const auth = (n.node.broker.getLocalService("gateway") as unknown as { auth: { resolve: (...a: unknown[]) => Promise<unknown> } }).auth;
			const resolve = auth.resolve;
			let release!: () => void;
			const gate = new Promise<void>(r => (release = r));
			let called!: () => void;
			const resolving = new Promise<void>(r => (called = r));
			auth.resolve = async (...a: unknown[]) => {
				called();
				await gate;
				return resolve.apply(auth, a);
			};
			const server = (n.node.broker.getLocalService("gateway") as unknown as { server: import("node:http").Server }).server;
			const serverSocketClosed = new Promise<void>(r => server.once("upgrade", (_req, socket) => socket.once("close", () => r())));
			try {
				const client = net.connect(n.port, "127.0.0.1");
				client.on("error", () => {});
				client.write(upgrade("/ws"));
				await resolving;
				client.resetAndDestroy();
				await serverSocketClosed;
			} finally {
				auth.resolve = resolve;
				release();
			}
			await expectAlive(n);
		});

		it("a browser Origin from another site is refused with 403", async () => {
			expect(await handshake(`${n.ws}/ws`, { Origin: "https://evil.example" })).to.equal(403);
			expect(await handshake(`${n.ws}/ws`, { Origin: "null" })).to.equal(403);
		});

		it("no Origin (not a browser) and the gateway's own origin (its pages) connect", async () => {
			expect(await handshake(`${n.ws}/ws`)).to.equal(101);
			expect(await handshake(`${n.ws}/ws`, { Origin: `http://127.0.0.1:${n.port}` })).to.equal(101);
		});
	});

	describe("CORS_ORIGINS set", () => {
		let n: TestNode;
		before(async () => {
			n = await startNode({ http: { corsOrigins: ["https://app.example"] } as never });
		});
		after(async () => n?.node.stop());

		it("a listed Origin connects, another is refused", async () => {
			expect(await handshake(`${n.ws}/ws`, { Origin: "https://app.example" })).to.equal(101);
			expect(await handshake(`${n.ws}/ws`, { Origin: "https://evil.example" })).to.equal(403);
		});
	});
});
