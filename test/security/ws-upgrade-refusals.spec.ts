/**
 * Found by the fuzz suite: a refused WebSocket upgrade answered `{"error":{"message"}}` without the
 * `code` every other error carries, and an upgrade with a malformed `Authorization` header (`Basic`)
 * was dropped without an answer (credentialOf threw again inside the catch of its first throw).
 */
import { expect } from "chai";
import { rawRequest, readUntilClose } from "./fuzz-probes.ts";
import { startSecuredNode, type SecuredNode } from "./secured-node.ts";

const upgrade = (target: string, extra = "") =>
	Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`, "latin1");

describe("security: refused WebSocket upgrades answer the error format", function () {
	this.timeout(30_000);
	let n: SecuredNode;
	before(async () => {
		n = await startSecuredNode("sec-upgrade", { auth: false, overrides: { services: ["gateway", "symbols", "monitor"] } });
	});
	after(async () => n?.stop());

	/** Status and parsed body of the answer to a raw upgrade request. */
	const answer = async (req: Buffer) => {
		const r = await rawRequest(n.port, req);
		const rest = await readUntilClose(r.socket, 2000);
		r.socket.destroy();
		const text = Buffer.concat([r.bytes, rest.bytes]).toString("utf8");
		return { status: r.status, body: text.includes("\r\n\r\n") ? JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) : null };
	};

	it("every refusal has error.code and error.message", async () => {
		for (const [req, status, code] of [
			[upgrade("http://["), 400, "BAD_REQUEST"],
			[upgrade("/not-a-ws-path"), 404, "NOT_FOUND"],
			[upgrade("/ws", "Origin: https://evil.example\r\n"), 403, "FORBIDDEN"],
			[upgrade("/ws", "Authorization: Bearer not-a-token\r\n"), 401, "UNAUTHORIZED"],
		] as const) {
			const a = await answer(req);
			expect(a.status, req.toString().split("\r\n")[0]).to.equal(status);
			expect(a.body.error).to.include({ code });
			expect(a.body.error.message).to.be.a("string");
		}
	});

	it("a malformed Authorization header is a 401, not a dropped connection", async () => {
		for (const header of ["Authorization: Basic\r\n", "Authorization: Basic dXNlcjpwdw==\r\n", "Authorization: Bearer\r\n"]) {
			const a = await answer(upgrade("/ws", header));
			expect(a.status, header).to.equal(401);
			expect(a.body.error.code).to.equal("UNAUTHORIZED");
		}
	});
});
