/**
 * Issue 13 item 9: with auth on, a request with a body is authenticated before the body is read:
 * a 10 MB body without credentials gets 401 at once (it used to get 413, read or not, before 401).
 */
import { expect } from "chai";
import { SignJWT } from "jose";
import { rawRequest, SECRET, startNode, statusOf, type TestNode } from "./gateway-node.ts";

const jwt = () => new SignJWT({ sub: "alice", tier: "pro" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));

/** Request head only: the body it announces is never sent. */
const head = (path: string, length: number, extra = "") => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe("security: authentication before the body is read", function () {
	this.timeout(20_000);
	let n: TestNode;
	before(async () => {
		n = await startNode({ auth: { jwtSecret: SECRET } as never });
	});
	after(async () => n?.node.stop());

	it("a 10 MB body without credentials gets 401, not 413, before any of it is sent", async () => {
		const raw = await rawRequest(n.port, head("/api/v1/ticks", 10 * 1024 * 1024), { untilText: "}}" });
		expect(statusOf(raw)).to.equal(401);
		expect(raw.toLowerCase()).to.include("connection: close");
	});

	it("a body within the limit is not waited for either when the credentials are wrong", async () => {
		const raw = await rawRequest(n.port, head("/api/v1/news", 1000, "Authorization: Bearer not-a-token\r\n"), { untilText: "}}", timeoutMs: 3000 });
		expect(statusOf(raw)).to.equal(401);
	});

	it("with valid credentials the body is read and the call made once, rate limited once", async () => {
		const res = await fetch(`${n.base}/api/v1/ticks`, {
			method: "POST",
			headers: { "content-type": "application/json", authorization: `Bearer ${await jwt()}` },
			body: JSON.stringify({ symbol: "AUTHB", price: 10, size: 1, ts: Date.now() - 1000 }),
		});
		expect(res.status).to.equal(200);
		// One token taken from the pro bucket (burst 200), not two.
		expect(res.headers.get("x-ratelimit-remaining")).to.equal("199");
	});
});
